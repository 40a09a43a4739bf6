//! What this client remembers of each server's log (`log.json`, next to the pins): the log key
//! pinned on first sight and the last checkpoint accepted, as the signed note it came in.
//!
//! The note is kept whole rather than as size and root so that the file can be checked again
//! against the pinned key: a saved checkpoint edited on disk does not open.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};

/// Every server's log as this client last accepted it, by server URL.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct LogBook {
    servers: BTreeMap<String, ServerLog>,
}

/// One server's log.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ServerLog {
    /// The log's key as a note verifier key (`origin+keyid+base64`).
    pub(crate) log_key: String,
    /// The last checkpoint accepted, as its signed note; `None` until one is.
    pub(crate) checkpoint: Option<String>,
    /// Its size, to refuse a save that would go backwards without opening the note.
    #[serde(default)]
    pub(crate) size: u64,
}

impl LogBook {
    /// Reads `path`, or starts empty when it does not exist.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        crate::private_file::read_json_or_default(path, "the log checkpoints this client accepted")
    }

    /// What is kept for `server`.
    pub(crate) fn server(&self, server: &str) -> Option<&ServerLog> {
        self.servers.get(&key_of(server))
    }

    /// Records `entry` for `server` and writes the book, unless another process meanwhile
    /// saved a larger checkpoint for it (which this one is consistent with, or it would not
    /// have been accepted): a saved checkpoint never moves back.
    pub(crate) fn record(path: &Path, server: &str, entry: ServerLog) -> Result<()> {
        let mut book = Self::load(path)?;
        let key = key_of(server);
        if let Some(kept) = book.servers.get(&key) {
            if kept.log_key == entry.log_key && kept.size > entry.size {
                return Ok(());
            }
        }
        book.servers.insert(key, entry);
        let json = serde_json::to_vec_pretty(&book)
            .map_err(|_| ClientError::Invalid("cannot encode the log checkpoints".into()))?;
        crate::private_file::write(path, &json)
    }
}

/// One spelling per server: without a trailing slash.
fn key_of(server: &str) -> String {
    server.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(size: u64) -> ServerLog {
        ServerLog {
            log_key: "log+01020304+AQ".into(),
            checkpoint: Some(format!("note of {size}")),
            size,
        }
    }

    #[test]
    fn a_saved_checkpoint_never_moves_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        LogBook::record(&path, "http://127.0.0.1:1/", entry(5)).unwrap();
        LogBook::record(&path, "http://127.0.0.1:1", entry(3)).unwrap();
        let book = LogBook::load(&path).unwrap();
        let kept = book.server("http://127.0.0.1:1").unwrap();
        assert_eq!(kept.size, 5);
        assert_eq!(kept.checkpoint.as_deref(), Some("note of 5"));
        LogBook::record(&path, "http://127.0.0.1:1", entry(9)).unwrap();
        assert_eq!(
            LogBook::load(&path)
                .unwrap()
                .server("http://127.0.0.1:1")
                .unwrap()
                .size,
            9
        );
    }

    #[test]
    fn a_damaged_book_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        std::fs::write(&path, b"{not json").unwrap();
        let err = LogBook::load(&path).err().unwrap().to_string();
        assert!(
            err.contains("is damaged; restore it from a backup"),
            "{err}"
        );
    }
}
