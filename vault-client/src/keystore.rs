//! The keystore: a person's keys, locked on disk with their passphrase.
//!
//! One file per home directory (`keystore.age`) holds the person's age identity, Ed25519
//! signing key, user id, e-mail, server and organisation, and for an organisation's founding
//! manager also the organisation's root signing key. The record is JSON inside an age file
//! locked with the passphrase (age's scrypt recipient).
//!
//! A keystore that travels (a backup, a synced folder) can come back with a weaker work factor
//! than it was written with; the client therefore reads the work factor from the header before
//! trying the passphrase and refuses anything below [`MIN_WORK_FACTOR`] or above
//! [`MAX_WORK_FACTOR`] (which bounds the memory and time an opened file may cost).

use std::io::{Read, Write};
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use vault_core::header::{check_header, HeaderCheck};
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{SecretKey, SigningKey};

use crate::error::{ClientError, Result};

/// The least scrypt work factor (log2 N) a keystore may be locked with.
pub const MIN_WORK_FACTOR: u8 = 15;
/// The greatest work factor accepted when opening: about a gigabyte of memory.
pub const MAX_WORK_FACTOR: u8 = 22;
/// The work factor new keystores get unless `VAULTCTL_SCRYPT_WORK_FACTOR` says otherwise.
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// The environment variable that sets the work factor of keystores written from now on.
pub const WORK_FACTOR_ENV: &str = "VAULTCTL_SCRYPT_WORK_FACTOR";
/// Largest keystore file read.
const MAX_KEYSTORE_BYTES: u64 = 64 * 1024;

/// A person's unlocked keys. Deliberately neither `Debug` nor `Clone`.
pub struct Keystore {
    /// The account's id, chosen at `init`.
    pub user_id: UserId,
    /// The login e-mail address.
    pub email: String,
    /// The server the keystore was made for (informational: `--server` decides).
    pub server: String,
    /// The organisation joined, once registered.
    pub org_id: Option<OrgId>,
    identity: SecretKey,
    signing: SigningKey,
    org_root: Option<SigningKey>,
}

/// The on-disk record. Its secret fields are wiped when it is dropped.
#[derive(Serialize, Deserialize)]
struct Record {
    version: u32,
    user_id: UserId,
    email: String,
    #[serde(default)]
    server: String,
    org_id: Option<OrgId>,
    identity: String,
    signing_pkcs8: String,
    org_root_pkcs8: Option<String>,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.identity.zeroize();
        self.signing_pkcs8.zeroize();
        self.org_root_pkcs8.zeroize();
    }
}

impl Keystore {
    /// Fresh keys for a new person.
    pub fn generate(email: &str, server: &str) -> Result<Self> {
        Ok(Self {
            user_id: UserId::new(),
            email: email.to_owned(),
            server: server.to_owned(),
            org_id: None,
            identity: SecretKey::generate(),
            signing: SigningKey::generate()?,
            org_root: None,
        })
    }

    /// The person's encryption key.
    #[must_use]
    pub fn identity(&self) -> &SecretKey {
        &self.identity
    }

    /// The person's signing key.
    #[must_use]
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The organisation root signing key, held by the founding manager only.
    #[must_use]
    pub fn org_root(&self) -> Option<&SigningKey> {
        self.org_root.as_ref()
    }

    /// Keeps the organisation root signing key (founding manager).
    pub fn set_org_root(&mut self, key: SigningKey) {
        self.org_root = Some(key);
    }

    /// Writes the keystore locked with `passphrase`, at the work factor from the environment.
    pub fn save(&self, path: &Path, passphrase: &SecretString) -> Result<()> {
        let locked = self.lock(passphrase, work_factor_from_env()?)?;
        crate::private_file::write(path, &locked)
    }

    /// The locked bytes at a given work factor; `save` checks the factor, this does not.
    pub(crate) fn lock(&self, passphrase: &SecretString, work_factor: u8) -> Result<Vec<u8>> {
        let record = self.record();
        let json = Zeroizing::new(
            serde_json::to_vec(&record).map_err(|_| ClientError::KeystoreDamaged("encoding"))?,
        );
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(work_factor);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| ClientError::KeystoreDamaged("cannot lock"))?;
        let mut out = Vec::with_capacity(json.len() + 256);
        let io = |e| ClientError::io("cannot lock the keystore", e);
        let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
        writer.write_all(&json).map_err(io)?;
        writer.finish().map_err(io)?;
        Ok(out)
    }

    fn record(&self) -> Record {
        Record {
            version: 1,
            user_id: self.user_id,
            email: self.email.clone(),
            server: self.server.clone(),
            org_id: self.org_id,
            identity: self
                .identity
                .expose_secret_string()
                .expose_secret()
                .to_owned(),
            signing_pkcs8: vault_core::b64::encode(self.signing.expose_pkcs8()),
            org_root_pkcs8: self
                .org_root
                .as_ref()
                .map(|k| vault_core::b64::encode(k.expose_pkcs8())),
        }
    }

    /// Reads and unlocks the keystore at `path`.
    pub fn open(path: &Path, passphrase: &SecretString) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ClientError::NoKeystore(path.to_owned()),
            _ => ClientError::io(format!("cannot read {}", path.display()), e),
        })?;
        let mut locked = Vec::new();
        file.take(MAX_KEYSTORE_BYTES)
            .read_to_end(&mut locked)
            .map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?;
        Self::unlock(&locked, passphrase)
    }

    /// Unlocks keystore bytes, refusing a work factor outside the accepted range first.
    pub(crate) fn unlock(locked: &[u8], passphrase: &SecretString) -> Result<Self> {
        check_work_factor(locked)?;
        let decryptor = age::Decryptor::new_buffered(locked)
            .map_err(|_| ClientError::KeystoreDamaged("not an age file"))?;
        let mut identity = age::scrypt::Identity::new(passphrase.clone());
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|_| ClientError::WrongPassphrase)?;
        let mut json = Zeroizing::new(Vec::new());
        reader
            .read_to_end(&mut json)
            .map_err(|_| ClientError::WrongPassphrase)?;
        let record: Record =
            serde_json::from_slice(&json).map_err(|_| ClientError::KeystoreDamaged("contents"))?;
        Self::from_record(&record)
    }

    fn from_record(record: &Record) -> Result<Self> {
        let damaged = |_| ClientError::KeystoreDamaged("keys");
        let pkcs8 = |text: &str| -> Result<SigningKey> {
            let bytes = Zeroizing::new(
                vault_core::b64::decode(text)
                    .map_err(|_| ClientError::KeystoreDamaged("signing key encoding"))?,
            );
            SigningKey::from_pkcs8(&bytes).map_err(damaged)
        };
        Ok(Self {
            user_id: record.user_id,
            email: record.email.clone(),
            server: record.server.clone(),
            org_id: record.org_id,
            identity: SecretKey::from_secret_str(&record.identity).map_err(damaged)?,
            signing: pkcs8(&record.signing_pkcs8)?,
            org_root: record.org_root_pkcs8.as_deref().map(pkcs8).transpose()?,
        })
    }
}

/// Refuses a keystore that is not locked by a passphrase alone, or whose work factor is
/// outside [`MIN_WORK_FACTOR`]..=[`MAX_WORK_FACTOR`].
fn check_work_factor(locked: &[u8]) -> Result<()> {
    let Ok(HeaderCheck::Valid(info)) = check_header(locked) else {
        return Err(ClientError::KeystoreDamaged(
            "the header is not a valid age header",
        ));
    };
    let found = info
        .scrypt_work_factor()
        .ok_or(ClientError::KeystoreDamaged(
            "it is not locked with a passphrase",
        ))?;
    if (MIN_WORK_FACTOR..=MAX_WORK_FACTOR).contains(&found) {
        Ok(())
    } else {
        Err(ClientError::WorkFactor {
            found,
            min: MIN_WORK_FACTOR,
            max: MAX_WORK_FACTOR,
        })
    }
}

/// The work factor for keystores written now: `VAULTCTL_SCRYPT_WORK_FACTOR` or the default.
pub fn work_factor_from_env() -> Result<u8> {
    let Ok(text) = std::env::var(WORK_FACTOR_ENV) else {
        return Ok(DEFAULT_WORK_FACTOR);
    };
    match text.trim().parse::<u8>() {
        Ok(n) if (MIN_WORK_FACTOR..=MAX_WORK_FACTOR).contains(&n) => Ok(n),
        _ => Err(ClientError::Invalid(format!(
            "{WORK_FACTOR_ENV} must be a number from {MIN_WORK_FACTOR} to {MAX_WORK_FACTOR}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn round_trips_with_the_right_passphrase() {
        let mut ks = Keystore::generate("p@example.org", "http://127.0.0.1:8088").unwrap();
        ks.org_id = Some(OrgId::new());
        ks.set_org_root(SigningKey::generate().unwrap());
        let locked = ks.lock(&pass("correct horse"), MIN_WORK_FACTOR).unwrap();
        let back = Keystore::unlock(&locked, &pass("correct horse")).unwrap();
        assert_eq!(back.user_id, ks.user_id);
        assert_eq!(back.org_id, ks.org_id);
        assert_eq!(back.identity().public_key(), ks.identity().public_key());
        assert_eq!(
            back.signing_key().verifying_key(),
            ks.signing_key().verifying_key()
        );
        assert!(back.org_root().is_some());
    }

    #[test]
    fn wrong_passphrase_is_refused_clearly() {
        let ks = Keystore::generate("p@example.org", "http://127.0.0.1:8088").unwrap();
        let locked = ks.lock(&pass("correct horse"), MIN_WORK_FACTOR).unwrap();
        let err = Keystore::unlock(&locked, &pass("battery staple"))
            .err()
            .unwrap();
        assert!(matches!(err, ClientError::WrongPassphrase));
        assert_eq!(
            err.to_string(),
            "wrong passphrase (or the keystore is damaged)"
        );
    }

    /// Regression: a keystore handed back with a lowered work factor must not be opened.
    #[test]
    fn downgraded_work_factor_is_refused_before_the_passphrase_is_tried() {
        let ks = Keystore::generate("p@example.org", "http://127.0.0.1:8088").unwrap();
        let weak = ks
            .lock(&pass("correct horse"), MIN_WORK_FACTOR - 1)
            .unwrap();
        let err = Keystore::unlock(&weak, &pass("correct horse"))
            .err()
            .unwrap();
        assert!(
            matches!(err, ClientError::WorkFactor { found: 14, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_x25519_file_is_not_a_keystore() {
        let key = SecretKey::generate();
        let file = key.wrap_to(&[&key.public_key()]).unwrap();
        assert!(matches!(
            Keystore::unlock(&file, &pass("x")),
            Err(ClientError::KeystoreDamaged(_))
        ));
    }
}
