//! Helpers shared by the end-to-end tests in `tests/tests/`: where the sample documents are,
//! and a scan of a server's data directory for anything that should never be stored there.
//!
//! [`platform`] starts a server in-process and makes people with keystores; [`web`] drives
//! the web app's pages.

pub mod node;
pub mod platform;
pub mod web;
pub mod web_fixtures;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Length of the windows of sample bytes searched for in stored files.
pub const WINDOW: usize = 64;

/// The shared sample documents (`../shared/samples` beside the checkout).
#[must_use]
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples")
}

/// Every sample file, sorted by name.
#[must_use]
pub fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("../shared/samples beside the checkout")
        .map(|e| e.expect("readable samples directory").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Something found in stored data that must not be there.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    /// The stored file it was found in.
    pub file: PathBuf,
    /// What was found (never the secret itself).
    pub what: String,
}

/// Ed25519 private keys in ring's PKCS#8 v2 form start with these bytes.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Scans every file below `data_dir` (database, its journal, object store) for: any 64-byte
/// window of a sample's bytes (or a whole sample shorter than that), a sample's file name,
/// a sample's SHA-256 (raw, hex or base64), an age secret key, or an Ed25519 private key.
#[must_use]
pub fn scan_data_dir(data_dir: &Path, samples: &[PathBuf]) -> Vec<Finding> {
    let mut windows: HashSet<&[u8]> = HashSet::new();
    let contents: Vec<Vec<u8>> = samples.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for (path, bytes) in samples.iter().zip(&contents) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if bytes.len() >= WINDOW {
            windows.extend(bytes.windows(WINDOW));
        } else if !bytes.is_empty() {
            needles.push((format!("the whole of {name}"), bytes.clone()));
        }
        needles.push((format!("the file name {name}"), name.as_bytes().to_vec()));
        // The SHA-256 of nothing says nothing about an empty file, and it is also the root of
        // the empty Merkle tree (RFC 6962), which the log's first checkpoint rightly carries.
        if bytes.is_empty() {
            continue;
        }
        let digest = vault_core::sha256(bytes);
        needles.push((format!("the SHA-256 of {name}"), digest.to_vec()));
        needles.push((
            format!("the hex SHA-256 of {name}"),
            hex::encode(digest).into_bytes(),
        ));
        needles.push((
            format!("the base64 SHA-256 of {name}"),
            vault_core::b64::encode(digest).into_bytes(),
        ));
    }
    needles.push(("an age secret key".into(), b"AGE-SECRET-KEY-1".to_vec()));
    needles.push(("an age secret key".into(), b"age-secret-key-1".to_vec()));
    needles.push((
        "an Ed25519 private key".into(),
        PKCS8_ED25519_PREFIX.to_vec(),
    ));
    let mut findings = Vec::new();
    for file in files_below(data_dir) {
        let stored = std::fs::read(&file).unwrap_or_default();
        if stored.windows(WINDOW).any(|w| windows.contains(w)) {
            findings.push(Finding {
                file: file.clone(),
                what: "a 64-byte window of a sample".into(),
            });
        }
        for (what, needle) in &needles {
            if stored.windows(needle.len()).any(|w| w == needle.as_slice()) {
                findings.push(Finding {
                    file: file.clone(),
                    what: what.clone(),
                });
            }
        }
    }
    findings
}

/// Every regular file below `dir`, recursively.
#[must_use]
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_what_it_looks_for() {
        let dir = tempfile::tempdir().unwrap();
        let samples = sample_files();
        let pdf = samples
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "pdf"))
            .unwrap();
        let bytes = std::fs::read(pdf).unwrap();
        std::fs::write(dir.path().join("leak"), &bytes[100..100 + WINDOW]).unwrap();
        std::fs::write(dir.path().join("clean"), b"nothing to see").unwrap();
        let findings = scan_data_dir(dir.path(), &samples);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].file.ends_with("leak"));

        let name = pdf.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::write(dir.path().join("leak"), format!("x{name}y")).unwrap();
        let findings = scan_data_dir(dir.path(), &samples);
        assert_eq!(findings[0].what, format!("the file name {name}"));
    }
}
