//! Checks of signed statements and envelopes sent by clients.
//!
//! The server cannot judge what is inside an envelope, but it can refuse anything a client
//! would later refuse: a statement with a bad signature, one signed by a key other than the
//! caller's registered key, or an envelope whose `key-wrapped` statement names another key,
//! recipient, scope or set of bytes. Failures answer 400 and are logged as suspicious.

use vault_core::api::Envelope;
use vault_core::ids::OrgId;
use vault_core::keys::{Fingerprint, VerifyingKey};
use vault_core::seal::constant_time_eq;
use vault_core::statement::{Claim, KeyScope, SignedStatement};

use crate::error::{ApiError, ApiResult};

/// Verifies `signed` and that `signer` made it; returns its claim.
pub fn signed_by(statement: &SignedStatement, key: &VerifyingKey) -> ApiResult<Claim> {
    if statement.signer != *key {
        tracing::warn!("statement signed by a key other than the caller's");
        return Err(ApiError::BadRequest(
            "a statement is not signed by the caller's key",
        ));
    }
    let verified = statement.verify().map_err(|err| {
        tracing::warn!(error = %err, "statement does not verify");
        ApiError::BadRequest("a statement does not verify")
    })?;
    Ok(verified.claim)
}

/// A refused claim: logs and answers 400.
pub fn mismatch(what: &'static str) -> ApiError {
    tracing::warn!(reason = what, "statement does not match the request");
    ApiError::BadRequest(what)
}

/// What an envelope must say.
pub struct Expect {
    /// The organisation the signer acts for.
    pub org: OrgId,
    /// Which object's key is wrapped.
    pub scope: KeyScope,
    /// Fingerprint of the wrapped key.
    pub key: Fingerprint,
    /// Fingerprint of the recipient it is wrapped to.
    pub recipient: Fingerprint,
}

/// Checks an envelope's `key-wrapped` statement: signed by `signer`, naming exactly `expect`
/// and the SHA-256 of the wrapped bytes, which must be an age file.
pub fn envelope(env: &Envelope, signer: &VerifyingKey, expect: &Expect) -> ApiResult<()> {
    let Claim::KeyWrapped {
        org,
        scope,
        key,
        recipient,
        envelope_sha256,
    } = signed_by(&env.statement, signer)?
    else {
        return Err(mismatch("an envelope's statement is not key-wrapped"));
    };
    let same = org == expect.org
        && scope == expect.scope
        && key == expect.key
        && recipient == expect.recipient
        && env.key == key
        && env.recipient == recipient;
    if !same {
        return Err(mismatch(
            "an envelope names another key, recipient or object",
        ));
    }
    if !constant_time_eq(&envelope_sha256, &vault_core::sha256(&env.wrapped)) {
        return Err(mismatch("an envelope's bytes differ from its statement"));
    }
    age_file(&env.wrapped, "an envelope is not an age file")
}

/// Refuses bytes that are not a complete, well-formed age v1 file header.
pub fn age_file(bytes: &[u8], what: &'static str) -> ApiResult<()> {
    match vault_core::header::check_header(bytes) {
        Ok(vault_core::header::HeaderCheck::Valid(_)) => Ok(()),
        _ => Err(mismatch(what)),
    }
}

/// A short label people read (an organisation name, a case reference): 1 to `max` characters
/// after trimming, no control characters, which could rewrite what a terminal or a page shows
/// next to it, and no invisible formatting characters, which could make one name look like
/// another (see [`vault_core::text::is_hidden_format`]). Returns the trimmed label.
pub fn label<'a>(text: &'a str, max: usize, what: &'static str) -> ApiResult<&'a str> {
    let trimmed = text.trim();
    let count = trimmed.chars().count();
    let hidden = |c: char| c.is_control() || vault_core::text::is_hidden_format(c);
    if count == 0 || count > max || trimmed.chars().any(hidden) {
        return Err(ApiError::BadRequest(what));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_refuse_control_characters_and_bad_lengths() {
        assert_eq!(
            label("  Harbour Fostering ", 200, "x").ok(),
            Some("Harbour Fostering")
        );
        assert_eq!(
            label("Zoë – NC/2026 (2)", 200, "x").ok(),
            Some("Zoë – NC/2026 (2)")
        );
        assert!(label("Brightwater\u{1b}[2K\rFAKE", 200, "x").is_err());
        assert!(label("a\0b", 200, "x").is_err());
        assert!(label("NC\u{202e}1", 200, "x").is_err());
        assert!(label("Bidi \u{2067}gnp.exe\u{2069}", 200, "x").is_err());
        assert!(label("Harbour\u{200b}Fostering", 200, "x").is_err());
        assert!(label("\u{feff}Harbour", 200, "x").is_err());
        // Persian with a zero-width non-joiner, as the script is written.
        assert_eq!(
            label("می\u{200c}خواهم", 200, "x").ok(),
            Some("می\u{200c}خواهم")
        );
        assert!(label("   ", 200, "x").is_err());
        assert!(label(&"x".repeat(201), 200, "x").is_err());
    }
}
