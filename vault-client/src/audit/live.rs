//! A live audit's snapshot: the auditor's API read page by page into a private directory laid
//! out as an export, then opened as one.
//!
//! The latest checkpoint is asked for first, and the leaves up to its size only, so a log
//! growing during the audit does not leave leaves without a checkpoint. Objects are streamed
//! to disk one at a time, never held in memory; one the store has lost (`object_missing`) is
//! left out, as an export leaves it out, for check `objects` to report. The server does not
//! serve its configuration or its log key: the key comes from `--log-key` or from an earlier
//! audit, never from the server being audited.

use std::io::Write as _;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::AsyncWriteExt as _;

use vault_core::api::{
    DocumentAccessToday, ExportCounts, ExportManifest, InventoryEntry, LogCheckpoint, LogEntry,
    OrgDirectory, StoredEnvelope,
};

use super::snapshot::{self, Snapshot};
use crate::error::{ClientError, Result};
use crate::http::Api;
use crate::Client;

/// Leaves and checkpoints per request: the server's maximum.
const PAGE: u64 = 1000;

/// The server's error code for a document whose ciphertext the object store no longer has.
const OBJECT_MISSING: &str = "object_missing";

/// Fetches everything the auditor can see from the server `client` is logged in to, into
/// `dir` (which must be empty), and opens it as a snapshot of `server`. `log_key` goes into
/// the manifest.
pub async fn fetch(client: &Client, server: &str, dir: &Path, log_key: &str) -> Result<Snapshot> {
    let api = &client.api;
    std::fs::create_dir_all(dir.join("log"))
        .and_then(|()| std::fs::create_dir_all(dir.join(snapshot::OBJECTS)))
        .map_err(|e| ClientError::io(format!("cannot create {}", dir.display()), e))?;
    let latest: LogCheckpoint = api.get("/v1/log/checkpoint").await?;
    let (origin, size) = note_head(&latest.note)?;
    let mut counts = ExportCounts::default();
    fetch_log(api, dir, size, &mut counts).await?;
    let inventory = fetch_lists(api, dir, &mut counts).await?;
    for entry in &inventory {
        let id = entry.document_id;
        let mut body = match api.download(&format!("/v1/audit/objects/{id}")).await {
            Ok(body) => body,
            // Lost from the store: left out of the snapshot, so check `objects` names it.
            Err(ClientError::Api { code, .. }) if code == OBJECT_MISSING => continue,
            Err(err) => return Err(err),
        };
        let path = dir.join(snapshot::OBJECTS).join(id.to_string());
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| ClientError::io(format!("cannot create {}", path.display()), e))?;
        tokio::io::copy(&mut body, &mut file)
            .await
            .map_err(|e| ClientError::io(format!("cannot download the object of {id}"), e))?;
        file.flush()
            .await
            .map_err(|e| ClientError::io(format!("cannot write {}", path.display()), e))?;
        counts.objects += 1;
    }
    let manifest = ExportManifest {
        format: 1,
        log_origin: origin,
        log_vkey: log_key.to_owned(),
        tree_size: counts.leaves,
        exported_at: now(),
        counts,
    };
    write_json(&dir.join(snapshot::MANIFEST), &manifest)?;
    Snapshot::open(dir, format!("server {server}"))
}

/// The checkpoints and the leaves up to `size`, page by page.
async fn fetch_log(api: &Api, dir: &Path, size: u64, counts: &mut ExportCounts) -> Result<()> {
    let mut checkpoints = Lines::create(&dir.join(snapshot::CHECKPOINTS))?;
    let mut after = 0u64;
    loop {
        let page: Vec<LogCheckpoint> = api
            .get(&format!("/v1/log/checkpoints?after={after}&limit={PAGE}"))
            .await?;
        let Some(last) = page.last() else { break };
        after = note_head(&last.note)?.1;
        for cp in &page {
            checkpoints.push(cp)?;
            counts.checkpoints += 1;
        }
        if page.len() < PAGE as usize || after >= size {
            break;
        }
    }
    checkpoints.finish()?;

    let mut leaves = Lines::create(&dir.join(snapshot::LEAVES))?;
    let mut start = 0;
    while start < size {
        let end = (start + PAGE).min(size);
        let page: Vec<LogEntry> = api
            .get(&format!("/v1/log/leaves?start={start}&end={end}"))
            .await?;
        for (i, entry) in page.iter().enumerate() {
            if entry.index != start + i as u64 {
                return Err(ClientError::Invalid(format!(
                    "the server answered leaf {} where leaf {} was asked for",
                    entry.index,
                    start + i as u64
                )));
            }
            leaves.raw(entry.leaf.as_bytes())?;
        }
        counts.leaves += page.len() as u64;
        if page.is_empty() {
            break;
        }
        start += page.len() as u64;
    }
    leaves.finish()?;

    Ok(())
}

/// The directory, envelopes, inventory and access lists; returns the inventory.
async fn fetch_lists(
    api: &Api,
    dir: &Path,
    counts: &mut ExportCounts,
) -> Result<Vec<InventoryEntry>> {
    let directory: Vec<OrgDirectory> = api.get("/v1/audit/directory").await?;
    counts.orgs = directory.len() as u64;
    write_json(&dir.join(snapshot::DIRECTORY), &directory)?;
    let mut lines = Lines::create(&dir.join(snapshot::ENVELOPES))?;
    let envelope_cursor = |e: &StoredEnvelope| format!("{}/{}", e.place, e.owner);
    counts.envelopes = paged(api, "/v1/audit/envelopes", envelope_cursor, |e| {
        lines.push(e)
    })
    .await?;
    lines.finish()?;
    let mut inventory: Vec<InventoryEntry> = Vec::new();
    let by_document = |e: &InventoryEntry| e.document_id.to_string();
    counts.inventory = paged(api, "/v1/audit/inventory", by_document, |e| {
        inventory.push(e.clone());
        Ok(())
    })
    .await?;
    write_json(&dir.join(snapshot::INVENTORY), &inventory)?;
    let mut access: Vec<DocumentAccessToday> = Vec::new();
    let by_document = |a: &DocumentAccessToday| a.document_id.to_string();
    counts.access = paged(api, "/v1/audit/access", by_document, |a| {
        access.push(a.clone());
        Ok(())
    })
    .await?;
    write_json(&dir.join(snapshot::ACCESS), &access)?;
    Ok(inventory)
}

/// Reads every page of an auditor list, resuming after `cursor` of each page's last entry,
/// until an empty page; calls `each` on every entry and returns how many there were.
async fn paged<T: DeserializeOwned>(
    api: &Api,
    route: &str,
    cursor: impl Fn(&T) -> String,
    mut each: impl FnMut(&T) -> Result<()>,
) -> Result<u64> {
    let mut after: Option<String> = None;
    let mut count = 0;
    loop {
        let path = match &after {
            None => format!("{route}?limit={PAGE}"),
            Some(a) => format!("{route}?after={a}&limit={PAGE}"),
        };
        let page: Vec<T> = api.get(&path).await?;
        let Some(last) = page.last() else {
            return Ok(count);
        };
        after = Some(cursor(last));
        for entry in &page {
            each(entry)?;
            count += 1;
        }
    }
}

/// The origin and tree size from the first two lines of a checkpoint note.
fn note_head(note: &str) -> Result<(String, u64)> {
    let mut lines = note.lines();
    let origin = lines.next().unwrap_or_default().to_owned();
    let size = lines.next().and_then(|l| l.parse().ok());
    match size {
        Some(size) if !origin.is_empty() => Ok((origin, size)),
        _ => Err(ClientError::Invalid(
            "the server's checkpoint is not a checkpoint note".into(),
        )),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value)
        .map_err(|_| ClientError::Invalid("cannot encode the snapshot".into()))?;
    std::fs::write(path, bytes)
        .map_err(|e| ClientError::io(format!("cannot write {}", path.display()), e))
}

/// A JSON-lines file being written.
struct Lines {
    path: std::path::PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl Lines {
    fn create(path: &Path) -> Result<Self> {
        let file = std::fs::File::create(path)
            .map_err(|e| ClientError::io(format!("cannot create {}", path.display()), e))?;
        Ok(Self {
            path: path.to_owned(),
            out: std::io::BufWriter::new(file),
        })
    }

    fn push<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value)
            .map_err(|_| ClientError::Invalid("cannot encode the snapshot".into()))?;
        self.raw(&bytes)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|e| ClientError::io(format!("cannot write {}", self.path.display()), e))
    }

    fn finish(mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| ClientError::io(format!("cannot write {}", self.path.display()), e))
    }
}

impl Client {
    /// The log key a live audit names in its snapshot: the one this client pinned for the
    /// server, else (first sight) the one the server names, which the report then marks as
    /// taken from the snapshot. `--expect-log-key` and the audit's own saved key come first
    /// (see [`super::verify`]). The server's checkpoint is not accepted here: judging it,
    /// fork or rollback included, is check `log`'s job, with a named failure.
    pub async fn audit_log_key(&self) -> Result<String> {
        let book = crate::log::book::LogBook::load(&self.log_book_path())?;
        if let Some(kept) = book.server(self.server()) {
            return Ok(kept.log_key.clone());
        }
        let served: vault_core::api::LogKey = self.api.get("/v1/log/key").await?;
        Ok(served.vkey)
    }
}

/// Fetches a live snapshot into a private scratch directory and verifies it.
pub async fn verify_live(
    client: &Client,
    home: &Path,
    options: &super::Options,
) -> Result<super::Report> {
    let key = client.audit_log_key().await?;
    let scratch = tempfile::Builder::new()
        .prefix("vaultctl-audit-")
        .tempdir()
        .map_err(|e| ClientError::io("cannot make a scratch directory", e))?;
    let snapshot = fetch(client, client.server(), scratch.path(), &key).await?;
    let home = home.to_owned();
    let options = options.clone();
    tokio::task::spawn_blocking(move || super::verify(&snapshot, &home, &options))
        .await
        .map_err(|_| ClientError::Invalid("the audit stopped unexpectedly".into()))?
}
