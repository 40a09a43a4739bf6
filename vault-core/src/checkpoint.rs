//! Signed checkpoints of the log and witness cosignatures, in the C2SP text formats.
//!
//! A checkpoint says "the log named `origin` had `size` leaves with root `root` at `time`". Its
//! body is the tlog-checkpoint text: the origin, the size in decimal, the root in base64, then
//! one extension line `time <unix seconds>`. The server signs the body as a C2SP signed note:
//! the body, a blank line, then a line `— <origin> <base64(key id || signature)>`, where the key
//! id is the first four bytes of SHA-256(name || "\n" || 0x01 || public key). Anyone holding the
//! log's public key (written as a verifier key, `name+keyid+base64(0x01 || key)`) checks it with
//! standard tools.
//!
//! A witness (an auditor who checked the log) adds a tlog-cosignature line: the same shape with
//! algorithm byte 0x04, whose payload is key id || time (8 bytes, big-endian) || an Ed25519
//! signature over `cosignature/v1\ntime <time>\n` followed by the checkpoint body. The time is
//! when the witness signed, so a client can refuse cosignatures older than it accepts.

use crate::b64;
use crate::keys::{SigningKey, VerifyingKey};
use crate::merkle::Hash;

/// Upper bound on a signed note, cosignatures included.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
const NOTE_ED25519: u8 = 0x01;
const COSIGNATURE_V1: u8 = 0x04;
const DASH: &str = "\u{2014} ";

/// Why a key, checkpoint or cosignature was refused.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The text is not in the expected format.
    #[error("checkpoint is malformed: {0}")]
    Malformed(&'static str),
    /// The checkpoint names another log than the key's.
    #[error("checkpoint is for log {found:?}, expected {expected:?}")]
    WrongOrigin {
        /// The origin the key names.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// No signature line by the expected key, or its signature does not verify.
    #[error("checkpoint is not signed by the log key of {0}")]
    BadSignature(String),
    /// A cosignature does not verify for the witness key given.
    #[error("cosignature by {0} does not verify")]
    BadCosignature(String),
}

/// A checkpoint: the log's state at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, as in its key.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root hash of those leaves.
    pub root: Hash,
    /// Seconds since the Unix epoch when the log signed it.
    pub time: u64,
}

impl Checkpoint {
    /// The checkpoint's text body, which the signatures cover.
    #[must_use]
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            b64::encode(self.root),
            self.time
        )
    }

    /// Parses a body written by [`Self::body`]; anything else is refused.
    pub fn parse_body(body: &str) -> Result<Self, CheckpointError> {
        let malformed = CheckpointError::Malformed;
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .ok_or(malformed("body does not end with a newline"))?
            .split('\n')
            .collect();
        let [origin, size, root, time] = lines[..] else {
            return Err(malformed("body is not four lines"));
        };
        check_name(origin)?;
        let root: Hash = b64::decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(malformed("root hash is not 32 bytes of base64"))?;
        let time = time
            .strip_prefix("time ")
            .ok_or(malformed("fourth line is not the time"))?;
        Ok(Self {
            origin: origin.to_owned(),
            size: decimal(size).ok_or(malformed("tree size is not a decimal number"))?,
            root,
            time: decimal(time).ok_or(malformed("time is not a decimal number"))?,
        })
    }

    /// Signs the checkpoint as the log, returning the whole signed note.
    #[must_use]
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let id = key_id(&self.origin, NOTE_ED25519, &key.verifying_key());
        let mut payload = id.to_vec();
        payload.extend_from_slice(&key.sign(body.as_bytes()));
        format!("{body}\n{DASH}{} {}\n", self.origin, b64::encode(payload))
    }
}

/// A decimal number without sign or leading zeros.
fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

fn check_name(name: &str) -> Result<(), CheckpointError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.contains('+')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(CheckpointError::Malformed(
            "name is empty, too long or has spaces or '+'",
        ))
    }
}

fn key_id(name: &str, algorithm: u8, key: &VerifyingKey) -> [u8; 4] {
    let mut input = Vec::with_capacity(name.len() + 34);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(algorithm);
    input.extend_from_slice(key.as_bytes());
    let digest = crate::sha256(&input);
    [digest[0], digest[1], digest[2], digest[3]]
}

fn to_vkey(name: &str, algorithm: u8, key: &VerifyingKey) -> String {
    let mut raw = vec![algorithm];
    raw.extend_from_slice(key.as_bytes());
    format!(
        "{name}+{}+{}",
        hex::encode(key_id(name, algorithm, key)),
        b64::encode(raw)
    )
}

fn parse_vkey(text: &str, algorithm: u8) -> Result<(String, VerifyingKey), CheckpointError> {
    let malformed = CheckpointError::Malformed("verifier key is not name+keyid+base64 key");
    // The base64 key may itself contain '+': only the first two separate fields.
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(raw)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed);
    };
    check_name(name)?;
    let raw = b64::decode(raw).map_err(|_| malformed.clone())?;
    let (Some(&alg), Some(key)) = (raw.first(), raw.get(1..)) else {
        return Err(malformed);
    };
    if alg != algorithm {
        return Err(CheckpointError::Malformed(
            "verifier key is for another algorithm",
        ));
    }
    let key = VerifyingKey::from_bytes(key).map_err(|_| malformed.clone())?;
    if hex::encode(key_id(name, algorithm, &key)) != id {
        return Err(CheckpointError::Malformed(
            "verifier key id does not match the key",
        ));
    }
    Ok((name.to_owned(), key))
}

/// The log's public key and name (its origin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteKey {
    /// The log's origin.
    pub name: String,
    /// Its Ed25519 key.
    pub key: VerifyingKey,
}

impl NoteKey {
    /// The four-byte id that starts each of this key's signatures.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, NOTE_ED25519, &self.key)
    }

    /// The verifier key text, `name+keyid+base64(0x01 || key)`.
    #[must_use]
    pub fn to_vkey(&self) -> String {
        to_vkey(&self.name, NOTE_ED25519, &self.key)
    }

    /// Parses verifier key text.
    pub fn parse_vkey(text: &str) -> Result<Self, CheckpointError> {
        let (name, key) = parse_vkey(text, NOTE_ED25519)?;
        Ok(Self { name, key })
    }
}

/// A witness's public key and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    /// The witness's name.
    pub name: String,
    /// Its Ed25519 key.
    pub key: VerifyingKey,
}

impl WitnessKey {
    /// The four-byte id that starts each of this witness's cosignatures.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, COSIGNATURE_V1, &self.key)
    }

    /// The verifier key text, `name+keyid+base64(0x04 || key)`.
    #[must_use]
    pub fn to_vkey(&self) -> String {
        to_vkey(&self.name, COSIGNATURE_V1, &self.key)
    }

    /// Parses verifier key text.
    pub fn parse_vkey(text: &str) -> Result<Self, CheckpointError> {
        let (name, key) = parse_vkey(text, COSIGNATURE_V1)?;
        Ok(Self { name, key })
    }
}

/// A witness's signature on a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness's name as written on the line.
    pub witness: String,
    /// The key id on the line.
    pub key_id: [u8; 4],
    /// Seconds since the Unix epoch when the witness signed.
    pub time: u64,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

fn cosigned_message(checkpoint: &Checkpoint, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{}", checkpoint.body())
}

impl Cosignature {
    /// Cosigns `checkpoint` as `witness` at `time`.
    #[must_use]
    pub fn sign(
        checkpoint: &Checkpoint,
        witness: &WitnessKey,
        key: &SigningKey,
        time: u64,
    ) -> Self {
        Self {
            witness: witness.name.clone(),
            key_id: witness.key_id(),
            time,
            signature: key.sign(cosigned_message(checkpoint, time).as_bytes()),
        }
    }

    /// Checks this cosignature on `checkpoint` against `witness`.
    pub fn verify(
        &self,
        checkpoint: &Checkpoint,
        witness: &WitnessKey,
    ) -> Result<(), CheckpointError> {
        let message = cosigned_message(checkpoint, self.time);
        let ok = self.witness == witness.name
            && self.key_id == witness.key_id()
            && witness.key.verify(message.as_bytes(), &self.signature);
        if ok {
            Ok(())
        } else {
            Err(CheckpointError::BadCosignature(self.witness.clone()))
        }
    }

    /// The signature line, without its newline.
    #[must_use]
    pub fn to_line(&self) -> String {
        let mut payload = self.key_id.to_vec();
        payload.extend_from_slice(&self.time.to_be_bytes());
        payload.extend_from_slice(&self.signature);
        format!("{DASH}{} {}", self.witness, b64::encode(payload))
    }

    /// Parses one signature line as a cosignature; `None` if it is another kind of signature.
    pub fn parse_line(line: &str) -> Result<Option<Self>, CheckpointError> {
        let (name, payload) = split_line(line)?;
        let Ok::<[u8; 76], _>(raw) = payload.try_into() else {
            return Ok(None);
        };
        let mut time = [0u8; 8];
        time.copy_from_slice(&raw[4..12]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&raw[12..]);
        Ok(Some(Self {
            witness: name.to_owned(),
            key_id: [raw[0], raw[1], raw[2], raw[3]],
            time: u64::from_be_bytes(time),
            signature,
        }))
    }
}

fn split_line(line: &str) -> Result<(&str, Vec<u8>), CheckpointError> {
    let malformed = CheckpointError::Malformed("signature line is not '\u{2014} name base64'");
    let rest = line.strip_prefix(DASH).ok_or(malformed.clone())?;
    let (name, payload) = rest.split_once(' ').ok_or(malformed.clone())?;
    check_name(name)?;
    let payload = b64::decode(payload).map_err(|_| malformed.clone())?;
    if payload.len() < 4 {
        return Err(malformed);
    }
    Ok((name, payload))
}

/// A checkpoint whose log signature verified, with the cosignature lines it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// What the log signed.
    pub checkpoint: Checkpoint,
    /// The note exactly as received.
    pub note: String,
    /// Cosignatures found on the note, not yet verified: check the ones whose witness you know
    /// with [`Cosignature::verify`].
    pub cosignatures: Vec<Cosignature>,
}

impl SignedCheckpoint {
    /// Parses a signed note and verifies the log's signature on it.
    pub fn open(note: &str, log: &NoteKey) -> Result<Self, CheckpointError> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(CheckpointError::Malformed("note is too large"));
        }
        let split = note
            .rfind("\n\n")
            .ok_or(CheckpointError::Malformed("note has no signature block"))?;
        let body = &note[..=split];
        let lines = note[split + 2..]
            .strip_suffix('\n')
            .ok_or(CheckpointError::Malformed(
                "note does not end with a newline",
            ))?;
        let checkpoint = Checkpoint::parse_body(body)?;
        if checkpoint.origin != log.name {
            return Err(CheckpointError::WrongOrigin {
                expected: log.name.clone(),
                found: checkpoint.origin,
            });
        }
        let mut signed = false;
        let mut cosignatures = Vec::new();
        for line in lines.split('\n') {
            let (name, payload) = split_line(line)?;
            if name == log.name && payload.len() == 68 && payload[..4] == log.key_id() {
                signed |= log.key.verify(body.as_bytes(), &payload[4..]);
            } else if let Some(cosignature) = Cosignature::parse_line(line)? {
                cosignatures.push(cosignature);
            }
        }
        if !signed {
            return Err(CheckpointError::BadSignature(log.name.clone()));
        }
        Ok(Self {
            checkpoint,
            note: note.to_owned(),
            cosignatures,
        })
    }
}

/// Appends signature lines (such as [`Cosignature::to_line`]) to a signed note.
#[must_use]
pub fn add_signature_lines(note: &str, lines: &[String]) -> String {
    let mut out = note.to_owned();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_log() -> (SigningKey, NoteKey) {
        let key = SigningKey::generate().unwrap();
        let note_key = NoteKey {
            name: "case-vault.localhost/log".into(),
            key: key.verifying_key(),
        };
        (key, note_key)
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "case-vault.localhost/log".into(),
            size: 42,
            root: [9; 32],
            time: 1_796_000_000,
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_and_a_changed_one_does_not() {
        let (key, log) = new_log();
        let note = checkpoint().sign(&key);
        let opened = SignedCheckpoint::open(&note, &log).unwrap();
        assert_eq!(opened.checkpoint, checkpoint());
        assert!(opened.cosignatures.is_empty());
        let changed = note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(
            SignedCheckpoint::open(&changed, &log),
            Err(CheckpointError::BadSignature(log.name.clone()))
        );
        let (_, other) = new_log();
        assert!(SignedCheckpoint::open(&note, &other).is_err());
    }

    #[test]
    fn vkeys_round_trip_and_a_wrong_id_is_refused() {
        let (_, log) = new_log();
        let text = log.to_vkey();
        assert!(text.starts_with("case-vault.localhost/log+"));
        assert_eq!(NoteKey::parse_vkey(&text).unwrap(), log);
        let mut parts: Vec<&str> = text.splitn(3, '+').collect();
        parts[1] = "00000000";
        assert!(NoteKey::parse_vkey(&parts.join("+")).is_err());
        assert!(
            WitnessKey::parse_vkey(&text).is_err(),
            "algorithm byte is checked"
        );
    }

    #[test]
    fn cosignatures_round_trip_through_the_note() {
        let (key, log) = new_log();
        let witness_key = SigningKey::generate().unwrap();
        let witness = WitnessKey {
            name: "auditor.example/witness".into(),
            key: witness_key.verifying_key(),
        };
        let cp = checkpoint();
        let cosig = Cosignature::sign(&cp, &witness, &witness_key, 1_796_000_100);
        let note = add_signature_lines(&cp.sign(&key), &[cosig.to_line()]);
        let opened = SignedCheckpoint::open(&note, &log).unwrap();
        assert_eq!(opened.cosignatures, vec![cosig.clone()]);
        cosig.verify(&cp, &witness).unwrap();
        let later = Checkpoint { size: 43, ..cp };
        assert!(cosig.verify(&later, &witness).is_err());
    }

    /// The signed-note example published with the format (the Go sumdb note package), to show
    /// that key ids, verifier keys and signature lines are read as other implementations write.
    #[test]
    fn the_published_signed_note_example_verifies() {
        let key = NoteKey::parse_vkey(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        let body = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let line =
            "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC\
                    2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
        let (name, payload) = split_line(line).unwrap();
        assert_eq!(name, key.name);
        assert_eq!(payload[..4], key.key_id());
        assert!(key.key.verify(body.as_bytes(), &payload[4..]));
        assert!(!key.key.verify(
            body.replace("problem,", "problem;").as_bytes(),
            &payload[4..]
        ));
    }

    #[test]
    fn bodies_are_strict() {
        let body = checkpoint().body();
        assert_eq!(Checkpoint::parse_body(&body).unwrap(), checkpoint());
        for bad in [
            body.replace("\n42\n", "\n042\n"),
            body.replace("time ", "t "),
            body.trim_end().to_owned(),
            format!("{body}extra\n"),
        ] {
            assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
        }
    }
}
