//! The snapshot an audit verifies: everything the auditor can see of a platform, laid out as
//! `vault-server export-audit` writes it.
//!
//! Both sources end up here. An offline audit opens the export directory as it is; a live
//! audit first pages through the auditor's API into a private temporary directory of the same
//! layout ([`super::live`]), so that one verifier, with one set of rules, reads both. The small
//! files (manifest, checkpoints, directory, inventory, access) are read whole; the log's leaves,
//! the envelopes and the objects, which grow with the platform, are only ever streamed.

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use vault_core::api::{DocumentAccessToday, ExportManifest, InventoryEntry, OrgDirectory};
use vault_core::ids::DocumentId;

use crate::error::{ClientError, Result};

/// File names inside a snapshot directory.
pub(crate) const MANIFEST: &str = "manifest.json";
pub(crate) const CONFIG: &str = "config.json";
pub(crate) const LEAVES: &str = "log/leaves.jsonl";
pub(crate) const CHECKPOINTS: &str = "log/checkpoints.jsonl";
pub(crate) const DIRECTORY: &str = "directory.json";
pub(crate) const ENVELOPES: &str = "envelopes.jsonl";
pub(crate) const INVENTORY: &str = "inventory.json";
pub(crate) const ACCESS: &str = "access.json";
pub(crate) const OBJECTS: &str = "objects";

/// One line of `log/checkpoints.jsonl`: a signed note with its cosignature lines.
#[derive(Deserialize)]
struct CheckpointLine {
    note: String,
}

/// An opened snapshot.
pub struct Snapshot {
    /// The directory.
    pub dir: PathBuf,
    /// What it is a snapshot of, for the report (`export DIR` or `server URL`).
    pub source: String,
    /// `manifest.json`.
    pub manifest: ExportManifest,
    /// Every stored checkpoint note, oldest first.
    pub checkpoints: Vec<String>,
    /// Every organisation's directory.
    pub directory: Vec<OrgDirectory>,
    /// Every stored object as the database lists it.
    pub inventory: Vec<InventoryEntry>,
    /// Who the database says can open each document today.
    pub access: Vec<DocumentAccessToday>,
}

impl Snapshot {
    /// Opens an export directory; `source` names it in the report.
    pub fn open(dir: &Path, source: String) -> Result<Self> {
        let manifest: ExportManifest = read_json(&dir.join(MANIFEST))?;
        if manifest.format != 1 {
            return Err(ClientError::Invalid(format!(
                "{}: export format {} is not one this vaultctl reads (1)",
                dir.display(),
                manifest.format
            )));
        }
        for needed in [LEAVES, ENVELOPES, OBJECTS] {
            if !dir.join(needed).exists() {
                return Err(ClientError::Invalid(format!(
                    "{} is not a whole export: {needed} is missing",
                    dir.display()
                )));
            }
        }
        let checkpoints = read_lines::<CheckpointLine>(&dir.join(CHECKPOINTS))?
            .into_iter()
            .map(|c| c.note)
            .collect();
        Ok(Self {
            dir: dir.to_owned(),
            source,
            manifest,
            checkpoints,
            directory: read_json(&dir.join(DIRECTORY))?,
            inventory: read_json(&dir.join(INVENTORY))?,
            access: read_json(&dir.join(ACCESS))?,
        })
    }

    /// `log/leaves.jsonl`: line i holds the exact bytes of leaf i.
    #[must_use]
    pub fn leaves_path(&self) -> PathBuf {
        self.dir.join(LEAVES)
    }

    /// `envelopes.jsonl`: one stored envelope per line.
    #[must_use]
    pub fn envelopes_path(&self) -> PathBuf {
        self.dir.join(ENVELOPES)
    }

    /// Where the object of `document` is (it may be missing).
    #[must_use]
    pub fn object_path(&self, document: DocumentId) -> PathBuf {
        self.dir.join(OBJECTS).join(document.to_string())
    }

    /// Names of the files in `objects/`.
    pub fn object_names(&self) -> Result<Vec<String>> {
        let dir = self.dir.join(OBJECTS);
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| ClientError::io(format!("cannot list {}", dir.display()), e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| ClientError::io("cannot list objects", e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort_unstable();
        Ok(names)
    }

    /// Every regular file in the snapshot, for the key scan.
    pub fn all_files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        let mut pending = vec![self.dir.clone()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| ClientError::io(format!("cannot list {}", dir.display()), e))?;
            for entry in entries {
                let entry = entry.map_err(|e| ClientError::io("cannot list the export", e))?;
                let kind = entry
                    .file_type()
                    .map_err(|e| ClientError::io("cannot list the export", e))?;
                if kind.is_dir() {
                    pending.push(entry.path());
                } else if kind.is_file() {
                    files.push(entry.path());
                }
            }
        }
        files.sort_unstable();
        Ok(files)
    }
}

/// Reads a whole JSON file.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let file = open(path)?;
    serde_json::from_reader(BufReader::new(file))
        .map_err(|e| ClientError::Invalid(format!("{} does not parse: {e}", path.display())))
}

/// Reads a small JSON-lines file whole.
fn read_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let reader = BufReader::new(open(path)?);
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line =
            line.map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?;
        if line.is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|e| {
            ClientError::Invalid(format!("{} line {}: {e}", path.display(), i + 1))
        })?);
    }
    Ok(out)
}

pub(crate) fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| ClientError::io(format!("cannot open {}", path.display()), e))
}
