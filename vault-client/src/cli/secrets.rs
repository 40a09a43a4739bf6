//! Reading the passphrase and password: from a file, the environment, or a prompt.
//!
//! Values are wrapped in `SecretString` as soon as they are read; the prompt does not echo.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use vault_client::{ClientError, Result};

/// The keystore passphrase. The length rule applies only when a keystore is `new`: on unlock a
/// short passphrase is simply a wrong one, and the keystore says so.
pub(crate) fn passphrase(file: Option<&Path>, new: bool) -> Result<SecretString> {
    let value = read(
        file,
        ("VAULTCTL_PASSPHRASE", "--passphrase-file"),
        "Keystore passphrase: ",
        new,
    )?;
    if new && value.expose_secret().chars().count() < 8 {
        return Err(ClientError::Invalid(
            "the passphrase must be at least 8 characters long".into(),
        ));
    }
    Ok(value)
}

/// The account password.
pub(crate) fn password(file: Option<&Path>, confirm: bool) -> Result<SecretString> {
    read(
        file,
        ("VAULTCTL_PASSWORD", "--password-file"),
        "Account password: ",
        confirm,
    )
}

/// Reads from `file`, else the environment variable `source.0`, else a prompt; `source.1` is
/// the option that names the file, for the message when there is no terminal.
fn read(
    file: Option<&Path>,
    source: (&str, &str),
    prompt: &str,
    confirm: bool,
) -> Result<SecretString> {
    let (env, option) = source;
    if let Some(path) = file {
        let text =
            Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                ClientError::Invalid(format!("cannot read {}: {e}", path.display()))
            })?);
        let line = text.lines().next().unwrap_or_default();
        return Ok(SecretString::from(line.to_owned()));
    }
    if let Ok(value) = std::env::var(env) {
        return Ok(SecretString::from(value));
    }
    let no_terminal = || {
        ClientError::Invalid(format!(
            "no terminal to ask for it: set {env} or pass {option} FILE"
        ))
    };
    let first = SecretString::from(rpassword::prompt_password(prompt).map_err(|_| no_terminal())?);
    if confirm {
        let again =
            Zeroizing::new(rpassword::prompt_password("Again: ").map_err(|_| no_terminal())?);
        if again.as_str() != first.expose_secret() {
            return Err(ClientError::Invalid("the two entries differ".into()));
        }
    }
    Ok(first)
}
