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

    /// Writes them to `path` (mode 0600), first making its directory (mode 0700): an offline
    /// audit on a fresh machine is the first command to use the vaultctl home.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|_| ClientError::Invalid("cannot encode saved checkpoints".into()))?;
        if let Some(home) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::private_file::create_private_dir(home)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_into_a_home_that_does_not_exist_makes_it_private() {
        let scratch = tempfile::tempdir().unwrap();
        let home = scratch.path().join("fresh").join(".vaultctl");
        let path = home.join(FILE);
        let mut all = SavedCheckpoints::default();
        let saved = SavedCheckpoint {
            log_key: "log+01020304+AQ".into(),
            size: 7,
            root: "00".repeat(32),
            time: 1_700_000_000,
            note: "log\n7\n".into(),
            source: "export /tmp/x".into(),
        };
        all.set("log", saved);
        all.save(&path).unwrap();
        let back = SavedCheckpoints::load(&path).unwrap();
        assert_eq!(back.get("log").unwrap().size, 7);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&home), mode(&path)), (0o700, 0o600));
        }
    }
}
