//! `vaultctl audit witness`: an auditor's client cosigning the log's checkpoints.
//!
//! A witness promises one thing: it cosigns a checkpoint only after checking that it extends
//! the last one it cosigned. Clients that require its cosignature (see
//! [`crate::log::LogPolicy`]) then know that the history they are shown is the one the witness
//! saw, so a server cannot show them a fork the witness did not see.
//!
//! The witness signing key is made on first use and kept in `witness-key.age`, age-encrypted to
//! the person's own encryption key, which is itself locked in the passphrase-protected keystore:
//! it is never on disk in clear. The last checkpoint cosigned is kept per server in
//! `witness.json`, beside it.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::str::FromStr as _;

use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use vault_core::api::CosignRequest;
use vault_core::checkpoint::{Cosignature, WitnessKey};
use vault_core::keys::SigningKey;

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::log::book::{LogBook, ServerLog};

const KEY_FILE: &str = "witness-key.age";
const STATE_FILE: &str = "witness.json";

/// What one witness run did.
#[derive(Clone, Debug, Serialize)]
pub struct Cosigned {
    /// The witness's public key (`name+keyid+base64`): what clients give `--require-witness`.
    pub witness_key: String,
    /// Whether the key was made just now.
    pub created: bool,
    /// The size of the checkpoint cosigned.
    pub size: u64,
    /// Its root, base64 as in the note.
    pub root: String,
    /// The size of the checkpoint this witness cosigned before, if any.
    pub previous_size: Option<u64>,
}

/// The witness key as stored, inside the encrypted file.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    name: String,
    pkcs8: String,
}

impl Drop for StoredKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pkcs8);
    }
}

impl Client {
    /// Checks the latest checkpoint (signature, consistency with what this client accepted and
    /// with what this witness cosigned last), cosigns it and hands the cosignature to the
    /// server. `name` names a witness key made now; an existing key keeps its name.
    pub async fn witness(&self, name: Option<&str>) -> Result<Cosigned> {
        let (signer, key, created) = self.witness_key(name)?;
        let latest = self.check_log().await?;
        let (log_key, note) = {
            let state = self.log_state();
            (state.key.clone(), state.accepted_note.clone())
        };
        let (Some(log_key), Some(note)) = (log_key, note) else {
            return Err(ClientError::Invalid("no checkpoint was accepted".into()));
        };
        let path = self.home.join(STATE_FILE);
        let previous_size = self.extends_last_cosigned(&path, &log_key, &latest).await?;
        let cosignature = Cosignature::sign(&latest, &key, &signer, crate::log::now());
        let request = CosignRequest {
            witness_key: key.to_vkey(),
            cosignature: cosignature.to_line(),
            size: latest.size,
        };
        self.api
            .post_no_answer("/v1/log/cosignatures", &request)
            .await?;
        let entry = ServerLog {
            log_key: log_key.to_vkey(),
            checkpoint: Some(note),
            size: latest.size,
        };
        LogBook::record(&path, self.server(), entry)?;
        Ok(Cosigned {
            witness_key: key.to_vkey(),
            created,
            size: latest.size,
            root: vault_core::b64::encode(latest.root),
            previous_size,
        })
    }

    /// Refuses `latest` unless it extends the checkpoint this witness cosigned last (kept in
    /// the file at `path`); returns that one's size, if there is one.
    async fn extends_last_cosigned(
        &self,
        path: &std::path::Path,
        log_key: &vault_core::checkpoint::NoteKey,
        latest: &vault_core::checkpoint::Checkpoint,
    ) -> Result<Option<u64>> {
        let book = LogBook::load(path)?;
        let Some(note) = book
            .server(self.server())
            .and_then(|k| k.checkpoint.as_deref())
        else {
            return Ok(None);
        };
        let before = crate::log::open_saved(note, log_key, path)?;
        self.check_consistent(&before, latest).await?;
        Ok(Some(before.size))
    }

    /// The witness key: read from its file, or made and saved when there is none.
    fn witness_key(&self, name: Option<&str>) -> Result<(SigningKey, WitnessKey, bool)> {
        let path = self.witness_key_path();
        if path.exists() {
            let (signer, key) = self.read_witness_key(&path)?;
            if name.is_some_and(|n| n != key.name) {
                return Err(ClientError::Invalid(format!(
                    "this witness already has a key named {}; --name applies only to a new one",
                    key.name
                )));
            }
            return Ok((signer, key, false));
        }
        let name = name.map_or_else(
            || format!("witness-{}", self.keystore.user_id),
            str::to_owned,
        );
        let signer = SigningKey::generate()?;
        let key = WitnessKey {
            name: name.clone(),
            key: signer.verifying_key(),
        };
        // Checks the name is one a note key may carry before anything is saved.
        WitnessKey::parse_vkey(&key.to_vkey()).map_err(|e| {
            ClientError::Invalid(format!("{name:?} cannot name a witness key: {e}"))
        })?;
        let stored = StoredKey {
            name,
            pkcs8: vault_core::b64::encode(signer.expose_pkcs8()),
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&stored).map_err(|_| ClientError::Invalid("witness key".into()))?,
        );
        let locked = self.encrypt_to_self(&json)?;
        crate::private_file::write_new(&path, &locked)?;
        Ok((signer, key, true))
    }

    fn read_witness_key(&self, path: &std::path::Path) -> Result<(SigningKey, WitnessKey)> {
        let damaged = || {
            ClientError::Invalid(format!(
                "{} is damaged or not this keystore's; restore it from a backup",
                path.display()
            ))
        };
        let bytes = std::fs::read(path)
            .map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?;
        let json = self.decrypt_from_self(&bytes).map_err(|()| damaged())?;
        let stored: StoredKey = serde_json::from_slice(&json).map_err(|_| damaged())?;
        let pkcs8 = Zeroizing::new(vault_core::b64::decode(&stored.pkcs8).map_err(|_| damaged())?);
        let signer = SigningKey::from_pkcs8(&pkcs8).map_err(|_| damaged())?;
        let key = WitnessKey {
            name: stored.name.clone(),
            key: signer.verifying_key(),
        };
        Ok((signer, key))
    }

    fn witness_key_path(&self) -> PathBuf {
        self.home.join(KEY_FILE)
    }

    /// Age-encrypts `plaintext` to this person's own encryption key.
    fn encrypt_to_self(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let own = self.keystore.identity().public_key();
        let recipient = age::x25519::Recipient::from_str(own.as_str())
            .map_err(|_| ClientError::Invalid("own public key".into()))?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| ClientError::Invalid("own public key".into()))?;
        let mut out = Vec::new();
        let io = |e| ClientError::io("cannot encrypt the witness key", e);
        let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
        writer.write_all(plaintext).map_err(io)?;
        writer.finish().map_err(io)?;
        Ok(out)
    }

    fn decrypt_from_self(&self, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, ()> {
        let secret = self.keystore.identity().expose_secret_string();
        let identity = age::x25519::Identity::from_str(secret.expose_secret()).map_err(|_| ())?;
        let decryptor = age::Decryptor::new_buffered(bytes).map_err(|_| ())?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|_| ())?;
        let mut out = Zeroizing::new(Vec::new());
        reader.read_to_end(&mut out).map_err(|_| ())?;
        Ok(out)
    }
}
