//! Upgrading a database made before the log: the server backfills the log from what the
//! database holds, once, and clients can again wrap to every existing organisation.
//!
//! The platform is built with the log running, its leaves kept, and then every log table is
//! emptied, which is what a database migrated from before the log looks like. Two replicas
//! start on it together and a third later; the log then holds one `log.started` leaf and the
//! backfill, each backfilled leaf byte for byte a leaf the live routes wrote, in the same
//! order. The live leaves it lacks are exactly those whose statements the database no longer
//! holds (envelopes a rotation or transfer replaced, and the removal statement, never stored).

use std::collections::HashSet;

use sqlx::AnyPool;
use vault_core::api::{DocumentEnvelope, Envelope};
use vault_core::leaf::LogLeaf;
use vault_core::statement::SignedStatement;
use vault_tests::platform::{seal_text, Platform, TwoOrgs};

async fn operator(platform: &Platform) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(&platform.database_url).await.unwrap()
}

/// Every leaf, as stored, in log order.
async fn stored_leaves(pool: &AnyPool) -> Vec<Vec<u8>> {
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT leaf FROM log_leaves ORDER BY leaf_index")
        .fetch_all(pool)
        .await
        .unwrap();
    let (size,): (i64,) = sqlx::query_as("SELECT size FROM log_head WHERE id = 1")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(i64::try_from(rows.len()).unwrap(), size);
    rows.into_iter().map(|(leaf,)| leaf).collect()
}

/// Texts of one column of every row.
async fn column(pool: &AnyPool, sql: &str) -> Vec<String> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    rows.into_iter().filter_map(|(text,)| text).collect()
}

/// The digest of every signed statement the database holds, envelopes' included.
async fn statements_held(pool: &AnyPool) -> HashSet<[u8; 32]> {
    let mut held = HashSet::new();
    let statements = [
        "SELECT statement FROM org_keys",
        "SELECT certificate FROM users",
        "SELECT statement FROM documents",
        "SELECT statement FROM shares",
        "SELECT statement FROM transfers",
        "SELECT accept_statement FROM transfers",
    ];
    for sql in statements {
        for text in column(pool, sql).await {
            let st: SignedStatement = serde_json::from_str(&text).unwrap();
            held.insert(st.digest());
        }
    }
    let envelopes = [
        "SELECT envelope FROM member_envelopes",
        "SELECT envelope FROM cases",
        "SELECT envelope FROM documents",
        "SELECT envelope FROM shares",
        "SELECT case_envelope FROM transfers",
    ];
    for sql in envelopes {
        for text in column(pool, sql).await {
            let env: Envelope = serde_json::from_str(&text).unwrap();
            held.insert(env.statement.digest());
        }
    }
    for text in column(pool, "SELECT document_envelopes FROM transfers").await {
        let envs: Vec<DocumentEnvelope> = serde_json::from_str(&text).unwrap();
        held.extend(envs.iter().map(|d| d.envelope.statement.digest()));
    }
    held
}

/// Two organisations, a member approved and removed (the key rotates), one waiting for
/// approval, a case with two documents, one shared, one shared and revoked, offered and
/// declined, and a second case transferred and accepted.
async fn history(platform: &Platform) -> TwoOrgs {
    let orgs = platform.north_and_bright().await;
    let leaver = platform.north_leaver(&orgs).await;
    let p = &orgs.north_practitioner;
    let files = platform.plain_files("plain");
    let case_a = p.create_case("NC-2026-0001").await.unwrap();
    let shared = seal_text(p, case_a, &files, "medical.txt", 40).await;
    let revoked = seal_text(p, case_a, &files, "court.txt", 40).await;
    p.share(shared, orgs.bright).await.unwrap();
    p.share(revoked, orgs.bright).await.unwrap();
    p.revoke(revoked, orgs.bright).await.unwrap();
    let declined = orgs
        .north_manager
        .transfer_case(case_a, orgs.bright)
        .await
        .unwrap();
    orgs.bright_manager
        .decline_transfer(declined)
        .await
        .unwrap();
    let case_b = p.create_case("NC-2026-0002").await.unwrap();
    seal_text(p, case_b, &files, "life-story.txt", 40).await;
    let transfer = orgs
        .north_manager
        .transfer_case(case_b, orgs.bright)
        .await
        .unwrap();
    orgs.bright_manager.accept_transfer(transfer).await.unwrap();
    orgs.north_manager
        .remove_member(leaver.keystore().user_id)
        .await
        .unwrap();
    platform.waiting("waiting", orgs.north).await;
    orgs
}

/// Empties every log table, as a database migrated from before the log has them.
async fn forget_the_log(pool: &AnyPool) {
    for sql in [
        "DELETE FROM log_cosignatures",
        "DELETE FROM log_checkpoints",
        "DELETE FROM log_leaves",
        "DELETE FROM log_nodes",
        "UPDATE log_head SET size = 0 WHERE id = 1",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

/// Empties the log (and, with `prune_audit`, the audit records too), starts two replicas
/// together and a third later; checks the log was backfilled once, behind one `log.started`
/// leaf that counts the rest. Returns the first two replicas' URLs and the backfilled leaves.
async fn upgrade(platform: &Platform, pool: &AnyPool, prune_audit: bool) -> Upgraded {
    forget_the_log(pool).await;
    if prune_audit {
        sqlx::query("DELETE FROM audit_events")
            .execute(pool)
            .await
            .unwrap();
    }
    let (first, second) = tokio::join!(platform.replica(), platform.replica());
    let after_start = stored_leaves(pool).await;
    let _third = platform.replica().await;
    assert_eq!(stored_leaves(pool).await, after_start, "backfilled once");
    let started = LogLeaf::decode(&after_start[0]).unwrap();
    assert_eq!(started.action, "log.started");
    assert_eq!(started.object_kind, "log");
    assert_eq!(
        started.object_id,
        format!("earlier-history-backfilled:{}", after_start.len() - 1)
    );
    assert_eq!((started.statement, started.keys), (None, None));
    (first, second, after_start[1..].to_vec())
}

/// Two replicas' URLs and the backfilled leaves.
type Upgraded = (String, String, Vec<Vec<u8>>);

/// Clients that never saw a log (as before the upgrade) use both organisations again:
/// Northshire creates a case, seals and shares with Brightwater, which sends its transferred
/// case back to Northshire's rotated key.
async fn usable(platform: &Platform, orgs: &TwoOrgs, (first, second): (&str, &str)) {
    for name in ["north-practitioner", "bright-manager", "north-manager"] {
        let home = platform.dir.path().join("people").join(name);
        std::fs::remove_file(home.join("log.json")).unwrap();
    }
    let north = platform.person_at_server("north-practitioner", first);
    let case = north.create_case("NC-2026-0003").await.unwrap();
    let files = platform.plain_files("after");
    let document = seal_text(&north, case, &files, "review.txt", 40).await;
    north.share(document, orgs.bright).await.unwrap();
    let bright = platform.person_at_server("bright-manager", second);
    let moved = bright.list_cases().await.unwrap()[0].case_id;
    bright.transfer_case(moved, orgs.north).await.unwrap();
}

/// Every statement the database holds is on the log, each leaf's signature verifies.
fn every_statement_logged(backfilled: &[Vec<u8>], held: &HashSet<[u8; 32]>) {
    let mut logged = HashSet::new();
    for bytes in backfilled {
        if let Some(st) = LogLeaf::decode(bytes).unwrap().statement {
            st.verify().unwrap();
            logged.insert(st.digest());
        }
    }
    let missing = held.difference(&logged).count();
    assert_eq!(
        missing, 0,
        "statements the database holds but the log does not"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_the_log_is_backfilled_once_and_its_organisations_usable() {
    let platform = Platform::start().await;
    let orgs = history(&platform).await;
    let pool = operator(&platform).await;
    let live: Vec<Vec<u8>> = stored_leaves(&pool).await;
    let (first, second, backfilled) = upgrade(&platform, &pool, false).await;
    let held = statements_held(&pool).await;
    every_statement_logged(&backfilled, &held);
    backfill_matches_the_live_log(&live, &backfilled, &held);
    pool.close().await;
    usable(&platform, &orgs, (&first, &second)).await;
}

/// Without audit records (pruned by an operator), times come from the rows and the order from
/// the kinds of action; the log still holds every statement and clients accept it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_audit_records_the_backfill_still_logs_every_statement() {
    let platform = Platform::start().await;
    let orgs = history(&platform).await;
    let pool = operator(&platform).await;
    let (first, second, backfilled) = upgrade(&platform, &pool, true).await;
    every_statement_logged(&backfilled, &statements_held(&pool).await);
    pool.close().await;
    usable(&platform, &orgs, (&first, &second)).await;
}

/// A leaf's index and bytes.
type Indexed<'a> = (usize, &'a [u8]);

/// One action's leaf and the `key.wrapped` leaves after it.
type Action<'a> = (usize, &'a [u8], Vec<Indexed<'a>>);

/// Leaves grouped by action: each leaf other than `key.wrapped` with the `key.wrapped` leaves
/// after it.
fn actions(leaves: &[Vec<u8>]) -> Vec<Action<'_>> {
    let mut out: Vec<Action<'_>> = Vec::new();
    for (i, bytes) in leaves.iter().enumerate() {
        if LogLeaf::decode(bytes).unwrap().action == "key.wrapped" {
            out.last_mut().unwrap().2.push((i, bytes));
        } else {
            out.push((i, bytes, Vec::new()));
        }
    }
    out
}

/// Whether a backfilled action leaf is the live one: byte for byte, but for a removal, whose
/// statement the database never kept.
fn same_action(live: &[u8], backfilled: &[u8]) -> bool {
    let (mut expected, got) = (
        LogLeaf::decode(live).unwrap(),
        LogLeaf::decode(backfilled).unwrap(),
    );
    if got.action == "member.removed" {
        expected.statement = None;
        return expected == got;
    }
    live == backfilled
}

/// Every backfilled action is, byte for byte, a live one, in the live order, with wraps the
/// live action wrote (in the database's order, which within a rotation may differ from the
/// client's); the live leaves left out are exactly those carrying statements the database no
/// longer holds.
fn backfill_matches_the_live_log(
    live: &[Vec<u8>],
    backfilled: &[Vec<u8>],
    held: &HashSet<[u8; 32]>,
) {
    let live_actions = actions(live);
    let mut next = 0;
    let mut matched = HashSet::new();
    for (_, leaf, wraps) in actions(backfilled) {
        let offset = live_actions[next..]
            .iter()
            .position(|(_, l, _)| same_action(l, leaf))
            .unwrap_or_else(|| panic!("not a live action, in order: {:?}", LogLeaf::decode(leaf)));
        let (index, _, live_wraps) = &live_actions[next + offset];
        next += offset + 1;
        matched.insert(*index);
        for (_, wrap) in wraps {
            let (i, _) = live_wraps
                .iter()
                .find(|(_, w)| *w == wrap)
                .unwrap_or_else(|| panic!("a wrap the live action did not write"));
            matched.insert(*i);
        }
    }
    let mut left_out = Vec::new();
    for (i, bytes) in live.iter().enumerate() {
        let leaf = LogLeaf::decode(bytes).unwrap();
        let kept = leaf
            .statement
            .as_ref()
            .is_none_or(|s| held.contains(&s.digest()));
        let removal = leaf.action == "member.removed";
        assert_eq!(
            matched.contains(&i),
            kept || removal,
            "live leaf {i} ({}, {})",
            leaf.action,
            leaf.object_id,
        );
        if !matched.contains(&i) {
            left_out.push(leaf.action);
        }
    }
    // Northshire's manager's, practitioner's and leaver's envelopes of key version 1 and case
    // A's, replaced or dropped by the rotation; case B's and its document's, replaced by the
    // accepted transfer; and the revoked share, whose row and revocation are gone.
    left_out.sort_unstable();
    let mut expected = vec!["key.wrapped"; 7];
    expected.extend(["document.share_revoked", "document.shared"]);
    expected.sort_unstable();
    assert_eq!(left_out, expected);
}
