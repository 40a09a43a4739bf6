//! The object store holding ciphertext bodies.
//!
//! The default is a directory under the data directory; `memory://` keeps nothing, and
//! `s3://bucket/prefix` names an S3-compatible store ([`s3`]) that several replicas can share.
//! Object keys are made here, never from client input: `documents/<id>/<random hex>`, or
//! `documents/received/<random hex>` for a body that arrived before its manifest named the
//! document (the row records the key either way). Bodies are written through [`sink`], which
//! bounds memory and aborts failed uploads. Only `serve` opens a local directory with
//! [`open_to_serve`], which clears what a killed server left half-written; a one-shot command
//! such as `bootstrap-admin` uses [`open`] and leaves that, and the file lock, to the server.

pub mod s3;
pub mod scratch;
pub mod sink;

use std::sync::Arc;

use anyhow::Context as _;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::ObjectStore;
use rand::RngCore as _;
use vault_core::ids::DocumentId;

use crate::settings::Settings;

/// Opens the store named by the settings, creating the default directory if needed, for a
/// one-shot command: a server may be running on the same directory, and its uploads in
/// flight are its own to clean up. Only the schemes above are accepted: other `object_store`
/// URL forms would take credentials and endpoints from the machine, which the server never
/// does.
pub fn open(settings: &Settings) -> anyhow::Result<Arc<dyn ObjectStore>> {
    open_as(settings, false)
}

/// Opens the store as [`open`] does, for `serve`: a local directory is first taken by this
/// process and cleared of uploads a killed server left half-written, unless another process
/// holds it already (then that is logged, and the clearing left to that process).
pub fn open_to_serve(settings: &Settings) -> anyhow::Result<Arc<dyn ObjectStore>> {
    open_as(settings, true)
}

fn open_as(settings: &Settings, serving: bool) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let Some(raw) = &settings.object_store_url else {
        warn_unused_s3(settings);
        return local(&settings.default_object_dir(), serving);
    };
    let url = url::Url::parse(raw).context("parsing the object store URL")?;
    match url.scheme() {
        "s3" => s3::open(&url, &settings.s3),
        "file" => {
            warn_unused_s3(settings);
            let dir = url
                .to_file_path()
                .map_err(|()| anyhow::anyhow!("the object store URL is not a local path"))?;
            local(&dir, serving)
        }
        "memory" => {
            warn_unused_s3(settings);
            Ok(Arc::new(InMemory::new()))
        }
        _ => anyhow::bail!("the object store URL must start with file://, memory:// or s3://"),
    }
}

fn warn_unused_s3(settings: &Settings) {
    if settings.s3.any_set() {
        tracing::warn!("S3 settings are given but the object store is not s3://; they are unused");
    }
}

fn local(dir: &std::path::Path, serving: bool) -> anyhow::Result<Arc<dyn ObjectStore>> {
    std::fs::create_dir_all(dir).context("creating the object store directory")?;
    if serving {
        sweep_unless_held(dir);
    }
    let store = LocalFileSystem::new_with_prefix(dir).context("opening the object directory")?;
    Ok(Arc::new(store))
}

/// The start-up sweep of a serving process: see [`first_server_on`].
fn sweep_unless_held(dir: &std::path::Path) {
    if first_server_on(dir) {
        let swept = sweep_staged_uploads(dir);
        if swept > 0 {
            tracing::warn!(
                files = swept,
                "removed uploads a stopped server left half-written"
            );
        }
    } else {
        // Worth a look: two servers were started on one directory, perhaps by mistake.
        tracing::info!(
            "another process holds this object directory; the sweep of half-written uploads \
             is left to it"
        );
    }
}

/// Whether no other server process has this directory: the first takes a lock on it and holds
/// it until the process ends, so that a second server started on the same directory never
/// sweeps away the staging files of the first one's uploads in flight.
fn first_server_on(dir: &std::path::Path) -> bool {
    let Ok(handle) = std::fs::File::open(dir) else {
        return false;
    };
    if handle.try_lock().is_err() {
        return false;
    }
    // Held, deliberately, for the life of the process: the lock goes with the descriptor.
    std::mem::forget(handle);
    true
}

/// Removes the staging files (`<object>#<n>`) of uploads that never completed: a server killed
/// mid-upload cannot abort them itself. They were never visible as objects (an object appears
/// only when its staging file is renamed into place) and no database row names them. Object
/// keys are server-made and never contain `#`, so nothing else is touched. Returns how many.
fn sweep_staged_uploads(dir: &std::path::Path) -> usize {
    let mut removed = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.file_name().to_string_lossy().contains('#')
                && std::fs::remove_file(&path).is_ok()
            {
                removed += 1;
                // The document's directory, when the staged file was all it held.
                if let Some(parent) = path.parent().filter(|p| *p != dir) {
                    let _ = std::fs::remove_dir(parent);
                }
            }
        }
    }
    removed
}

/// A fresh object key for a document body.
#[must_use]
pub fn new_document_key(document: DocumentId) -> Path {
    Path::from(format!("documents/{document}/{}", random_hex()))
}

/// A fresh object key for a body received before its manifest, so before the server knows
/// which document it is.
#[must_use]
pub fn new_received_key() -> Path {
    Path::from(format!("documents/received/{}", random_hex()))
}

fn random_hex() -> String {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    hex::encode(random)
}

#[cfg(test)]
mod tests {
    use super::{local, sweep_staged_uploads};

    #[test]
    fn only_the_first_server_on_a_directory_sweeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("documents/d1");
        std::fs::create_dir_all(&doc).unwrap();
        std::fs::write(doc.join("a1#1"), b"left by a stopped server").unwrap();
        local(dir.path(), false).unwrap();
        assert!(doc.join("a1#1").exists(), "a one-shot command leaves it");
        local(dir.path(), true).unwrap();
        assert!(!doc.join("a1#1").exists(), "the first server sweeps");
        std::fs::create_dir_all(&doc).unwrap();
        std::fs::write(doc.join("b2#1"), b"the first server's upload in flight").unwrap();
        local(dir.path(), true).unwrap();
        assert!(doc.join("b2#1").exists(), "a second server does not");
    }

    #[test]
    fn only_staging_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("documents/d1");
        std::fs::create_dir_all(&doc).unwrap();
        std::fs::write(doc.join("a1b2"), b"complete object").unwrap();
        std::fs::write(doc.join("c3d4#1"), b"half-written").unwrap();
        let lost = dir.path().join("documents/d2");
        std::fs::create_dir_all(&lost).unwrap();
        std::fs::write(lost.join("e5f6#3"), b"half-written").unwrap();
        assert_eq!(sweep_staged_uploads(dir.path()), 2);
        assert!(doc.join("a1b2").exists());
        assert!(!doc.join("c3d4#1").exists());
        assert!(!lost.exists(), "a directory left empty is removed too");
        assert!(dir.path().join("documents").exists());
    }
}
