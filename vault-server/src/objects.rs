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
    let store = LocalFileSystem::new_with_prefix(dir).context("opening the object directory")?;
    Ok(Arc::new(store))
}

/// A fresh object key for a document body.
#[must_use]
pub fn new_document_key(document: DocumentId) -> Path {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    Path::from(format!("documents/{document}/{}", hex::encode(random)))
}
