//! Keys of the hierarchy: encryption identities, signing keys and their fingerprints.
//!
//! Every level of the hierarchy (user, organisation, case, document) has an age X25519
//! identity made on a client. A level's secret is *wrapped* by age-encrypting its text form to
//! the recipients of the levels above it, so an unwrapped key file is an ordinary age identity
//! file that the stock `age` tool accepts. People also hold an Ed25519 signing key (from ring)
//! with which they sign every statement they make to the platform.
//!
//! Secret types here zeroize on drop and implement neither `Debug`, `Display`, `Clone` nor
//! `Serialize`; their text forms come out only through methods named `expose_*`.

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Largest wrapped key we accept: an age file of one identity to a few dozen recipients.
pub const MAX_WRAPPED_KEY_BYTES: usize = 16 * 1024;

/// Errors from parsing, wrapping and unwrapping keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not an age X25519 recipient (`age1…`).
    #[error("not an age X25519 public key")]
    InvalidRecipient,
    /// The text is not an age X25519 identity; the text itself is never echoed.
    #[error("not an age X25519 secret key")]
    InvalidIdentity,
    /// The bytes are not a 32-byte Ed25519 public key.
    #[error("not an Ed25519 public key")]
    InvalidVerifyingKey,
    /// The bytes are not an Ed25519 key pair in PKCS#8 form.
    #[error("not an Ed25519 signing key")]
    InvalidSigningKey,
    /// A wrap was asked for with no recipient at all.
    #[error("a key must be wrapped to at least one recipient")]
    NoRecipients,
    /// The wrapped key is larger than [`MAX_WRAPPED_KEY_BYTES`].
    #[error("wrapped key is too large")]
    TooLarge,
    /// None of the given identities opens the wrapped key, or it was tampered with.
    #[error("the wrapped key could not be opened with the keys held (authentication failed)")]
    UnwrapFailed,
    /// The unwrapped key is not the key the signed envelope named.
    #[error("the unwrapped key does not match the fingerprint it was signed for")]
    WrongKey,
    /// The system random generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// A short, stable name for a public key, meant to be read aloud and compared out of band.
///
/// It is the first 16 bytes of SHA-256 over a domain tag and the key, shown as eight groups of
/// four hex digits (`3f2a-9c10-…`). Two keys of different kinds never share a fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    const ENCRYPTION_TAG: &'static [u8] = b"case-vault fingerprint v1: age-x25519\n";
    const SIGNING_TAG: &'static [u8] = b"case-vault fingerprint v1: ed25519\n";
    const MEMBER_TAG: &'static [u8] = b"case-vault fingerprint v1: member\n";

    fn of(tag: &[u8], key: &[u8]) -> Self {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(tag);
        ctx.update(key);
        let digest = ctx.finish();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest.as_ref()[..16]);
        Self(out)
    }

    /// The raw 16 bytes, as used in canonical statement encodings.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// One fingerprint over both of a person's public keys: what a new member reads out to the
    /// manager who approves them, so that neither key can be swapped unnoticed.
    #[must_use]
    pub fn of_member(encryption: &PublicKey, signing: &VerifyingKey) -> Self {
        let mut keys = encryption.as_str().as_bytes().to_vec();
        keys.push(b'\n');
        keys.extend_from_slice(signing.as_bytes());
        Self::of(Self::MEMBER_TAG, &keys)
    }

    /// Rebuilds a fingerprint from its 16 raw bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.0.chunks(2).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{:02x}{:02x}", pair[0], pair[1])?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex_digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
        let mut out = [0u8; 16];
        hex::decode_to_slice(&hex_digits, &mut out).map_err(|_| KeyError::InvalidRecipient)?;
        Ok(Self(out))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The public half of an encryption key: an age X25519 recipient (`age1…`).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    text: String,
    recipient: age::x25519::Recipient,
}

impl PublicKey {
    /// The recipient's `age1…` text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The fingerprint of this key.
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(Fingerprint::ENCRYPTION_TAG, self.text.as_bytes())
    }

    pub(crate) fn age_recipient(&self) -> &age::x25519::Recipient {
        &self.recipient
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let recipient: age::x25519::Recipient =
            s.parse().map_err(|_| KeyError::InvalidRecipient)?;
        // Keep the canonical (lower-case) form so the fingerprint does not depend on case.
        Ok(Self {
            text: recipient.to_string(),
            recipient,
        })
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.text)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The secret half of an encryption key: an age X25519 identity.
///
/// Used at every level: a person's own key, an organisation key, a case key, a document key.
pub struct SecretKey(age::x25519::Identity);

impl SecretKey {
    /// Generates a fresh key from the system's random generator.
    #[must_use]
    pub fn generate() -> Self {
        Self(age::x25519::Identity::generate())
    }

    /// Parses an `AGE-SECRET-KEY-1…` identity. The input is never echoed in errors.
    pub fn from_secret_str(text: &str) -> Result<Self, KeyError> {
        text.trim()
            .parse()
            .map(Self)
            .map_err(|_| KeyError::InvalidIdentity)
    }

    /// The public key that encrypts to this secret key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        let recipient = self.0.to_public();
        PublicKey {
            text: recipient.to_string(),
            recipient,
        }
    }

    /// The fingerprint of the public half.
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        self.public_key().fingerprint()
    }

    /// The `AGE-SECRET-KEY-1…` text: what an exported key file holds.
    #[must_use]
    pub fn expose_secret_string(&self) -> SecretString {
        self.0.to_string()
    }

    pub(crate) fn age_identity(&self) -> &age::x25519::Identity {
        &self.0
    }

    /// Age-encrypts this key's text form to every recipient given.
    ///
    /// The result is a standard age file whose plaintext is an age identity file.
    pub fn wrap_to(&self, recipients: &[&PublicKey]) -> Result<Vec<u8>, KeyError> {
        let secret = self.expose_secret_string();
        let mut wrapped = Vec::with_capacity(256 + 128 * recipients.len());
        encrypt_to(recipients, secret.expose_secret().as_bytes(), &mut wrapped)?;
        Ok(wrapped)
    }

    /// Opens a wrapped key with one of `holders` and checks that it is the key `expected`.
    ///
    /// The fingerprint check is what stops *key adoption*: a key planted by someone else
    /// does not match the fingerprint in the envelope a certified member signed.
    pub fn unwrap(
        wrapped: &[u8],
        holders: &[&SecretKey],
        expected: Fingerprint,
    ) -> Result<Self, KeyError> {
        if wrapped.len() > MAX_WRAPPED_KEY_BYTES {
            return Err(KeyError::TooLarge);
        }
        let mut text = Zeroizing::new(Vec::with_capacity(80));
        decrypt_with(wrapped, holders, &mut text)?;
        let text = std::str::from_utf8(&text).map_err(|_| KeyError::InvalidIdentity)?;
        let key = Self::from_secret_str(text)?;
        if key.fingerprint() == expected {
            Ok(key)
        } else {
            Err(KeyError::WrongKey)
        }
    }
}

/// Encrypts `plaintext` to `recipients` as one age file.
pub(crate) fn encrypt_to<W: Write>(
    recipients: &[&PublicKey],
    plaintext: &[u8],
    out: W,
) -> Result<(), KeyError> {
    let encryptor = age_encryptor(recipients)?;
    let mut writer = encryptor
        .wrap_output(out)
        .map_err(|_| KeyError::UnwrapFailed)?;
    writer
        .write_all(plaintext)
        .map_err(|_| KeyError::UnwrapFailed)?;
    writer.finish().map_err(|_| KeyError::UnwrapFailed)?;
    Ok(())
}

pub(crate) fn age_encryptor(recipients: &[&PublicKey]) -> Result<age::Encryptor, KeyError> {
    if recipients.is_empty() {
        return Err(KeyError::NoRecipients);
    }
    let list: Vec<&dyn age::Recipient> = recipients
        .iter()
        .map(|r| r.age_recipient() as &dyn age::Recipient)
        .collect();
    age::Encryptor::with_recipients(list.into_iter()).map_err(|_| KeyError::NoRecipients)
}

/// Decrypts a small age file into `out`, with any of `holders`.
pub(crate) fn decrypt_with(
    ciphertext: &[u8],
    holders: &[&SecretKey],
    out: &mut Vec<u8>,
) -> Result<(), KeyError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|_| KeyError::UnwrapFailed)?;
    let identities = holders
        .iter()
        .map(|k| k.age_identity() as &dyn age::Identity);
    let mut reader = decryptor
        .decrypt(identities)
        .map_err(|_| KeyError::UnwrapFailed)?;
    reader
        .read_to_end(out)
        .map_err(|_| KeyError::UnwrapFailed)?;
    Ok(())
}

/// The public half of a signing key: 32 bytes of Ed25519.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey([u8; 32]);

impl VerifyingKey {
    /// Takes 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| KeyError::InvalidVerifyingKey)
    }

    /// The 32 raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint of this key.
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(Fingerprint::SIGNING_TAG, &self.0)
    }

    /// Checks an Ed25519 signature over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", self.fingerprint())
    }
}

impl Serialize for VerifyingKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::b64::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for VerifyingKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = crate::b64::decode(&s).map_err(serde::de::Error::custom)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signing key, kept in its PKCS#8 form so that it can be stored in a keystore.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl SigningKey {
    /// Generates a fresh signing key.
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::Random)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Loads a key from its PKCS#8 bytes (as written by [`Self::expose_pkcs8`]).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::InvalidSigningKey)?;
        Ok(Self {
            pair,
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
        })
    }

    /// The PKCS#8 bytes of the key pair, for storing inside a locked keystore only.
    #[must_use]
    pub fn expose_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        VerifyingKey(out)
    }

    /// Signs `message`, returning the 64-byte signature.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_and_unwrap_round_trip() {
        let parent = SecretKey::generate();
        let child = SecretKey::generate();
        let wrapped = child.wrap_to(&[&parent.public_key()]).unwrap();
        let back = SecretKey::unwrap(&wrapped, &[&parent], child.fingerprint()).unwrap();
        assert_eq!(back.public_key(), child.public_key());
    }

    #[test]
    fn unwrap_refuses_a_key_other_than_the_one_named() {
        let parent = SecretKey::generate();
        let planted = SecretKey::generate();
        let wrapped = planted.wrap_to(&[&parent.public_key()]).unwrap();
        let named = SecretKey::generate().fingerprint();
        assert!(matches!(
            SecretKey::unwrap(&wrapped, &[&parent], named),
            Err(KeyError::WrongKey)
        ));
    }

    #[test]
    fn unwrap_with_a_stranger_fails() {
        let parent = SecretKey::generate();
        let child = SecretKey::generate();
        let wrapped = child.wrap_to(&[&parent.public_key()]).unwrap();
        let stranger = SecretKey::generate();
        let err = SecretKey::unwrap(&wrapped, &[&stranger], child.fingerprint());
        assert!(matches!(err, Err(KeyError::UnwrapFailed)));
    }

    #[test]
    fn fingerprint_text_round_trips_and_separates_kinds() {
        let key = SecretKey::generate().public_key();
        let fp = key.fingerprint();
        assert_eq!(fp.to_string().len(), 39);
        assert_eq!(fp.to_string().parse::<Fingerprint>().unwrap(), fp);
        let signing = SigningKey::generate().unwrap().verifying_key();
        assert_ne!(signing.fingerprint(), fp);
        let member = Fingerprint::of_member(&key, &signing);
        let other_signing = SigningKey::generate().unwrap().verifying_key();
        assert_ne!(member, Fingerprint::of_member(&key, &other_signing));
        let other_key = SecretKey::generate().public_key();
        assert_ne!(member, Fingerprint::of_member(&other_key, &signing));
    }

    #[test]
    fn signatures_verify_and_reject_changes() {
        let key = SigningKey::generate().unwrap();
        let sig = key.sign(b"hello");
        let public = key.verifying_key();
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellp", &sig));
        let reloaded = SigningKey::from_pkcs8(key.expose_pkcs8()).unwrap();
        assert_eq!(reloaded.verifying_key(), public);
    }

    #[test]
    fn public_key_parse_rejects_garbage() {
        assert!("age1nope".parse::<PublicKey>().is_err());
        assert!(SecretKey::from_secret_str("AGE-SECRET-KEY-1XYZ").is_err());
    }
}
