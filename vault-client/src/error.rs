//! The one error type of the client library.
//!
//! Each variant says what went wrong and, where the person at the keyboard can do something
//! about it, what to do next. No variant carries a secret: passphrases, tokens and keys never
//! reach an error message.

use std::path::PathBuf;

use vault_core::keys::{Fingerprint, KeyError};
use vault_core::seal::{OpenError, SealError};
use vault_core::trust::TrustError;

/// Everything that can go wrong in the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// There is no keystore in the home directory.
    #[error("no keystore at {0}: run `vaultctl init --email …` first")]
    NoKeystore(PathBuf),
    /// `init` was run where a keystore already exists.
    #[error("a keystore already exists at {0}; it is never overwritten")]
    KeystoreExists(PathBuf),
    /// The passphrase does not open the keystore.
    #[error("wrong passphrase (or the keystore is damaged)")]
    WrongPassphrase,
    /// The keystore is locked with a work factor outside the accepted range.
    #[error(
        "the keystore's passphrase work factor is {found}, outside the accepted {min}..={max}: \
         it may have been downgraded; restore it from a backup"
    )]
    WorkFactor {
        /// What the file says.
        found: u8,
        /// The least accepted.
        min: u8,
        /// The most accepted.
        max: u8,
    },
    /// The keystore file is not a passphrase-locked age file of ours.
    #[error("the keystore is damaged: {0}")]
    KeystoreDamaged(&'static str),
    /// No session token is stored, or the stored one has passed its expiry time.
    #[error("not logged in: run `vaultctl login`")]
    NotLoggedIn,
    /// The server refused the stored session token (it expired or was ended).
    #[error("the session expired or was ended: run `vaultctl login`")]
    SessionExpired,
    /// The account belongs to no organisation yet.
    #[error("this keystore is not registered with an organisation: run `vaultctl register`")]
    NotRegistered,
    /// The server answered with an error.
    #[error(
        "server refused the request ({status}, {code}): {message}{}",
        hint(code)
    )]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable error code from the server.
        code: String,
        /// The server's sentence.
        message: String,
    },
    /// The server could not be reached, or answered something that is not our API.
    #[error("could not talk to the server: {0}")]
    Http(#[from] reqwest::Error),
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A directory, statement or envelope did not verify.
    #[error("trust check failed: {0}")]
    Trust(#[from] TrustError),
    /// An organisation's keys differ from those pinned earlier.
    #[error(
        "organisation {org}'s {what} changed: pinned {pinned}, server shows {shown}. \
         This may be an attack; confirm with the organisation out of band before doing anything. \
         Only once they confirm {shown}: `vaultctl trust accept {accept} --fingerprint {shown}`"
    )]
    PinChanged {
        /// The organisation.
        org: vault_core::ids::OrgId,
        /// Which key.
        what: String,
        /// Pinned fingerprint.
        pinned: Fingerprint,
        /// Fingerprint shown now.
        shown: Fingerprint,
        /// What `vaultctl trust accept` needs besides the fingerprint (`--org ID`,
        /// `--org ID --member USER`).
        accept: String,
    },
    /// The log, or a statement that should be on it, did not verify.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// A key operation failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Sealing a document failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Opening a document failed; the message names the failed check and, unless it was a
    /// local I/O failure, what it means for the stored copy.
    #[error("{}", open_words(.0))]
    Open(#[from] OpenError),
    /// A document, envelope or offer is not what a certified member signed.
    #[error("NOT GENUINE: {0}")]
    NotGenuine(String),
    /// The fingerprint a manager read out does not match the published key. The published
    /// value is deliberately not shown: a manager who copied it from here would approve
    /// whatever key the server substituted.
    #[error(
        "the fingerprint you gave does not match the keys the server published for this member; \
         do not approve: ask the member to read theirs again from `vaultctl keys fingerprint`"
    )]
    FingerprintMismatch,
    /// Another organisation's root key is not the one the person said to expect. Its value is
    /// not shown, for the same reason as [`ClientError::FingerprintMismatch`].
    #[error(
        "organisation {0}'s root key does not match the fingerprint you expected; nothing was \
         sent or accepted and nothing was pinned: check the fingerprint with that organisation \
         again (its manager reads it from the first line of `vaultctl org members`)"
    )]
    OrgRootMismatch(vault_core::ids::OrgId),
    /// Sharing a document with an organisation it is already shared with.
    #[error("document {document} is already shared with organisation {org}; nothing changed")]
    AlreadyShared {
        /// The document.
        document: vault_core::ids::DocumentId,
        /// The organisation.
        org: vault_core::ids::OrgId,
    },
    /// Revoking a share the owner's document does not have.
    #[error(
        "there is no share of document {document} with organisation {org} (it was already \
         revoked, or never made); nothing changed"
    )]
    NoShare {
        /// The document.
        document: vault_core::ids::DocumentId,
        /// The organisation.
        org: vault_core::ids::OrgId,
    },
    /// The output file exists and `--force` was not given.
    #[error("{0} already exists: choose another path or pass --force")]
    OutputExists(PathBuf),
    /// Something asked for is not there or not allowed.
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// An I/O error with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result with [`ClientError`].
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// What a person can do about a refusal, by its code.
fn hint(code: &str) -> &'static str {
    match code {
        "not_found" => {
            " (it does not exist, or your organisation cannot reach it: never shared with you, \
             transferred away, or your membership was removed)"
        }
        "object_missing" => {
            " (the platform has lost this file: tell its operator; an auditor's \
             `vaultctl audit verify` lists every file lost)"
        }
        "document_damaged" => {
            " (the platform's record of this document was changed outside the vault: tell its \
             operator; the document opens again once the record is restored)"
        }
        _ => "",
    }
}

/// A failed open check as a member reads it: the check's own words, then what a check of the
/// stored copy failing means (an I/O failure on this machine is only itself).
fn open_words(error: &OpenError) -> String {
    match error {
        OpenError::Io(_) => error.to_string(),
        _ => format!(
            "{error}; the document was not opened and nothing was written: the stored copy may \
             have been damaged or tampered with, so tell your manager"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins that vaultctl says what a failed check of the stored copy means, and only then.
    #[test]
    fn a_failed_check_says_the_stored_copy_may_be_tampered_with() {
        let altered = ClientError::Open(OpenError::PayloadAltered).to_string();
        assert_eq!(
            altered,
            "integrity check failed: the ciphertext was altered or truncated; the document was \
             not opened and nothing was written: the stored copy may have been damaged or \
             tampered with, so tell your manager"
        );
        let swapped = ClientError::Open(OpenError::NoMatchingKey).to_string();
        assert!(
            swapped.starts_with(
                "the document key does not open this file, which may have been \
                 swapped for another; the document was not opened"
            ),
            "{swapped}"
        );
        let local =
            ClientError::Open(OpenError::Io(std::io::Error::other("disk full"))).to_string();
        assert_eq!(local, "I/O error while opening: disk full");
    }
}
