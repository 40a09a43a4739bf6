//! HTTP API of the sealed case-file vault.
//!
//! The server stores ciphertext, wrapped keys and signed statements, and answers who may fetch
//! which of them. It never holds a key that opens a document. [`App`] bundles the database,
//! the object store and the router; the binary in `main.rs` only parses flags and serves it.

// Product names such as SQLite and PostgreSQL are prose in our docs, not code.
#![allow(clippy::doc_markdown)]

pub mod access;
pub mod auth;
pub mod checks;
pub mod db;
pub mod error;
pub mod export;
pub mod log_key;
pub mod metrics;
pub mod objects;
pub mod routes;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod web;

use std::sync::Arc;

use anyhow::Context as _;
use object_store::ObjectStore;
use secrecy::SecretString;
use vault_core::ids::UserId;

pub use settings::Settings;
use state::AppState;

/// The data directory holds the database and the objects: only the server's own user may
/// enter it, whatever the umask made of the files inside.
fn restrict_to_owner(dir: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .context("restricting the data directory to its owner")?;
    }
    Ok(())
}

/// A ready server: database open and migrated, object store open.
pub struct App {
    state: AppState,
}

impl App {
    /// Opens the database (running migrations) and the object store named by `settings`, to
    /// serve: a local object directory is cleared of uploads a killed server left half-written
    /// (see [`objects::open_to_serve`]).
    pub async fn new(settings: Settings) -> anyhow::Result<App> {
        Self::open(settings, objects::open_to_serve).await
    }

    /// Opens what [`App::new`] does, for a one-shot command (`bootstrap-admin`,
    /// `export-audit`) that may run beside a server: the object store is left as it is.
    pub async fn one_shot(settings: Settings) -> anyhow::Result<App> {
        Self::open(settings, objects::open).await
    }

    async fn open(
        settings: Settings,
        open_store: fn(&Settings) -> anyhow::Result<Arc<dyn ObjectStore>>,
    ) -> anyhow::Result<App> {
        std::fs::create_dir_all(&settings.data_dir).context("creating the data directory")?;
        restrict_to_owner(&settings.data_dir)?;
        let url = match &settings.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", settings.default_database_path().display()),
        };
        let log =
            log_key::LogSigner::load_or_create(&settings.log_origin, &settings.log_key_path())
                .context("loading the log signing key")?;
        tracing::info!(log.origin = log.origin(), log.vkey = %log.vkey(), "log key");
        let db = db::Db::open(&url).await?;
        db::log_backfill::run(&db).await?;
        let store = open_store(&settings)?;
        Ok(App {
            state: AppState::new(db, store, settings, log),
        })
    }

    /// The log's public key as clients pin it (`origin+keyid+key`).
    #[must_use]
    pub fn log_vkey(&self) -> String {
        self.state.log.vkey()
    }

    /// The API router, with its state attached.
    pub fn router(&self) -> axum::Router {
        routes::router(self.state.clone())
    }

    /// Serves the API on an already-bound listener until the task is dropped. The outbox
    /// sender runs inside the same future, so it stops with the server.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        use std::future::IntoFuture as _;
        let sender = web::outbox::run(self.state.clone());
        let service = self
            .router()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::select! {
            served = axum::serve(listener, service).into_future() => served,
            () = sender => Ok(()),
        }
    }

    /// Serves until `shutdown` completes, then stops accepting and lets requests in flight
    /// finish for up to `shutdown_grace_secs`; uploads still running then are aborted, leaving
    /// nothing behind (see [`shutdown`]). The outbox sender runs until the server returns.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let grace = std::time::Duration::from_secs(self.state.settings.shutdown_grace_secs);
        let router = self.router();
        // The sender never completes; it is dropped once the server has stopped.
        let sender = web::outbox::run(self.state.clone());
        tokio::select! {
            served = shutdown::serve(router, listener, shutdown, grace, &self.state.stopping) => {
                served
            }
            () = sender => Ok(()),
        }
    }

    /// Creates a platform admin directly in the database (the first one cannot be invited).
    pub async fn bootstrap_admin(&self, email: &str, password: &str) -> anyhow::Result<UserId> {
        routes::admin::create_account(
            &self.state,
            None,
            UserId::new(),
            email,
            SecretString::from(password.to_owned()),
            auth::Kind::PlatformAdmin,
        )
        .await
        .map_err(|err| anyhow::anyhow!("creating the platform admin: {err}"))
    }
}
