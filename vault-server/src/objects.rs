//! The object store holding ciphertext bodies.
//!
//! The default is a directory under the data directory; any `object_store` URL may be given
//! instead. Object keys are made here, never from client input: `documents/<id>/<random hex>`.

use std::sync::Arc;

use anyhow::Context as _;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;
use rand::RngCore as _;
use vault_core::ids::DocumentId;

use crate::settings::Settings;

/// Opens the store named by the settings, creating the default directory if needed.
pub fn open(settings: &Settings) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let Some(raw) = &settings.object_store_url else {
        return local(&settings.default_object_dir());
    };
    let url = url::Url::parse(raw).context("parsing the object store URL")?;
    if url.scheme() == "file" {
        let dir = url
            .to_file_path()
            .map_err(|()| anyhow::anyhow!("the object store URL is not a local path"))?;
        return local(&dir);
    }
    let (store, prefix) =
        object_store::parse_url_opts(&url, std::iter::empty::<(String, String)>())
            .context("opening the object store")?;
    if prefix.as_ref().is_empty() {
        Ok(Arc::from(store))
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

fn local(dir: &std::path::Path) -> anyhow::Result<Arc<dyn ObjectStore>> {
    std::fs::create_dir_all(dir).context("creating the object store directory")?;
    let swept = sweep_staged_uploads(dir);
    if swept > 0 {
        tracing::warn!(
            files = swept,
            "removed uploads a stopped server left half-written"
        );
    }
    let store = LocalFileSystem::new_with_prefix(dir).context("opening the object directory")?;
    Ok(Arc::new(store))
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
            }
        }
    }
    removed
}

/// A fresh object key for a document body.
#[must_use]
pub fn new_document_key(document: DocumentId) -> Path {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    Path::from(format!("documents/{document}/{}", hex::encode(random)))
}

#[cfg(test)]
mod tests {
    use super::sweep_staged_uploads;

    #[test]
    fn only_staging_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("documents/d1");
        std::fs::create_dir_all(&doc).unwrap();
        std::fs::write(doc.join("a1b2"), b"complete object").unwrap();
        std::fs::write(doc.join("c3d4#1"), b"half-written").unwrap();
        assert_eq!(sweep_staged_uploads(dir.path()), 1);
        assert!(doc.join("a1b2").exists());
        assert!(!doc.join("c3d4#1").exists());
    }
}
