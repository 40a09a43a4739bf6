//! Check `objects`: every stored object is a well-formed age v1 file for X25519 recipients
//! only, and its size and SHA-256 are those of the `document-sealed` statement logged for its
//! document (whose signer the replay already found certified in the owning organisation at
//! that leaf); every inventory row agrees with the log; no object lacks a statement and no
//! logged document lacks its object. Objects are streamed, on every core.

use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::path::PathBuf;

use vault_core::api::InventoryEntry;
use vault_core::header::{check_header, HeaderCheck};
use vault_core::ids::DocumentId;

use super::logged_leaf;
use crate::audit::leaves::Leaves;
use crate::audit::replay::LogState;
use aho_corasick::AhoCorasick;

use super::no_keys::{KeyScan, ObjectsScanned};
use crate::audit::report::{Failure, Findings};
use crate::audit::snapshot::Snapshot;

const CHUNK: usize = 256 * 1024;

/// Runs the check.
pub(crate) fn check(
    snapshot: &Snapshot,
    leaves: &Leaves,
    state: &LogState,
    threads: usize,
    f: &mut Findings,
) -> crate::Result<ObjectsScanned> {
    let inventory: HashMap<DocumentId, &InventoryEntry> = snapshot
        .inventory
        .iter()
        .map(|e| (e.document_id, e))
        .collect();
    for entry in &snapshot.inventory {
        inventory_row(entry, leaves, state, f);
    }
    let names = snapshot.object_names()?;
    let mut files = HashSet::new();
    let mut jobs = Vec::new();
    for name in &names {
        f.count("objects", 1);
        let Ok(id) = name.parse::<DocumentId>() else {
            f.fail(format!("object {name}"), "not named after a document");
            continue;
        };
        files.insert(id);
        match state.ledger.documents.get(&id) {
            Some(doc) => jobs.push((id, snapshot.object_path(id), doc.sha256, doc.size)),
            None => f.fail(
                format!("document {id}"),
                "object stored without a document-sealed statement in the log",
            ),
        }
    }
    for id in &state.ledger.order {
        let leaf = state.ledger.documents[id].leaf;
        if !files.contains(id) {
            f.fail(
                format!("document {id}"),
                format!("sealed at leaf {leaf}; its object is missing"),
            );
        }
        if !inventory.contains_key(id) {
            f.fail(
                format!("document {id}"),
                format!("sealed at leaf {leaf}; no inventory row"),
            );
        }
    }
    let patterns = super::no_keys::scanner()?;
    let (failures, seen) = contents(&jobs, threads, &patterns);
    f.count("object bytes", seen.bytes);
    f.absorb(failures);
    Ok(seen)
}

fn inventory_row(entry: &InventoryEntry, leaves: &Leaves, state: &LogState, f: &mut Findings) {
    f.count("inventory rows", 1);
    let id = entry.document_id;
    let subject = format!("document {id}");
    let Some(doc) = state.ledger.documents.get(&id) else {
        return f.fail(
            subject,
            "listed in the inventory without a document-sealed statement in the log",
        );
    };
    match logged_leaf(state, leaves, &entry.statement) {
        Ok(leaf) if leaf == doc.leaf => {}
        Ok(leaf) => f.fail(
            &subject,
            format!("statement is the one of leaf {leaf}, not {}", doc.leaf),
        ),
        Err(reason) => f.fail(&subject, format!("statement {reason}")),
    }
    if entry.ciphertext_sha256 != doc.sha256 || entry.ciphertext_size != doc.size {
        f.fail(
            &subject,
            "inventory digest or size differs from the signed statement",
        );
    }
    if entry.case_id != doc.case {
        f.fail(
            &subject,
            format!(
                "inventory case {} differs from the signed case {}",
                entry.case_id, doc.case
            ),
        );
    }
    let owner = state.ledger.cases.get(&doc.case).map(|c| c.owner);
    if owner != Some(entry.org_id) {
        f.fail(
            &subject,
            format!("inventory owner {} differs from the log's", entry.org_id),
        );
    }
}

type Job = (DocumentId, PathBuf, [u8; 32], u64);

/// Reads every object on `threads` threads; returns this check's failures and what the key
/// scan saw on the way.
fn contents(jobs: &[Job], threads: usize, scanner: &AhoCorasick) -> (Vec<Failure>, ObjectsScanned) {
    let per = jobs.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<(Vec<Failure>, ObjectsScanned)> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    let mut seen = ObjectsScanned::default();
                    for job in part {
                        let (bytes, failure, key) = one(job, scanner);
                        failures.extend(failure);
                        seen.bytes += bytes;
                        seen.failures.extend(key);
                        seen.paths.insert(job.1.clone());
                    }
                    (failures, seen)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut all = (Vec::new(), ObjectsScanned::default());
    for (failures, seen) in parts {
        all.0.extend(failures);
        all.1.bytes += seen.bytes;
        all.1.failures.extend(seen.failures);
        all.1.paths.extend(seen.paths);
    }
    all
}

/// Checks one object: header, then size and digest over a streamed read, scanning for keys
/// on the way; returns the bytes read, this check's failure and the key scan's.
fn one(
    (id, path, sha256, size): &Job,
    scanner: &AhoCorasick,
) -> (u64, Option<Failure>, Option<Failure>) {
    let (total, failure, found) = read_one(id, path, sha256, *size, scanner);
    let key = found.map(|(what, at)| Failure {
        subject: format!("objects/{id}"),
        reason: format!("holds {what} at byte {at}"),
    });
    (total, failure, key)
}

type Found = Option<(&'static str, u64)>;

fn read_one(
    id: &DocumentId,
    path: &std::path::Path,
    sha256: &[u8; 32],
    size: u64,
    scanner: &AhoCorasick,
) -> (u64, Option<Failure>, Found) {
    let fail = |reason: String| Failure {
        subject: format!("document {id}"),
        reason,
    };
    let mut keys = KeyScan::new(scanner);
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return (0, Some(fail(format!("object cannot be read: {e}"))), None),
    };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; CHUNK];
    let mut head: Vec<u8> = Vec::new();
    let mut header_ok: Option<Result<(), String>> = None;
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let reason = format!("object cannot be read: {e}");
                return (total, Some(fail(reason)), keys.found);
            }
        };
        ctx.update(&buf[..n]);
        keys.feed(&buf[..n]);
        total += n as u64;
        if header_ok.is_none() {
            head.extend_from_slice(&buf[..n]);
            header_ok = header(&head);
        }
    }
    let header_ok =
        header_ok.unwrap_or_else(|| Err("age file is truncated inside its header".into()));
    let reason = if let Err(reason) = header_ok {
        Some(format!("object is not a well-formed age file: {reason}"))
    } else if total != size {
        Some(format!(
            "object is {total} bytes; the signed statement says {size}"
        ))
    } else if ctx.finish().as_ref() != sha256 {
        Some("object's SHA-256 differs from the signed statement".into())
    } else {
        None
    };
    (total, reason.map(fail), keys.found)
}

/// `None` while more bytes are needed.
fn header(prefix: &[u8]) -> Option<Result<(), String>> {
    match check_header(prefix) {
        Ok(HeaderCheck::NeedMore) => None,
        Ok(HeaderCheck::Valid(info)) => Some(
            info.require_x25519()
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    if info.x25519_only() {
                        Ok(())
                    } else {
                        Err("a recipient stanza other than X25519".into())
                    }
                }),
        ),
        Err(e) => Some(Err(e.to_string())),
    }
}
