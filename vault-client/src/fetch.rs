//! `vaultctl keys fetch`: bringing a keystore the server keeps (one made in the browser at
//! registration, or sent by `vaultctl keys upload`) into an empty home directory.
//!
//! The server holds the keystore locked with the member's vault passphrase and cannot open it;
//! it hands it to the signed-in member only. This side unlocks it in memory first, with the
//! same code that opens a keystore from disk, so a wrong passphrase, a damaged file or a
//! keystore that is not the signed-in account's is refused before anything is written. What is
//! written is the locked file exactly as fetched. The fetch runs in a session of its own, ended
//! afterwards, and the member is then logged in as `vaultctl login` logs in.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use vault_core::api::{LoginRequest, LoginResponse, Me, StoredKeystore};

use crate::client::{Client, KEYSTORE_FILE};
use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::keystore::Keystore;
use crate::log::LogPolicy;

/// What `vaultctl keys fetch` needs besides the secrets: where the keystore goes, the server,
/// the account, and the log checks the new session applies.
pub struct FetchTarget<'a> {
    /// The home directory, which must hold no keystore yet.
    pub home: &'a Path,
    /// The server, as `--server` gives it.
    pub server: &'a str,
    /// The account's login e-mail address.
    pub email: &'a str,
    /// What the client requires of the server's log.
    pub policy: LogPolicy,
}

impl Client {
    /// Fetches the keystore the server keeps for `target.email`, unlocks it with the passphrase
    /// `passphrase` gives (asked only once there is a keystore to unlock), writes it to the
    /// home directory and logs in. Answers the client and who the server says logged in.
    pub async fn fetch(
        target: FetchTarget<'_>,
        password: &SecretString,
        passphrase: impl FnOnce() -> Result<SecretString>,
    ) -> Result<(Self, Me)> {
        let path = target.home.join(KEYSTORE_FILE);
        if path.exists() {
            return Err(ClientError::KeystoreExists(path));
        }
        let mut temporary = Api::new(target.server)?;
        let answer = sign_in(&temporary, target.email, password).await?;
        temporary.set_token(Some(SecretString::from(answer.token)));
        let fetched = fetch_and_write(&temporary, &target, &answer.me, passphrase).await;
        let outcome = match fetched {
            Ok((keystore, passphrase)) => {
                let mut client =
                    Self::with_keystore(target.home, target.server, keystore, passphrase)?;
                client.set_log_policy(target.policy);
                client.login(password).await.map(|me| (client, me))
            }
            Err(e) => Err(e),
        };
        end(&temporary).await;
        outcome
    }
}

/// The fetch proper, in the temporary session: the keystore read, unlocked, checked against
/// the session's account and written. Nothing is written unless every check passed.
async fn fetch_and_write(
    api: &Api,
    target: &FetchTarget<'_>,
    me: &Me,
    passphrase: impl FnOnce() -> Result<SecretString>,
) -> Result<(Keystore, SecretString)> {
    let stored: StoredKeystore = api.get("/v1/me/keystore").await?;
    let Some(text) = stored.keystore else {
        return Err(ClientError::Invalid(none_kept(target.email)));
    };
    let locked = vault_core::b64::decode(&text)
        .map_err(|_| ClientError::KeystoreDamaged("the server's copy is not base64"))?;
    let passphrase = passphrase()?;
    let keystore = Keystore::unlock(&locked, &passphrase)?;
    if keystore.user_id != me.user_id || !keystore.email.eq_ignore_ascii_case(&me.email) {
        return Err(ClientError::Invalid(format!(
            "the keystore the server keeps for {} belongs to another account; nothing was \
             written: tell the platform's operator",
            target.email
        )));
    }
    crate::private_file::create_private_dir(target.home)?;
    let path = target.home.join(KEYSTORE_FILE);
    crate::private_file::write_new(&path, &locked).map_err(|e| match e {
        ClientError::OutputExists(p) => ClientError::KeystoreExists(p),
        other => other,
    })?;
    Ok((keystore, passphrase))
}

/// The sentence for an account that keeps no keystore on the server.
fn none_kept(email: &str) -> String {
    format!(
        "the server keeps no keystore for {email}: its keys were made with vaultctl on another \
         device, so run `vaultctl keys upload` there first, or copy that device's vaultctl home \
         here"
    )
}

/// Logs in with the account password without a keystore; a refused password is said plainly.
pub(crate) async fn sign_in(
    api: &Api,
    email: &str,
    password: &SecretString,
) -> Result<LoginResponse> {
    let request = LoginRequest {
        email: email.to_owned(),
        password: password.expose_secret().to_owned(),
    };
    api.post_anonymous("/v1/auth/login", &request)
        .await
        .map_err(|e| match e {
            ClientError::Api { status: 401, .. } => {
                ClientError::Invalid("login refused: wrong e-mail or password".into())
            }
            other => other,
        })
}

/// Ends the temporary session. A failure is not reported: the keystore is written and the
/// member logged in by then (or the fetch already failed), and the token expires on its own.
async fn end(api: &Api) {
    let _ = api
        .post_no_answer("/v1/auth/logout", &serde_json::json!({}))
        .await;
}
