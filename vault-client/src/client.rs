//! The [`Client`]: an unlocked keystore, a server connection and one method per action.
//!
//! The methods live in several files by subject (accounts and organisations, cases,
//! documents); this one holds the struct, the home-directory layout, and the session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use secrecy::SecretString;
use serde::Serialize;

use vault_core::api::{AuditEvent, Me};
use vault_core::ids::OrgId;
use vault_core::keys::Fingerprint;
use vault_core::trust::TrustedOrg;

use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::keystore::Keystore;
use crate::log::{LogPolicy, LogSession};
use crate::session::Session;

/// File names inside the home directory.
pub(crate) const KEYSTORE_FILE: &str = "keystore.age";
const SESSION_FILE: &str = "session.age";
const PINS_FILE: &str = "pins.json";
const LOG_FILE: &str = "log.json";

/// The fingerprints a person reads out to their manager.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Fingerprints {
    /// Over both keys: what a new member reads out to the approving manager.
    pub member: Fingerprint,
    /// Of the X25519 encryption key.
    pub encryption: Fingerprint,
    /// Of the Ed25519 signing key.
    pub signing: Fingerprint,
}

/// A person's client: keys unlocked, ready to talk to the server.
pub struct Client {
    pub(crate) home: PathBuf,
    server: String,
    pub(crate) api: Api,
    pub(crate) keystore: Keystore,
    passphrase: SecretString,
    pub(crate) trusted: Mutex<HashMap<OrgId, TrustedOrg>>,
    pub(crate) first_sights: Mutex<Vec<crate::OrgSighting>>,
    pub(crate) log_policy: LogPolicy,
    log: Mutex<LogSession>,
}

impl Client {
    /// Makes a new keystore in `home` (never replacing one) and returns the client.
    pub fn init(home: &Path, server: &str, email: &str, passphrase: SecretString) -> Result<Self> {
        crate::private_file::create_private_dir(home)?;
        let path = home.join(KEYSTORE_FILE);
        if path.exists() {
            return Err(ClientError::KeystoreExists(path));
        }
        let keystore = Keystore::generate(email, server)?;
        let locked = keystore.lock(&passphrase, crate::keystore::work_factor_from_env()?)?;
        crate::private_file::write_new(&path, &locked).map_err(|e| match e {
            ClientError::OutputExists(p) => ClientError::KeystoreExists(p),
            other => other,
        })?;
        Self::with_keystore(home, server, keystore, passphrase)
    }

    /// Unlocks the keystore in `home` and picks up a stored session.
    pub fn open(home: &Path, server: &str, passphrase: SecretString) -> Result<Self> {
        let keystore = Keystore::open(&home.join(KEYSTORE_FILE), &passphrase)?;
        let mut client = Self::with_keystore(home, server, keystore, passphrase)?;
        let session = Session::load(&client.home.join(SESSION_FILE), client.keystore.identity())?;
        client.api.set_token(session.map(|s| s.token));
        Ok(client)
    }

    pub(crate) fn with_keystore(
        home: &Path,
        server: &str,
        keystore: Keystore,
        passphrase: SecretString,
    ) -> Result<Self> {
        Ok(Self {
            home: home.to_owned(),
            server: server.to_owned(),
            api: Api::new(server)?,
            keystore,
            passphrase,
            trusted: Mutex::new(HashMap::new()),
            first_sights: Mutex::new(Vec::new()),
            log_policy: LogPolicy::default(),
            log: Mutex::new(LogSession::default()),
        })
    }

    /// Sets what this client requires of the log beyond signature and consistency.
    pub fn set_log_policy(&mut self, policy: LogPolicy) {
        self.log_policy = policy;
    }

    /// The server this client talks to, as given.
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn log_book_path(&self) -> PathBuf {
        self.home.join(LOG_FILE)
    }

    pub(crate) fn log_state(&self) -> std::sync::MutexGuard<'_, LogSession> {
        // A poisoned lock only means another task panicked; the state is whole.
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The unlocked keystore.
    #[must_use]
    pub fn keystore(&self) -> &Keystore {
        &self.keystore
    }

    /// Writes the keystore back after a change (registration).
    pub(crate) fn save_keystore(&self) -> Result<()> {
        self.keystore
            .save(&self.home.join(KEYSTORE_FILE), &self.passphrase)
    }

    pub(crate) fn pins_path(&self) -> PathBuf {
        self.home.join(PINS_FILE)
    }

    /// The person's own fingerprints.
    #[must_use]
    pub fn fingerprints(&self) -> Fingerprints {
        let signing = self.keystore.signing_key().verifying_key();
        Fingerprints {
            member: Fingerprint::of_member(&self.keystore.identity().public_key(), &signing),
            encryption: self.keystore.identity().fingerprint(),
            signing: self.keystore.signing_key().verifying_key().fingerprint(),
        }
    }

    /// Keeps a copy of the keystore on the server, locked exactly as it is on disk, so the web
    /// app can unlock it in the browser with the same passphrase. The server cannot open it.
    pub async fn upload_keystore(&self) -> Result<()> {
        let path = self.home.join(KEYSTORE_FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| ClientError::io(format!("reading {}", path.display()), e))?;
        let body = vault_core::api::KeystoreBody {
            keystore: vault_core::b64::encode(bytes),
        };
        self.api.put_no_answer("/v1/me/keystore", &body).await
    }

    /// The organisation this keystore is registered with.
    pub(crate) fn my_org(&self) -> Result<OrgId> {
        self.keystore.org_id.ok_or(ClientError::NotRegistered)
    }

    /// Logs in with the account password; the token is stored encrypted to the person's key.
    /// The server's log is checked at once (and its key pinned, the first time), as every
    /// command that talks to the server does, unless the account still awaits approval.
    pub async fn login(&mut self, password: &SecretString) -> Result<Me> {
        let answer = crate::fetch::sign_in(&self.api, &self.keystore.email, password).await?;
        let session = Session {
            token: SecretString::from(answer.token),
            expires_at: answer.expires_at,
        };
        session.save(
            &self.home.join(SESSION_FILE),
            &self.keystore.identity().public_key(),
        )?;
        self.api.set_token(Some(session.token));
        // A pending account may read nothing, the log included, until a manager approves it.
        if answer.me.status != vault_core::api::MemberStatus::Pending {
            self.check_log().await?;
        }
        Ok(answer.me)
    }

    /// Ends the session on the server and forgets the token here.
    pub async fn logout(&mut self) -> Result<()> {
        if self.api.has_token() {
            match self
                .api
                .post_no_answer("/v1/auth/logout", &serde_json::json!({}))
                .await
            {
                Ok(()) | Err(ClientError::NotLoggedIn | ClientError::SessionExpired) => {}
                Err(e) => return Err(e),
            }
        }
        self.api.set_token(None);
        match std::fs::remove_file(self.home.join(SESSION_FILE)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ClientError::io("cannot remove the session file", e)),
        }
    }

    /// Who the server says we are.
    pub async fn whoami(&self) -> Result<Me> {
        self.api.get("/v1/me").await
    }

    /// Audit records after sequence number `after`, oldest first, at most `limit` (1 to
    /// 1,000): the whole platform's for an auditor, the own organisation's for a manager.
    pub async fn audit_events(&self, after: i64, limit: u32) -> Result<Vec<AuditEvent>> {
        self.api
            .get(&format!("/v1/audit/events?after={after}&limit={limit}"))
            .await
    }
}
