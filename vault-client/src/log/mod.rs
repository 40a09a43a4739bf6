//! Clients check the log, not trust it.
//!
//! The server keeps an append-only Merkle log of every key published, member certified and key
//! wrapped, and signs checkpoints of it (tree size and root). A lying server could show an old
//! state (a rollback) or a different history to different people (a fork). This client keeps,
//! per server, the last checkpoint it accepted (`log.json` next to the pins), and accepts a new
//! one only when it carries the log's signature under the key pinned for that server and a
//! consistency proof from the saved one verifies. Anything else stops the command and leaves
//! the saved checkpoint as it was.
//!
//! On top of that:
//! - after every action, the leaf carrying the statement the person signed is looked up and
//!   its inclusion proven against a checkpoint fetched after the action ([`inclusion`]);
//! - before a key is wrapped to an organisation or a member, every statement certifying that
//!   key is proven to be in the log ([`chain`]);
//! - optionally, a witness's cosignature no older than a set age must back a checkpoint
//!   consistent with the latest ([`policy`]).

pub(crate) mod book;
pub(crate) mod chain;
mod check;
pub(crate) mod inclusion;
pub mod policy;

use vault_core::merkle::Hash;

pub(crate) use check::open_saved;
pub use policy::{LogPolicy, WitnessRequirement};

/// A checkpoint named in an error: its size and root, as the signed note shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named {
    /// Leaves in the tree.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "size {} root {}",
            self.size,
            vault_core::b64::encode(self.root)
        )
    }
}

/// Why the log, or something that should be on it, was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The server shows a smaller tree than one this client accepted before.
    #[error(
        "LOG ROLLBACK: the server shows checkpoint {shown}, older than checkpoint {saved} that \
         this client accepted before. Nothing was done and the saved checkpoint is kept; tell \
         your auditor: the server is showing an earlier state of its log"
    )]
    Rollback {
        /// The checkpoint accepted before.
        saved: Named,
        /// The checkpoint shown now.
        shown: Named,
    },
    /// The server shows a tree that does not extend the one accepted before.
    #[error(
        "LOG FORK: checkpoint {saved}, which this client accepted before, and checkpoint \
         {shown}, which the server shows now, cannot both be true ({why}). Nothing was done and \
         the saved checkpoint is kept; tell your auditor: the server may be showing different \
         histories to different people"
    )]
    Fork {
        /// The checkpoint accepted before.
        saved: Named,
        /// The checkpoint shown now.
        shown: Named,
        /// What failed.
        why: String,
    },
    /// The checkpoint does not carry a valid signature by the log key pinned for this server.
    #[error(
        "the server's log checkpoint is not signed by the log key pinned for this server \
         ({pinned}): {why}. Nothing was done; if the log key was really replaced, confirm the \
         new one with the platform's operator before trusting it"
    )]
    BadSignature {
        /// The pinned log key (a public key: safe to show).
        pinned: String,
        /// What failed.
        why: String,
    },
    /// The log key the server uses is not the one the person said to expect.
    #[error(
        "the server's log key is not the one given with --expect-log-key (expected {expected}); \
         nothing was pinned or done"
    )]
    UnexpectedKey {
        /// The expected vkey.
        expected: String,
    },
    /// A log answer is malformed.
    #[error("the server's log answer is malformed: {0}")]
    Malformed(String),
    /// An action was done on the server, but the statement signed for it is not on the log.
    #[error(
        "the {action} happened on the server but is NOT ON THE LOG: its {statement} statement \
         is not proven in the log ({why}). Tell your auditor: the server is keeping a change off \
         its record"
    )]
    ActionNotLogged {
        /// The action, as a person would name it ("case create").
        action: String,
        /// The statement's kind.
        statement: String,
        /// What failed.
        why: String,
    },
    /// A statement certifying a key about to be wrapped to is not on the log.
    #[error(
        "refusing to wrap a key to {what}: a statement certifying it is not proven in the log \
         ({why}). Nothing was sent; the server may be showing a key it made up"
    )]
    KeyNotLogged {
        /// Whose key.
        what: String,
        /// What failed.
        why: String,
    },
    /// The required witness has not cosigned an acceptable checkpoint.
    #[error(
        "the log is not backed by the required witness {witness}: {why}. Nothing was done; ask \
         the auditor running the witness to run `vaultctl audit witness`"
    )]
    Witness {
        /// The witness's name.
        witness: String,
        /// What is missing or wrong.
        why: String,
    },
}

impl LogError {
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        Self::Malformed(what.into())
    }
}

/// Seconds since the Unix epoch, by this machine's clock.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `text` with every byte outside the unreserved set percent-encoded, for a query value.
pub(crate) fn query_value(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// What one client learned of the log in this session.
#[derive(Default)]
pub(crate) struct LogSession {
    /// The log key in use.
    pub(crate) key: Option<vault_core::checkpoint::NoteKey>,
    /// The checkpoint accepted last.
    pub(crate) accepted: Option<vault_core::checkpoint::Checkpoint>,
    /// Its signed note.
    pub(crate) accepted_note: Option<String>,
    /// Digests of statements proven in the log against an accepted checkpoint.
    pub(crate) proven: std::collections::HashSet<[u8; 32]>,
    /// A log key pinned on first sight and not yet reported.
    pub(crate) new_log_key: Option<String>,
}
