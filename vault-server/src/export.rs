//! `vault-server export-audit --out DIR`: everything an auditor needs to check the platform
//! offline, and nothing else.
//!
//! The export holds the log (every leaf, byte for byte, and every signed checkpoint with its
//! cosignatures), the key directory, every stored envelope, the ciphertext inventory with its
//! statements, who the database lets open each document, the settings that are not secret, and
//! the ciphertext objects. It never holds an account's e-mail address or password hash, a
//! token, a case reference, sealed metadata, or the log's signing key: the readers it uses
//! never select them.
//!
//! The database part is read inside one read-only snapshot, so the directory, envelopes and
//! inventory are exactly those the exported leaves account for, even while a server keeps
//! serving. Files are written into a hidden sibling of `DIR` (mode 0700) that is renamed into
//! place only once complete, so a failed export leaves nothing behind; objects are streamed.

mod files;

use std::path::Path;

use anyhow::{bail, Context as _};
use futures::TryStreamExt as _;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::io::AsyncWriteExt as _;
use vault_core::api::{ExportConfig, ExportCounts, ExportManifest, InventoryEntry, LogCheckpoint};

use crate::db::{Backend, Db};
use crate::routes::audit_data::{self, EnvelopeCursor};
use crate::settings::Settings;
use crate::state::AppState;
use files::{refuse_used, write_json, Records, Staging};

/// Version of the export layout written into `manifest.json`.
pub const FORMAT: u32 = 1;
/// Rows read per query while exporting.
const PAGE: i64 = 500;
/// Leaves read per query: they are small and a log may hold millions.
const LEAF_PAGE: u64 = 5000;

/// `vault-server export-audit`: opens the platform `settings` name and exports it to `out`.
/// The output directory and the log key are checked first, so that a mistyped data directory
/// is refused instead of becoming a new, empty platform with a new log key.
pub async fn run(settings: Settings, out: &Path) -> anyhow::Result<ExportManifest> {
    refuse_used(out)?;
    let key = settings.log_key_path();
    if !key.is_file() {
        bail!(
            "there is no log signing key at {}; give the data directory (or --log-key-file) \
             the server uses",
            key.display()
        );
    }
    crate::App::one_shot(settings)
        .await?
        .export_audit(out)
        .await
}

/// A read-only transaction that sees one state of the database throughout.
async fn snapshot(db: &Db) -> anyhow::Result<Transaction<'static, Any>> {
    let mut tx = db.reader().begin().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Times the export retries when the log grows between its checkpoint and its snapshot.
const SNAPSHOT_TRIES: usize = 5;

impl crate::App {
    /// Writes the audit export into `out`, which must not exist or be an empty directory.
    pub async fn export_audit(&self, out: &Path) -> anyhow::Result<ExportManifest> {
        let staging = Staging::begin(out)?;
        let state = &self.state;
        let (mut tx, size) = signed_snapshot(state).await?;
        let mut counts = ExportCounts {
            leaves: write_leaves(&staging, &mut tx, size).await?,
            checkpoints: write_checkpoints(&staging, &mut tx, size).await?,
            ..ExportCounts::default()
        };
        let directory = audit_data::directory(&mut tx).await?;
        counts.orgs = directory.len() as u64;
        write_json(&staging, "directory.json", &directory).await?;
        counts.envelopes = write_envelopes(&staging, &mut tx).await?;
        (counts.inventory, counts.objects) = write_inventory(&staging, state, &mut tx).await?;
        counts.access = write_access(&staging, &mut tx).await?;
        tx.rollback().await?;
        let manifest = ExportManifest {
            format: FORMAT,
            log_origin: state.log.origin().to_owned(),
            log_vkey: state.log.vkey(),
            tree_size: size,
            exported_at: crate::db::now(),
            counts,
        };
        write_json(&staging, "config.json", &config(state)).await?;
        write_json(&staging, "manifest.json", &manifest).await?;
        staging.commit(out)?;
        Ok(manifest)
    }
}

/// A snapshot whose log size has a signed checkpoint, made first if needed. Should the log
/// grow in between (a server is serving), a few more tries are made; after that the export
/// goes on, and the auditor sees leaves newer than the newest checkpoint.
async fn signed_snapshot(state: &AppState) -> anyhow::Result<(Transaction<'static, Any>, u64)> {
    for _ in 1..SNAPSHOT_TRIES {
        crate::db::checkpoints::latest(state).await?;
        let mut tx = snapshot(&state.db).await?;
        let size = crate::db::log::size(&mut tx).await?;
        if crate::db::checkpoints::at_size(&mut tx, size)
            .await?
            .is_some()
        {
            return Ok((tx, size));
        }
        tx.rollback().await?;
    }
    let mut tx = snapshot(&state.db).await?;
    let size = crate::db::log::size(&mut tx).await?;
    tracing::warn!(
        size,
        "the log kept growing; its newest leaves have no checkpoint yet"
    );
    Ok((tx, size))
}

/// `log/leaves.jsonl`: leaf `i` on line `i`, exactly as stored and hashed.
async fn write_leaves(
    staging: &Staging,
    conn: &mut AnyConnection,
    size: u64,
) -> anyhow::Result<u64> {
    let mut file = Records::lines(staging, "log/leaves.jsonl").await?;
    let mut start = 0;
    while start < size {
        let end = size.min(start + LEAF_PAGE);
        let leaves = crate::db::log::leaves(conn, start, end).await?;
        for (index, leaf) in &leaves {
            if *index != file.count {
                bail!("log leaf {} is missing from the database", file.count);
            }
            if leaf.contains(&b'\n') {
                bail!("log leaf {index} holds a line break, which no leaf can");
            }
            file.push_line(leaf).await?;
        }
        if leaves.is_empty() {
            bail!("log leaf {start} is missing from the database");
        }
        start = file.count;
    }
    file.finish().await
}

/// `log/checkpoints.jsonl`: every stored checkpoint up to `size`, oldest first, with its
/// cosignatures.
async fn write_checkpoints(
    staging: &Staging,
    conn: &mut AnyConnection,
    size: u64,
) -> anyhow::Result<u64> {
    let mut file = Records::lines(staging, "log/checkpoints.jsonl").await?;
    let mut after = None;
    loop {
        let limit = u32::try_from(PAGE)?;
        let notes = crate::db::checkpoints::list(conn, after, size, limit).await?;
        for note in &notes {
            file.push(&LogCheckpoint { note: note.clone() }).await?;
            // The size is the note's second line; the note is copied as stored, unchecked.
            let size_line = note.lines().nth(1).and_then(|line| line.parse().ok());
            after = Some(size_line.context("a stored checkpoint has no tree size line")?);
        }
        if notes.len() < usize::try_from(limit)? {
            return file.finish().await;
        }
    }
}

/// `envelopes.jsonl`: every stored envelope, one a line.
async fn write_envelopes(staging: &Staging, conn: &mut AnyConnection) -> anyhow::Result<u64> {
    let mut file = Records::lines(staging, "envelopes.jsonl").await?;
    let mut after = EnvelopeCursor::default();
    loop {
        let page = audit_data::envelopes(conn, &after, PAGE.unsigned_abs() as usize).await?;
        for stored in &page {
            file.push(stored).await?;
        }
        match page.last() {
            Some(last) => {
                let next = format!("{}/{}", last.place, last.owner);
                after = EnvelopeCursor::parse(&next).context("an envelope's place is unknown")?;
            }
            None => return file.finish().await,
        }
    }
}

/// `inventory.json`, and each object it lists copied to `objects/<document_id>`; returns how
/// many entries and how many objects were written (an object missing from the store is
/// reported and left for the auditor to find missing).
async fn write_inventory(
    staging: &Staging,
    state: &AppState,
    conn: &mut AnyConnection,
) -> anyhow::Result<(u64, u64)> {
    let mut file = Records::array(staging, "inventory.json").await?;
    let mut objects = 0;
    let mut after = None;
    loop {
        let page = audit_data::inventory(conn, after, PAGE).await?;
        for entry in &page {
            file.push(entry).await?;
            if copy_object(staging, state, entry).await? {
                objects += 1;
            }
        }
        match page.last() {
            Some(last) => after = Some(last.document_id),
            None => return Ok((file.finish().await?, objects)),
        }
    }
}

/// Streams one object from the store into the export; `false` if the store has no such object.
async fn copy_object(
    staging: &Staging,
    state: &AppState,
    entry: &InventoryEntry,
) -> anyhow::Result<bool> {
    let key = object_store::path::Path::from(entry.object_key.as_str());
    let found = match state.store.get(&key).await {
        Ok(found) => found,
        Err(object_store::Error::NotFound { .. }) => {
            tracing::warn!(document.id = %entry.document_id, "object missing from the store");
            return Ok(false);
        }
        Err(err) => return Err(err).context("reading an object from the store"),
    };
    let mut out = staging
        .file(&format!("objects/{}", entry.document_id))
        .await?;
    let mut stream = found.into_stream();
    while let Some(chunk) = stream.try_next().await? {
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    out.get_ref().sync_all().await?;
    Ok(true)
}

/// `access.json`: the organisations the database lets open each document today.
async fn write_access(staging: &Staging, conn: &mut AnyConnection) -> anyhow::Result<u64> {
    let mut file = Records::array(staging, "access.json").await?;
    let mut after = None;
    loop {
        let page = audit_data::access(conn, after, PAGE).await?;
        for entry in &page {
            file.push(entry).await?;
        }
        match page.last() {
            Some(last) => after = Some(last.document_id),
            None => return file.finish().await,
        }
    }
}

/// The settings an auditor may see: no URL, path, token or credential.
fn config(state: &AppState) -> ExportConfig {
    let settings = &state.settings;
    let object_store = settings
        .object_store_url
        .as_deref()
        .and_then(|url| url.split_once("://"))
        .map_or("file", |(scheme, _)| scheme);
    let database = match state.db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    ExportConfig {
        database: database.to_owned(),
        object_store: object_store.to_owned(),
        log_origin: state.log.origin().to_owned(),
        log_vkey: state.log.vkey(),
        max_upload_bytes: settings.max_upload_bytes,
        token_ttl_secs: settings.token_ttl_secs,
        upload_idle_secs: settings.upload_idle_secs,
    }
}
