//! The log's kinds of tampering: a leaf's bytes, a checkpoint's, and history rewritten by
//! the server itself (rolled back, forked) with checkpoints it signs anew.

use crate::operator::{self, LogTables};
use crate::{Outcome, World};

/// One byte of one stored leaf (its time), hashes and checkpoints left as they were.
pub(crate) async fn leaf_byte(w: &mut World) -> Outcome {
    let (kind, check) = ("a byte of a log leaf", "log");
    let log = LogTables::read(&w.platform).await;
    let index = log.len() / 2;
    let mut changed = log.leaf(index).to_vec();
    let at = changed.windows(8).position(|s| s == b"\"time\":1").unwrap() + 8;
    changed[at] = if changed[at] == b'9' {
        b'8'
    } else {
        changed[at] + 1
    };
    let pool = operator::db(&w.platform).await;
    sqlx::query("UPDATE log_leaves SET leaf = $1 WHERE leaf_index = $2")
        .bind(changed)
        .bind(i64::try_from(index).unwrap())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let outcome = w.audit_both(kind, check).await;
    log.restore(&w.platform).await;
    outcome
}

/// One character of the root line of the latest checkpoint, its signature left as it was.
pub(crate) async fn checkpoint_byte(w: &mut World) -> Outcome {
    let (kind, check) = ("a byte of a signed checkpoint", "log");
    let log = LogTables::read(&w.platform).await;
    let pool = operator::db(&w.platform).await;
    let (size, note): (i64, String) =
        sqlx::query_as("SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    // The root line is the third; change one of its base64 characters.
    let mut lines: Vec<String> = note.lines().map(str::to_owned).collect();
    let root = &mut lines[2];
    let first = root.remove(0);
    root.insert(0, if first == 'A' { 'B' } else { 'A' });
    let changed = lines.join("\n") + "\n";
    sqlx::query("UPDATE log_checkpoints SET note = $1 WHERE size = $2")
        .bind(changed)
        .bind(size)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut outcome = w.audit_both(kind, check).await;
    let client = w.orgs.north_manager.check_log().await.is_err();
    log.restore(&w.platform).await;
    outcome.client = Some(client);
    outcome
}

/// The log rolled back to an earlier size, re-signed by the server's own key.
pub(crate) async fn truncated_log(w: &mut World) -> Outcome {
    let (kind, check) = ("a truncated (rolled-back) log", "log");
    let log = LogTables::read(&w.platform).await;
    log.roll_back(&w.platform, log.len() - 3).await;
    let mut outcome = w.audit_both(kind, check).await;
    // Northshire's manager made the last leaf and holds the newest checkpoint: it sees the
    // log shrink.
    let client = w.orgs.north_manager.check_log().await.is_err();
    log.restore(&w.platform).await;
    outcome.client = Some(client);
    outcome
}

/// An early leaf rewritten (its time) and the whole tree re-hashed and re-signed with the
/// server's own key: a fork that only a checkpoint saved before can show.
pub(crate) async fn forked_log(w: &mut World) -> Outcome {
    let (kind, check) = ("a forked log", "log");
    let log = LogTables::read(&w.platform).await;
    let index = 1;
    let text = String::from_utf8(log.leaf(index).to_vec()).unwrap();
    let changed = text.replacen("\"time\":1", "\"time\":2", 1).into_bytes();
    assert_ne!(changed, log.leaf(index));
    log.fork(&w.platform, index, changed).await;
    let mut outcome = w.audit_both(kind, check).await;
    let client = w.orgs.north_practitioner.check_log().await.is_err();
    log.restore(&w.platform).await;
    outcome.client = Some(client);
    outcome
}
