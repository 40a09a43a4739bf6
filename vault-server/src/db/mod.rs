//! Storage of everything but ciphertext: accounts, keys, envelopes, statements, audit records.
//!
//! The database URL picks the backend: `sqlite:` for the embedded default, `postgres://` or
//! `postgresql://` for a shared server. Every query, here and in the handlers, is written in
//! the subset both accept (`$N` placeholders, TEXT, BIGINT and byte columns, no upserts) and
//! runs through sqlx's `Any` driver, so the handlers are the same code on both.
//!
//! Handlers check state and then change it inside one write transaction (an offer is still
//! open, a member is still active), so write transactions must not interleave. SQLite gets
//! that from a single writer connection, beside a pool of readers that WAL lets run alongside
//! it, so no request ever meets "database is locked". PostgreSQL gets it from a transaction
//! advisory lock that every write transaction takes first, which also holds across replicas
//! and keeps audit sequence numbers in commit order; reads never wait for it.

pub mod audit;
pub mod checkpoints;
pub mod codec;
pub mod log;
pub mod log_backfill;
pub mod scratch;

use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor as _, Transaction};

/// A write transaction: on the single writer connection, or holding the write lock.
pub type Tx = Transaction<'static, Any>;

/// The database product a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL database, which several server replicas may share.
    Postgres,
}

impl Backend {
    /// The backend named by the scheme of `url`; the URL itself is never echoed, since it may
    /// hold a password.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("the database URL must start with sqlite:, postgres:// or postgresql://")
        }
    }
}

/// Database connection pools.
#[derive(Clone)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
}

/// How long a SQLite connection waits for a lock; the single writer makes waits rare.
const BUSY_TIMEOUT_MS: u64 = 30_000;
/// How long a request waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(45);
/// SQLite readers beside the writer.
const SQLITE_READERS: u32 = 8;
/// PostgreSQL connections per server process; several replicas multiply it.
const POSTGRES_CONNECTIONS: u32 = 16;
/// Key of the PostgreSQL advisory lock that write transactions take ("vaultwri" in ASCII).
const WRITE_LOCK_KEY: i64 = 0x7661_756c_7477_7269;

impl Db {
    /// Opens the database at `url` (creating a SQLite file if needed) and applies the
    /// migrations of its backend.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        match Backend::of_url(url)? {
            Backend::Sqlite => open_sqlite(url).await,
            Backend::Postgres => open_postgres(url).await,
        }
    }

    /// Which database product this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for queries that change nothing.
    #[must_use]
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Starts a write transaction; writes queue here instead of interleaving.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }
}

/// SQLite: one writer connection, which also creates the file and migrates it, then readers.
async fn open_sqlite(url: &str) -> anyhow::Result<Db> {
    // Parsed only to refuse a malformed URL before anything is created.
    let _: sqlx::sqlite::SqliteConnectOptions = url.parse().context("parsing the database URL")?;
    let write = sqlite_pool(1, "PRAGMA journal_mode = WAL")
        .connect(&with_mode(url, "rwc"))
        .await
        .context("opening the database for writing")?;
    sqlx::migrate!("../migrations/sqlite")
        .run(&write)
        .await
        .context("applying database migrations")?;
    let read = sqlite_pool(SQLITE_READERS, "")
        .connect(&with_mode(url, "ro"))
        .await
        .context("opening the database for reading")?;
    Ok(Db {
        read,
        write,
        backend: Backend::Sqlite,
    })
}

/// Pool options whose connections get the pragmas the `Any` driver cannot pass in the URL.
fn sqlite_pool(max: u32, extra_pragma: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                let pragmas = format!(
                    "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON; \
                     PRAGMA synchronous = NORMAL; {extra_pragma}"
                );
                conn.execute(pragmas.as_str()).await?;
                Ok(())
            })
        })
}

/// `url` with SQLite's open mode set; a later `mode` wins over one the URL already has.
fn with_mode(url: &str, mode: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}mode={mode}")
}

/// PostgreSQL: one pool, migrated under sqlx's own lock so replicas may start together.
async fn open_postgres(url: &str) -> anyhow::Result<Db> {
    let pool = AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .context("connecting to the database")?;
    sqlx::migrate!("../migrations/postgres")
        .run(&pool)
        .await
        .context("applying database migrations")?;
    Ok(Db {
        read: pool.clone(),
        write: pool,
        backend: Backend::Postgres,
    })
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scheme_picks_the_backend() {
        assert_eq!(Backend::of_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite:x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql:///db?host=/run").unwrap(),
            Backend::Postgres
        );
        let err = Backend::of_url("mysql://u:hunter2@h/db").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn mode_is_appended() {
        assert_eq!(
            with_mode("sqlite:///a/b.db", "ro"),
            "sqlite:///a/b.db?mode=ro"
        );
        assert_eq!(
            with_mode("sqlite:///a?cache=shared", "rwc"),
            "sqlite:///a?cache=shared&mode=rwc"
        );
    }
}
