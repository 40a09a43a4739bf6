//! The auditor's saved checkpoints (`audit-checkpoints.json` in the vaultctl home), one per log
//! origin, as `pins.json` keeps one pin per organisation.
//!
//! Each audit checks that the log it reads still begins with the tree of the saved checkpoint,
//! so a log that was rewritten, forked or rolled back since the last audit is caught even when
//! the server re-signed everything. The saved checkpoint moves forward only after an audit in
//! which every check passed. The log key is pinned beside it the first time.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};

/// The file name in the vaultctl home.
pub const FILE: &str = "audit-checkpoints.json";

/// The last checkpoint of one log that an audit passed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedCheckpoint {
    /// The log key, as a note verifier key.
    pub log_key: String,
    /// Tree size.
    pub size: u64,
    /// Root hash, lower-case hex.
    pub root: String,
    /// The checkpoint's time, seconds since the Unix epoch.
    pub time: u64,
    /// The signed note itself, so it can be shown to anyone.
    pub note: String,
    /// Where it was read (`server URL` or `export DIR`).
    pub source: String,
}

/// Saved checkpoints by log origin.
#[derive(Default, Serialize, Deserialize)]
pub struct SavedCheckpoints {
    logs: BTreeMap<String, SavedCheckpoint>,
}

impl SavedCheckpoints {
    /// Reads `path`, or starts empty when it does not exist.
    pub fn load(path: &Path) -> Result<Self> {
        crate::private_file::read_json_or_default(path, "the checkpoints earlier audits passed")
    }

    /// Writes them to `path` (mode 0600).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|_| ClientError::Invalid("cannot encode saved checkpoints".into()))?;
        crate::private_file::write(path, &json)
    }

    /// The saved checkpoint of the log `origin`.
    #[must_use]
    pub fn get(&self, origin: &str) -> Option<&SavedCheckpoint> {
        self.logs.get(origin)
    }

    /// Saves a checkpoint for `origin`.
    pub fn set(&mut self, origin: &str, saved: SavedCheckpoint) {
        self.logs.insert(origin.to_owned(), saved);
    }
}
