//! Storage of everything but ciphertext: accounts, keys, envelopes, statements, audit records.
//!
//! Every query, here and in the handlers, is written in the subset SQLite and PostgreSQL share
//! (`$N` placeholders, TEXT and BIGINT columns, no upserts), so a PostgreSQL backend is a
//! second pool type here rather than a rewrite of the handlers. SQLite gets two pools: one connection that runs every
//! write transaction one after another, and a pool of readers that WAL lets run beside it, so
//! no request ever meets "database is locked".

pub mod audit;
pub mod codec;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// A write transaction on the single writer connection.
pub type Tx = Transaction<'static, Sqlite>;

/// Database connection pools.
#[derive(Clone)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
}

/// How long a connection waits for a lock before giving up; the writer pool makes waits rare.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(45);

impl Db {
    /// Opens (creating if needed) the database at `url` and applies the migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("parsing the database URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .context("opening the database for writing")?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&write)
            .await
            .context("applying database migrations")?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.read_only(true))
            .await
            .context("opening the database for reading")?;
        Ok(Self { read, write })
    }

    /// The pool for queries that change nothing.
    #[must_use]
    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// Starts a write transaction; SQLite writes queue here instead of meeting a lock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.write.begin().await
    }
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
