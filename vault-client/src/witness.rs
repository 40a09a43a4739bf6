//! `vaultctl audit witness`: an auditor's client cosigning the log's checkpoints.
//!
//! A witness promises one thing: it cosigns a checkpoint only after checking that it extends
//! the last one it cosigned. Clients that require its cosignature (see
//! [`crate::log::LogPolicy`]) then know that the history they are shown is the one the witness
//! saw, so a server cannot show them a fork the witness did not see. When the log has not grown
//! since, the witness cosigns the same checkpoint again with a later time, which the server
//! keeps instead of the earlier one: clients that require a recent cosignature stay served on a
//! quiet platform.
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
use vault_core::checkpoint::{Cosignature, NoteKey, SignedCheckpoint, WitnessKey};
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
    /// Whether the log was unchanged since that one, so the same checkpoint was cosigned again.
    pub renewed: bool,
    /// The time in the cosignature, in seconds since the Unix epoch.
    pub time: u64,
}

/// How far ahead of this machine's clock this witness's own latest cosignature may be dated
/// before a renewal refuses to follow it (a later time is needed for the renewal to count).
const MAX_AHEAD_SECS: u64 = 60;

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

/// The time for a cosignature of the checkpoint in `note`: `now`, or one second past this
/// witness's own cosignature that the note already carries when that is not earlier, so that a
/// renewal within the same second still replaces it.
fn cosign_time(note: &str, log_key: &NoteKey, key: &WitnessKey, now: u64) -> Result<u64> {
    let opened = SignedCheckpoint::open(note, log_key)
        .map_err(|e| ClientError::Invalid(format!("the accepted checkpoint: {e}")))?;
    let own = opened
        .cosignatures
        .iter()
        .filter(|c| c.verify(&opened.checkpoint, key).is_ok())
        .map(|c| c.time)
        .max();
    match own {
        Some(last) if last > now + MAX_AHEAD_SECS => Err(ClientError::Invalid(format!(
            "this witness's cosignature of the latest checkpoint is dated {} seconds ahead of \
             this machine's clock, so it cannot be renewed; check the clock, or cosign again \
             once the log has grown",
            last - now
        ))),
        Some(last) if last >= now => Ok(last + 1),
        _ => Ok(now),
    }
}

impl Client {
    /// Checks the latest checkpoint (signature, consistency with what this client accepted and
    /// with what this witness cosigned last), cosigns it and hands the cosignature to the
    /// server; a checkpoint cosigned before is cosigned again with a later time. `name` names a
    /// witness key made now; an existing key keeps its name.
    pub async fn witness(&self, name: Option<&str>) -> Result<Cosigned> {
        self.witness_at(name, crate::log::now()).await
    }

    /// [`Client::witness`] with the time this machine's clock reads given as `now` (seconds
    /// since the Unix epoch): the cosignature is dated then, or just after this witness's own
    /// cosignature of the same checkpoint.
    pub async fn witness_at(&self, name: Option<&str>, now: u64) -> Result<Cosigned> {
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
        let renewed = previous_size == Some(latest.size);
        let time = cosign_time(&note, &log_key, &key, now)?;
        let cosignature = Cosignature::sign(&latest, &key, &signer, time);
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
            renewed,
            time,
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
