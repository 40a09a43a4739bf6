//! Check `log`: every checkpoint's signature, every checkpoint's root against the tree rebuilt
//! from the leaves, the leaves all covered by a signed checkpoint, and the auditor's saved
//! checkpoint still a prefix of this log (otherwise the log was forked or rolled back).

use vault_core::checkpoint::{NoteKey, SignedCheckpoint};
use vault_core::merkle::MemoryTree;

use crate::audit::report::Findings;
use crate::audit::saved::SavedCheckpoint;
use crate::audit::snapshot::Snapshot;

/// The newest checkpoint that verified.
pub(crate) struct Latest {
    pub(crate) size: u64,
    pub(crate) root: [u8; 32],
    pub(crate) time: u64,
    pub(crate) note: String,
}

/// Runs the check; returns the newest valid checkpoint.
pub(crate) fn check(
    snapshot: &Snapshot,
    tree: &MemoryTree,
    key: &NoteKey,
    saved: Option<&SavedCheckpoint>,
    f: &mut Findings,
) -> Option<Latest> {
    let leaves = tree.len();
    f.count("leaves", leaves);
    if snapshot.manifest.tree_size != leaves {
        f.fail(
            "log",
            format!(
                "the export says the log has {} leaves; it holds {leaves}",
                snapshot.manifest.tree_size
            ),
        );
    }
    let latest = checkpoints(snapshot, tree, key, f);
    match &latest {
        Some(l) if l.size < leaves => f.fail(
            format!("leaves {}..{}", l.size, leaves - 1),
            "not covered by any signed checkpoint",
        ),
        None if leaves > 0 => f.fail("log", "no checkpoint signed by the log key verifies"),
        _ => {}
    }
    if let Some(saved) = saved {
        check_saved(saved, tree, latest.as_ref(), f);
    }
    latest
}

/// When the key given with `--expect-log-key` verifies none of the snapshot's checkpoints
/// and the key the snapshot names verifies the latest, the key the snapshot names: the
/// auditor typed or was handed the wrong key, and a failure per checkpoint would bury that.
pub(crate) fn key_not_used(snapshot: &Snapshot, given: &NoteKey) -> Option<String> {
    let named = NoteKey::parse_vkey(&snapshot.manifest.log_vkey).ok()?;
    let last = snapshot.checkpoints.last()?;
    let verifies = |note: &String| SignedCheckpoint::open(note, given).is_ok();
    (named != *given
        && SignedCheckpoint::open(last, &named).is_ok()
        && !snapshot.checkpoints.iter().any(verifies))
    .then(|| snapshot.manifest.log_vkey.clone())
}

fn checkpoints(
    snapshot: &Snapshot,
    tree: &MemoryTree,
    key: &NoteKey,
    f: &mut Findings,
) -> Option<Latest> {
    let mut latest: Option<Latest> = None;
    // The largest size whose checkpoint matched the rebuilt tree: a changed leaf lies after it.
    let mut good = 0;
    for (i, note) in snapshot.checkpoints.iter().enumerate() {
        f.count("checkpoints", 1);
        let size = note.lines().nth(1).unwrap_or("?");
        let subject = format!("checkpoint {} (size line {size:?})", i + 1);
        let signed = match SignedCheckpoint::open(note, key) {
            Ok(s) => s,
            Err(e) => {
                f.fail(subject, format!("signature does not verify: {e}"));
                continue;
            }
        };
        f.count("cosignatures seen", signed.cosignatures.len() as u64);
        let cp = &signed.checkpoint;
        let subject = format!("checkpoint of size {}", cp.size);
        if cp.origin != snapshot.manifest.log_origin {
            f.fail(
                &subject,
                format!("origin {:?} is not this log's", cp.origin),
            );
            continue;
        }
        match tree.root_at(cp.size) {
            Err(_) => {
                f.fail(
                    &subject,
                    format!("the log holds only {} leaves: it was truncated", tree.len()),
                );
                continue;
            }
            Ok(root) if root != cp.root => {
                let reason = format!(
                    "its root differs from the tree rebuilt from the leaves: leaves {good}..{} \
                     are not the ones it signed",
                    cp.size.saturating_sub(1)
                );
                f.fail(&subject, reason);
                continue;
            }
            Ok(_) => good = good.max(cp.size),
        }
        if let Some(prev) = &latest {
            if cp.size <= prev.size || cp.time < prev.time {
                f.fail(
                    &subject,
                    format!("out of order after the checkpoint of size {}", prev.size),
                );
            }
        }
        latest = Some(Latest {
            size: cp.size,
            root: cp.root,
            time: cp.time,
            note: note.clone(),
        });
    }
    latest
}

fn check_saved(
    saved: &SavedCheckpoint,
    tree: &MemoryTree,
    latest: Option<&Latest>,
    f: &mut Findings,
) {
    let subject = format!(
        "saved checkpoint of size {} (root {})",
        saved.size, saved.root
    );
    let now = latest.map_or_else(
        || "no valid checkpoint".to_owned(),
        |l| {
            format!(
                "latest checkpoint of size {} (root {})",
                l.size,
                hex::encode(l.root)
            )
        },
    );
    match tree.root_at(saved.size) {
        Err(_) => f.fail(
            subject,
            format!(
                "the log holds only {} leaves ({now}): rolled back or truncated",
                tree.len()
            ),
        ),
        Ok(root) if hex::encode(root) != saved.root => f.fail(
            subject,
            format!(
                "the log's first {} leaves now have root {} ({now}): the log was forked",
                saved.size,
                hex::encode(root)
            ),
        ),
        Ok(_) => f.count("saved checkpoints consistent", 1),
    }
}
