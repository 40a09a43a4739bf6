//! Tampering with every kind of thing the platform stores, one kind at a time, as an operator
//! holding the database and the object store could: a byte of an object, an envelope, a
//! statement, a leaf, a checkpoint, published keys, a deleted row, a truncated (rolled-back)
//! log and a forked one. Each must be caught by `audit verify` on the live server and on an
//! export taken from the tampered server, naming the check that failed; where a client would
//! touch the thing next (opening the document, trusting the checkpoint, wrapping to the key),
//! that client must refuse too. Every kind is undone before the next, and the untouched
//! platform must pass both audits before and after. The counts are printed.

#[path = "tamper/log_kinds.rs"]
mod log_kinds;
#[path = "tamper/operator.rs"]
mod operator;

use std::path::PathBuf;

use object_store::ObjectStore as _;
use vault_client::audit::{self, Options, Report, Snapshot};
use vault_client::documents::{NoProgress, OpenTarget};
use vault_client::Client;
use vault_core::checkpoint::NoteKey;
use vault_core::ids::DocumentId;
use vault_core::keys::SigningKey;
use vault_tests::platform::{seal_text, Platform, TwoOrgs};

/// The platform, its people, and a document in each situation an audit follows.
struct World {
    platform: Platform,
    orgs: TwoOrgs,
    auditor: Client,
    auditor_home: PathBuf,
    /// Case A: sealed by Northshire, shared with Brightwater.
    shared: DocumentId,
    /// Case A: sealed by Northshire, never shared.
    plain: DocumentId,
    /// Case B: transferred to Brightwater and accepted.
    moved: DocumentId,
    /// Case C: offered to Brightwater, offer waiting.
    offered: DocumentId,
    /// Case D: offered to Brightwater, who declined.
    declined: DocumentId,
    exports: usize,
}

async fn world() -> World {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    // A member who leaves (the organisation key rotates) and one who waits for approval.
    let leaver = platform.north_leaver(&orgs).await;
    orgs.north_manager
        .remove_member(leaver.keystore().user_id)
        .await
        .unwrap();
    platform.waiting("waiting", orgs.north).await;

    let p = &orgs.north_practitioner;
    let files = platform.plain_files("plain");
    let case_a = p.create_case("NC-2026-0001").await.unwrap();
    let shared = seal_text(p, case_a, &files, "medical.txt", 50).await;
    let plain = seal_text(p, case_a, &files, "court.txt", 50).await;
    p.share(shared, orgs.bright).await.unwrap();
    let case_b = p.create_case("NC-2026-0002").await.unwrap();
    let moved = seal_text(p, case_b, &files, "life-story.txt", 50).await;
    let transfer = orgs
        .north_manager
        .transfer_case(case_b, orgs.bright)
        .await
        .unwrap();
    orgs.bright_manager.accept_transfer(transfer).await.unwrap();
    // Case D: offered and declined, so the offer's grant ends and Northshire keeps it alone.
    let case_d = p.create_case("NC-2026-0004").await.unwrap();
    let declined = seal_text(p, case_d, &files, "placement-plan.txt", 50).await;
    let offer = orgs
        .north_manager
        .transfer_case(case_d, orgs.bright)
        .await
        .unwrap();
    orgs.bright_manager.decline_transfer(offer).await.unwrap();
    let case_c = p.create_case("NC-2026-0003").await.unwrap();
    let offered = seal_text(p, case_c, &files, "dbs-check.txt", 50).await;
    orgs.north_manager
        .transfer_case(case_c, orgs.bright)
        .await
        .unwrap();

    let auditor = platform.auditor("auditor").await;
    let auditor_home = platform.dir.path().join("people/auditor");
    World {
        platform,
        orgs,
        auditor,
        auditor_home,
        shared,
        plain,
        moved,
        offered,
        declined,
        exports: 0,
    }
}

impl World {
    async fn live(&self) -> Report {
        audit::live::verify_live(&self.auditor, &self.auditor_home, &Options::default())
            .await
            .unwrap()
    }

    /// Exports the server as it is now and opens the export.
    async fn export(&mut self) -> Snapshot {
        self.exports += 1;
        let out = self
            .platform
            .dir
            .path()
            .join(format!("export-{}", self.exports));
        let app = vault_server::App::new(self.platform.settings.clone())
            .await
            .unwrap();
        app.export_audit(&out).await.unwrap();
        Snapshot::open(&out, format!("export {}", out.display())).unwrap()
    }

    /// Exports the server as it is now and audits the export.
    async fn offline(&mut self) -> Report {
        let snapshot = self.export().await;
        audit::verify(&snapshot, &self.auditor_home, &Options::default()).unwrap()
    }

    /// Audits the live server and a fresh export of it; both must name `check`.
    async fn audit_both(&mut self, kind: &'static str, check: &'static str) -> Outcome {
        let live = caught(&self.live().await, check, kind, "live");
        let offline = caught(&self.offline().await, check, kind, "export");
        Outcome {
            kind,
            check,
            live,
            offline,
            client: None,
        }
    }

    async fn opens(&self, who: &Client, document: DocumentId) -> bool {
        let dir = self.platform.dir.path().join("opened");
        who.open_document(document, &OpenTarget::Dir(dir), true, NoProgress)
            .await
            .is_ok()
    }
}

/// Asserts the report failed and that `check` is among the failed checks.
fn caught(report: &Report, check: &str, kind: &str, where_: &str) -> bool {
    if std::env::var_os("TAMPER_SHOW").is_some() {
        println!("--- {kind} ({where_})\n{}", report.to_text());
    }
    let failed = report.failed_checks();
    assert!(
        failed.contains(&check),
        "{kind} ({where_}): expected check {check} to fail; failed: {failed:?}\n{}",
        report.to_text()
    );
    true
}

fn clean(report: &Report, where_: &str) {
    assert!(report.passed(), "{where_}: {}", report.to_text());
}

/// One kind of tampering: what it changes, which check must name it.
struct Outcome {
    kind: &'static str,
    check: &'static str,
    live: bool,
    offline: bool,
    client: Option<bool>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_tampering_is_caught_by_audit_verify_live_and_on_an_export() {
    let mut w = world().await;
    let report = w.live().await;
    clean(&report, "untouched, live");
    assert_eq!(report.saved.previous_size, None);
    assert!(
        report.saved.updated,
        "the first clean audit saves its checkpoint"
    );
    assert_eq!(report.check("objects").unwrap().checked["objects"], 5);
    assert_eq!(
        report.check("access-ledger").unwrap().checked["documents"],
        5
    );
    clean(&w.offline().await, "untouched, export");
    wrong_log_key_stops(&mut w).await;
    ledger_follows_the_story(&w, &report);
    organisations_listed(&w, &report);

    let mut outcomes = Vec::new();
    outcomes.push(object_byte(&mut w).await);
    outcomes.push(deleted_object(&mut w).await);
    outcomes.push(envelope_byte(&mut w).await);
    outcomes.push(swapped_member_envelope(&mut w).await);
    outcomes.push(statement_byte(&mut w).await);
    outcomes.push(published_org_key(&mut w).await);
    outcomes.push(published_member_key(&mut w).await);
    outcomes.push(deleted_share_row(&mut w).await);
    outcomes.push(planted_secret_key(&mut w).await);
    outcomes.push(log_kinds::leaf_byte(&mut w).await);
    outcomes.push(log_kinds::checkpoint_byte(&mut w).await);
    outcomes.push(log_kinds::truncated_log(&mut w).await);
    outcomes.push(log_kinds::forked_log(&mut w).await);

    clean(&w.live().await, "restored, live");
    clean(&w.offline().await, "restored, export");

    let tried = outcomes.len();
    let live = outcomes.iter().filter(|o| o.live).count();
    let offline = outcomes.iter().filter(|o| o.offline).count();
    let by_client: Vec<&Outcome> = outcomes.iter().filter(|o| o.client.is_some()).collect();
    let client_caught = by_client.iter().filter(|o| o.client == Some(true)).count();
    for o in &outcomes {
        println!(
            "tampered {:<32} caught by check {:<14} live: {} export: {} next client: {}",
            o.kind,
            o.check,
            o.live,
            o.offline,
            o.client.map_or("-".to_owned(), |c| c.to_string())
        );
    }
    println!(
        "kinds of tampering tried: {tried}; caught by audit verify live: {live}, on an export: \
         {offline}; caught by the next client too: {client_caught} of {}",
        by_client.len()
    );
    assert_eq!(
        (live, offline, client_caught),
        (tried, tried, by_client.len())
    );
}

/// A log key given with `--expect-log-key` that signs none of the checkpoints stops the audit
/// with one line naming the key the export uses, instead of a failure per checkpoint.
async fn wrong_log_key_stops(w: &mut World) {
    let snapshot = w.export().await;
    let origin = snapshot.manifest.log_origin.clone();
    let wrong = NoteKey {
        name: origin,
        key: SigningKey::generate().unwrap().verifying_key(),
    }
    .to_vkey();
    let options = Options {
        log_key: Some(wrong.clone()),
        ..Options::default()
    };
    let Err(err) = audit::verify(&snapshot, &w.auditor_home, &options) else {
        panic!("an audit with a wrong log key went on");
    };
    assert_eq!(
        err.to_string(),
        format!(
            "the log key the {} uses is {}, not the one given with --expect-log-key ({wrong}); \
             check which key the operator gave you",
            snapshot.source, snapshot.manifest.log_vkey
        )
    );
}

/// The report lists both organisations by name with the fingerprint of the root key each
/// founding manager holds, members certified and not removed, and key versions (Northshire
/// rotated once, when its leaver was removed).
fn organisations_listed(w: &World, report: &Report) {
    let root = |c: &Client| {
        let key = c.keystore().org_root().unwrap().verifying_key();
        key.fingerprint().to_string()
    };
    let listed: Vec<_> = report
        .organisations
        .iter()
        .map(|o| {
            let name = o.name.clone().unwrap_or_default();
            let fpr = o.root_fingerprint.clone().unwrap_or_default();
            (name, o.org_id.clone(), fpr, o.members, o.org_keys)
        })
        .collect();
    let (north, bright) = (&w.orgs.north_manager, &w.orgs.bright_manager);
    assert_eq!(
        listed,
        vec![
            (
                "Brightwater Adoption Agency".to_owned(),
                w.orgs.bright.to_string(),
                root(bright),
                1,
                1
            ),
            (
                "Northshire Council".to_owned(),
                w.orgs.north.to_string(),
                root(north),
                2,
                2
            ),
        ]
    );
    let line = format!(
        "    Northshire Council ({}): root {}; 2 members, 2 organisation keys\n",
        w.orgs.north,
        root(north)
    );
    assert!(report.to_text().contains(&line), "{}", report.to_text());
}

/// The access ledger the clean audit derived from the log alone: the shared document opens
/// for both organisations, the transferred one now for Brightwater only (Northshire's grant
/// ended at the acceptance), the offered one for both while the offer waits, the declined one
/// for Northshire alone (the offer's grant ended with the refusal).
fn ledger_follows_the_story(w: &World, report: &Report) {
    let grants = |doc: DocumentId| {
        let entry = report
            .ledger
            .iter()
            .find(|e| e.document_id == doc.to_string())
            .unwrap();
        let mut open: Vec<(String, &str)> = entry
            .grants
            .iter()
            .filter(|g| g.until_leaf.is_none())
            .map(|g| (g.org.clone(), g.via))
            .collect();
        open.sort();
        (open, entry.grants.len())
    };
    let (north, bright) = (w.orgs.north.to_string(), w.orgs.bright.to_string());
    let mut both = vec![(north.clone(), "owner"), (bright.clone(), "share")];
    both.sort();
    assert_eq!(grants(w.shared), (both, 2));
    assert_eq!(grants(w.plain), (vec![(north.clone(), "owner")], 1));
    assert_eq!(grants(w.moved).0, vec![(bright.clone(), "owner")]);
    assert_eq!(grants(w.moved).1, 3, "owner, offer, then the new owner");
    let mut offered = vec![(north, "owner"), (bright, "transfer-offer")];
    offered.sort();
    assert_eq!(grants(w.offered), (offered, 2));
    assert_eq!(
        grants(w.declined),
        (vec![(w.orgs.north.to_string(), "owner")], 2)
    );
}

/// One byte of a stored object.
async fn object_byte(w: &mut World) -> Outcome {
    let (kind, check) = ("a byte of an object", "objects");
    let (key, original) = operator::object(&w.platform, &w.plain.to_string()).await;
    let mut changed = original.clone();
    let last = changed.len() - 1;
    changed[last] ^= 0x01;
    operator::put_object(&w.platform, &key, changed).await;
    let mut outcome = w.audit_both(kind, check).await;
    let client = !w.opens(&w.orgs.north_practitioner, w.plain).await;
    operator::put_object(&w.platform, &key, original).await;
    assert!(w.opens(&w.orgs.north_practitioner, w.plain).await);
    outcome.client = Some(client);
    outcome
}

/// A stored object deleted from the store (data loss): the live audit still runs every
/// check, and `objects` names the document; the server answers the client 404, not 500.
async fn deleted_object(w: &mut World) -> Outcome {
    let (kind, check) = ("an object deleted from the store", "objects");
    let (key, original) = operator::object(&w.platform, &w.plain.to_string()).await;
    w.platform.object_store().delete(&key).await.unwrap();
    let outcome = w.audit_both(kind, check).await;
    let report = w.live().await;
    assert_eq!(report.checks.len(), 6);
    assert_eq!(
        report.failed_checks(),
        vec!["objects"],
        "{}",
        report.to_text()
    );
    let failures = &report.check("objects").unwrap().failures;
    let named: Vec<_> = failures.iter().map(|f| (&f.subject, &f.reason)).collect();
    let missing = "its object is missing";
    assert!(
        named.len() == 1
            && *named[0].0 == format!("document {}", w.plain)
            && named[0].1.ends_with(missing),
        "{named:?}"
    );
    let err = w
        .orgs
        .north_practitioner
        .open_document(
            w.plain,
            &OpenTarget::Dir(w.platform.dir.path().join("o")),
            true,
            NoProgress,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the stored ciphertext of this document is missing"),
        "{err}"
    );
    operator::put_object(&w.platform, &key, original).await;
    assert!(w.opens(&w.orgs.north_practitioner, w.plain).await);
    outcome
}

/// Flips one bit inside the base64 `wrapped` bytes of an envelope stored as JSON.
fn flip_wrapped(envelope_json: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(envelope_json).unwrap();
    let wrapped = value["wrapped"].as_str().unwrap();
    let mut bytes = vault_core::b64::decode(wrapped).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    value["wrapped"] = serde_json::Value::String(vault_core::b64::encode(&bytes));
    value.to_string()
}

/// The wrapped bytes of a document's envelope.
async fn envelope_byte(w: &mut World) -> Outcome {
    let (kind, check) = ("an envelope's wrapped bytes", "envelopes");
    let id = w.plain.to_string();
    let original = operator::text(
        &w.platform,
        "SELECT envelope FROM documents WHERE id = $1",
        &id,
    )
    .await;
    let sql = "UPDATE documents SET envelope = $1 WHERE id = $2";
    assert_eq!(
        operator::exec(&w.platform, sql, &[&flip_wrapped(&original), &id]).await,
        1
    );
    let mut outcome = w.audit_both(kind, check).await;
    let client = !w.opens(&w.orgs.north_practitioner, w.plain).await;
    operator::exec(&w.platform, sql, &[&original, &id]).await;
    outcome.client = Some(client);
    outcome
}

/// A member's organisation-key envelope put in another member's place: every byte and
/// signature of it is genuine, only the slot is not the one it was wrapped for.
async fn swapped_member_envelope(w: &mut World) -> Outcome {
    let (kind, check) = ("a member's envelope swapped in", "envelopes");
    let manager = w.orgs.north_manager.keystore().user_id.to_string();
    let practitioner = w.orgs.north_practitioner.keystore().user_id.to_string();
    let read = "SELECT envelope FROM member_envelopes WHERE user_id = $1";
    let original = operator::text(&w.platform, read, &practitioner).await;
    let managers = operator::text(&w.platform, read, &manager).await;
    let sql = "UPDATE member_envelopes SET envelope = $1 WHERE user_id = $2";
    assert_eq!(
        operator::exec(&w.platform, sql, &[&managers, &practitioner]).await,
        1
    );
    let mut outcome = w.audit_both(kind, check).await;
    let live = w.live().await;
    let named = format!("not to a key the log certified for member {practitioner}");
    assert!(live.to_text().contains(&named), "{}", live.to_text());
    let client = !w.opens(&w.orgs.north_practitioner, w.plain).await;
    operator::exec(&w.platform, sql, &[&original, &practitioner]).await;
    outcome.client = Some(client);
    outcome
}

/// One byte of a document's signed statement as the database keeps it.
async fn statement_byte(w: &mut World) -> Outcome {
    let (kind, check) = ("a byte of a signed statement", "objects");
    let id = w.plain.to_string();
    let original = operator::text(
        &w.platform,
        "SELECT statement FROM documents WHERE id = $1",
        &id,
    )
    .await;
    let mut value: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut bytes = vault_core::b64::decode(value["statement"].as_str().unwrap()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    value["statement"] = serde_json::Value::String(vault_core::b64::encode(&bytes));
    let sql = "UPDATE documents SET statement = $1 WHERE id = $2";
    operator::exec(&w.platform, sql, &[&value.to_string(), &id]).await;
    let mut outcome = w.audit_both(kind, check).await;
    let client = !w.opens(&w.orgs.north_practitioner, w.plain).await;
    operator::exec(&w.platform, sql, &[&original, &id]).await;
    outcome.client = Some(client);
    outcome
}

/// Brightwater's published organisation key, replaced by one the operator holds.
async fn published_org_key(w: &mut World) -> Outcome {
    let (kind, check) = ("an organisation's published key", "directory");
    let org = w.orgs.bright.to_string();
    let original =
        operator::text(&w.platform, "SELECT org_key FROM orgs WHERE id = $1", &org).await;
    let planted = vault_core::keys::SecretKey::generate()
        .public_key()
        .to_string();
    let sql = "UPDATE orgs SET org_key = $1 WHERE id = $2";
    operator::exec(&w.platform, sql, &[&planted, &org]).await;
    let mut outcome = w.audit_both(kind, check).await;
    // The next client to wrap a key to Brightwater refuses the planted key.
    let client = w
        .orgs
        .north_practitioner
        .share(w.plain, w.orgs.bright)
        .await
        .is_err();
    operator::exec(&w.platform, sql, &[&original, &org]).await;
    outcome.client = Some(client);
    outcome
}

/// A member's published encryption key, replaced.
async fn published_member_key(w: &mut World) -> Outcome {
    let (kind, check) = ("a member's published key", "directory");
    let user = w.orgs.north_practitioner.keystore().user_id.to_string();
    let sql_get = "SELECT encryption_key FROM users WHERE id = $1";
    let original = operator::text(&w.platform, sql_get, &user).await;
    let planted = vault_core::keys::SecretKey::generate()
        .public_key()
        .to_string();
    let sql = "UPDATE users SET encryption_key = $1 WHERE id = $2";
    operator::exec(&w.platform, sql, &[&planted, &user]).await;
    let outcome = w.audit_both(kind, check).await;
    operator::exec(&w.platform, sql, &[&original, &user]).await;
    outcome
}

/// The share row of a shared document, deleted: the database now hides a grant the log shows.
async fn deleted_share_row(w: &mut World) -> Outcome {
    let (kind, check) = ("a deleted row (a share)", "access-ledger");
    let doc = w.shared.to_string();
    let pool = operator::db(&w.platform).await;
    let row: (String, String, String, String, String, i64) = sqlx::query_as(
        "SELECT document_id, to_org, from_org, envelope, statement, created_at FROM shares \
         WHERE document_id = $1",
    )
    .bind(&doc)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    operator::exec(
        &w.platform,
        "DELETE FROM shares WHERE document_id = $1",
        &[&doc],
    )
    .await;
    let outcome = w.audit_both(kind, check).await;
    let pool = operator::db(&w.platform).await;
    sqlx::query(
        "INSERT INTO shares (document_id, to_org, from_org, envelope, statement, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.0)
    .bind(row.1)
    .bind(row.2)
    .bind(row.3)
    .bind(row.4)
    .bind(row.5)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    outcome
}

/// An age secret key left in a table the auditor sees (an organisation's name), as a careless
/// or dishonest operator might keep a copy of a key.
async fn planted_secret_key(w: &mut World) -> Outcome {
    let (kind, check) = ("a secret key kept in a table", "no-keys");
    let org = w.orgs.bright.to_string();
    let original = operator::text(&w.platform, "SELECT name FROM orgs WHERE id = $1", &org).await;
    let secret = vault_core::keys::SecretKey::generate();
    let planted = secret.expose_secret_string();
    let planted = secrecy::ExposeSecret::expose_secret(&planted).to_owned();
    let sql = "UPDATE orgs SET name = $1 WHERE id = $2";
    operator::exec(&w.platform, sql, &[&planted, &org]).await;
    let outcome = w.audit_both(kind, check).await;
    operator::exec(&w.platform, sql, &[&original, &org]).await;
    outcome
}
