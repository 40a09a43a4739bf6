//! Shared state handed to every handler.

use std::sync::Arc;

use object_store::ObjectStore;

use crate::db::Db;
use crate::log_key::LogSigner;
use crate::metrics::Metrics;
use crate::routes::upload_open::OpenUploads;
use crate::settings::Settings;
use crate::shutdown::Stopping;

/// Database, object store and settings, cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// Accounts, keys, envelopes, statements, audit records.
    pub db: Db,
    /// Ciphertext bodies.
    pub store: Arc<dyn ObjectStore>,
    /// Limits and lifetimes.
    pub settings: Settings,
    /// Request counts and durations, body bytes moved.
    pub metrics: Metrics,
    /// Uploads in flight, and the signal that aborts them at shutdown.
    pub stopping: Stopping,
    /// The key that signs the Merkle log's checkpoints.
    pub log: LogSigner,
    /// Uploads in parts begun and not yet finished, cancelled or expired.
    pub uploads: OpenUploads,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(db: Db, store: Arc<dyn ObjectStore>, settings: Settings, log: LogSigner) -> Self {
        Self(Arc::new(Inner {
            db,
            store,
            settings,
            metrics: Metrics::new(),
            stopping: Stopping::default(),
            log,
            uploads: OpenUploads::default(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
