//! The login session, kept on disk encrypted to the person's own key.
//!
//! A bearer token opens the account until it expires, so it is a secret like any other: it is
//! written only as an age file to the person's X25519 key (`session.age`, mode 0600), and read
//! back only with the unlocked keystore.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use vault_core::keys::{PublicKey, SecretKey};

use crate::error::{ClientError, Result};

/// A stored session: the token and when it stops working.
pub struct Session {
    /// The bearer token.
    pub token: SecretString,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Record {
    token: String,
    expires_at: i64,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

impl Session {
    /// Encrypts the session to `owner` and writes it to `path`.
    pub(crate) fn save(&self, path: &Path, owner: &PublicKey) -> Result<()> {
        let record = Record {
            token: self.token.expose_secret().to_owned(),
            expires_at: self.expires_at,
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&record).map_err(|_| ClientError::Invalid("session".into()))?,
        );
        let recipient = age::x25519::Recipient::from_str(owner.as_str())
            .map_err(|_| ClientError::Invalid("own public key".into()))?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| ClientError::Invalid("own public key".into()))?;
        let mut out = Vec::new();
        let io = |e| ClientError::io("cannot encrypt the session", e);
        let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
        writer.write_all(&json).map_err(io)?;
        writer.finish().map_err(io)?;
        crate::private_file::write(path, &out)
    }

    /// Reads the session at `path`; `None` when there is none or it has expired.
    pub(crate) fn load(path: &Path, owner: &SecretKey) -> Result<Option<Self>> {
        let Ok(bytes) = std::fs::read(path) else {
            return Ok(None);
        };
        let damaged = || {
            ClientError::Invalid(format!(
                "{} is damaged: run `vaultctl login`",
                path.display()
            ))
        };
        let decryptor = age::Decryptor::new_buffered(&bytes[..]).map_err(|_| damaged())?;
        let age_identity =
            age::x25519::Identity::from_str(owner.expose_secret_string().expose_secret())
                .map_err(|_| damaged())?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&age_identity as &dyn age::Identity))
            .map_err(|_| damaged())?;
        let mut json = Zeroizing::new(Vec::new());
        reader.read_to_end(&mut json).map_err(|_| damaged())?;
        let record: Record = serde_json::from_slice(&json).map_err(|_| damaged())?;
        if record.expires_at <= now() {
            return Ok(None);
        }
        Ok(Some(Self {
            token: SecretString::from(record.token.clone()),
            expires_at: record.expires_at,
        }))
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
