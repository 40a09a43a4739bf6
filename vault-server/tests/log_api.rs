//! The log's HTTP API: proofs that verify against the signed checkpoint, a tree rebuilt from
//! the leaves, one checkpoint per size, witness cosignatures, the exact refusals of bad
//! parameters and of non-auditors, and the log key made once and printed at start. Runs on
//! SQLite and, with `VAULT_TEST_BACKEND=postgres`, on PostgreSQL.

// Product names such as SQLite and PostgreSQL are prose here, not code.
#![allow(clippy::doc_markdown)]

mod common;
mod log_support;

use std::io::BufRead as _;

use log_support::{auditor, checkpoint, leaf_bytes, log_key};
use reqwest::StatusCode;
use vault_core::api::{ConsistencyProof, CosignRequest, InclusionProof, LogCheckpoint, LogEntry};
use vault_core::checkpoint::{Checkpoint, Cosignature, SignedCheckpoint, WitnessKey};
use vault_core::keys::SigningKey;
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{self, MemoryTree};
use vault_core::statement::Role;

async fn get_json<T: serde::de::DeserializeOwned>(
    server: &common::Server,
    path: &str,
    token: &str,
) -> T {
    let resp = server.get(path, token).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

fn hashes(proof: Vec<vault_core::api::HexHash>) -> Vec<merkle::Hash> {
    proof.into_iter().map(|h| h.0).collect()
}

#[tokio::test]
async fn proofs_verify_against_the_signed_checkpoint_and_the_leaves_rebuild_it() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&north, &mgr, "NC-1").await;
    let older = checkpoint(&server, &mgr.token).await.checkpoint;
    let practitioner = server.add_member(&north, &mgr, Role::Practitioner).await;
    let sealed = common::seal(&north, &practitioner, &case, b"assessment");
    let resp = server.upload(&practitioner.token, case.id, &sealed).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    // Any member may check: the practitioner, not an auditor, asks for everything below.
    let token = &practitioner.token;
    let newer = checkpoint(&server, token).await.checkpoint;
    assert!(older.size < newer.size);
    assert_eq!(newer.origin, "case-vault.localhost/log");

    let bytes = leaf_bytes(&server, &audit, 0, newer.size).await;
    let mut tree = MemoryTree::new();
    for (index, leaf) in bytes.iter().enumerate() {
        tree.push(merkle::leaf_hash(leaf));
        for cp in [&older, &newer] {
            if index as u64 >= cp.size {
                continue;
            }
            let path = format!("/v1/log/proof/inclusion?index={index}&size={}", cp.size);
            let proof: InclusionProof = get_json(&server, &path, token).await;
            assert_eq!((proof.index, proof.size), (index as u64, cp.size));
            let leaf_hash = merkle::leaf_hash(leaf);
            let proof = hashes(proof.proof);
            merkle::verify_inclusion(&leaf_hash, index as u64, cp.size, &proof, &cp.root).unwrap();
        }
    }
    assert_eq!(tree.root(), newer.root);
    assert_eq!(tree.root_at(older.size).unwrap(), older.root);

    let path = format!(
        "/v1/log/proof/consistency?from={}&to={}",
        older.size, newer.size
    );
    let proof: ConsistencyProof = get_json(&server, &path, token).await;
    let proof = hashes(proof.proof);
    merkle::verify_consistency(older.size, newer.size, &older.root, &newer.root, &proof).unwrap();
    for (from, to) in [(0, newer.size), (newer.size, newer.size)] {
        let path = format!("/v1/log/proof/consistency?from={from}&to={to}");
        let proof: ConsistencyProof = get_json(&server, &path, token).await;
        assert!(proof.proof.is_empty(), "{path}");
    }

    // The leaf of the practitioner's own action, found by the statement they signed.
    let digest = hex::encode(sealed.manifest.statement.digest());
    let entry: LogEntry = get_json(&server, &format!("/v1/log/by-statement/{digest}"), token).await;
    assert_eq!(
        entry.leaf.as_bytes(),
        bytes[entry.index as usize].as_slice()
    );
    let leaf = LogLeaf::decode(entry.leaf.as_bytes()).unwrap();
    assert_eq!(leaf.action, "document.sealed");
    assert_eq!(leaf.statement, Some(sealed.manifest.statement.clone()));
    let missing = format!("/v1/log/by-statement/{}", hex::encode([7u8; 32]));
    assert_eq!(
        server.get(&missing, token).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_checkpoint_is_signed_once_per_size() {
    let server = common::start().await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let first: LogCheckpoint = get_json(&server, "/v1/log/checkpoint", &mgr.token).await;
    let again: LogCheckpoint = get_json(&server, "/v1/log/checkpoint", &server.admin_token).await;
    assert_eq!(first, again);
    server.create_case(&north, &mgr, "NC-1").await;
    let grown: LogCheckpoint = get_json(&server, "/v1/log/checkpoint", &mgr.token).await;
    assert_ne!(first, grown);
    assert_eq!(server.rows("log_checkpoints").await, 2);
    let opened = SignedCheckpoint::open(&grown.note, &log_key(&server)).unwrap();
    assert_eq!(opened.checkpoint.size, 6);
    assert!(opened.cosignatures.is_empty());
}

#[tokio::test]
async fn bad_query_parameters_are_refused_with_the_rule() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    server.found_org("Northshire Council").await;
    let inclusion = "index and size are required whole numbers, index below size, and size at \
                     most the log's size";
    let consistency = "from and to are required whole numbers, from at most to, and to at most \
                       the log's size";
    let leaves = "start and end are required whole numbers, start below end, end at most the \
                  log's size, and at most 1000 leaves at once";
    let listing = "after is 0 or more and limit is 1 to 1000";
    let witness = "witness is a key name of 1 to 200 characters without spaces or '+'";
    let digest = "the statement digest is 64 lower-case hex digits";
    for (path, message) in [
        ("/v1/log/proof/inclusion?index=4&size=4", inclusion),
        ("/v1/log/proof/inclusion?index=0&size=5", inclusion),
        ("/v1/log/proof/inclusion?index=-1&size=2", inclusion),
        ("/v1/log/proof/inclusion?index=one&size=2", inclusion),
        ("/v1/log/proof/inclusion?index=0", inclusion),
        ("/v1/log/proof/consistency?from=3&to=2", consistency),
        ("/v1/log/proof/consistency?from=1&to=5", consistency),
        ("/v1/log/proof/consistency?from=1", consistency),
        ("/v1/log/proof/consistency?from=1.5&to=2", consistency),
        ("/v1/log/leaves?start=1&end=1", leaves),
        ("/v1/log/leaves?start=0&end=5", leaves),
        ("/v1/log/leaves?start=0&end=18446744073709551616", leaves),
        ("/v1/log/leaves?end=2", leaves),
        ("/v1/log/checkpoints?limit=0", listing),
        ("/v1/log/checkpoints?limit=1001", listing),
        ("/v1/log/checkpoints?after=-1", listing),
        ("/v1/log/checkpoint?witness=", witness),
        ("/v1/log/checkpoint?witness=a%20b", witness),
        ("/v1/log/checkpoint?witness=a%2Bb", witness),
        ("/v1/log/by-statement/abc", digest),
        (&format!("/v1/log/by-statement/{}", "AB".repeat(32)), digest),
    ] {
        let resp = server.get(path, &audit).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(common::error_message(resp).await, message, "{path}");
    }
    // Regression: an `after` past i64::MAX reached the database and answered 500.
    for after in ["9223372036854775808", "18446744073709551615"] {
        let path = format!("/v1/log/checkpoints?after={after}");
        let resp = server.get(&path, &audit).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let listed: Vec<serde_json::Value> = resp.json().await.unwrap();
        assert!(listed.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn members_get_403_on_auditor_routes_pending_members_on_all_strangers_401() {
    let server = common::start().await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let cosign = CosignRequest {
        witness_key: String::new(),
        cosignature: String::new(),
        size: 1,
    };
    let auditor_only = [
        server.get("/v1/log/leaves?start=0&end=1", &mgr.token).await,
        server.get("/v1/log/checkpoints", &mgr.token).await,
        server
            .post("/v1/log/cosignatures", &mgr.token, &cosign)
            .await,
        server
            .get("/v1/log/leaves?start=0&end=1", &server.admin_token)
            .await,
    ];
    for resp in auditor_only {
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            common::error_message(resp).await,
            "only an auditor may do this"
        );
    }
    let pending = server
        .register_pending(north.id, "pending@north.example")
        .await;
    let pending = server.login(&pending.email, common::PASSWORD).await.token;
    for path in [
        "/v1/log/checkpoint",
        "/v1/log/proof/inclusion?index=0&size=1",
        "/v1/log/proof/consistency?from=0&to=1",
        "/v1/log/by-statement/0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let resp = server.get(path, &pending).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        let message = common::error_message(resp).await;
        assert_eq!(message, "a manager has not approved this account yet");
    }
    for path in [
        "/v1/log/checkpoint",
        "/v1/log/proof/inclusion?index=0&size=1",
        "/v1/log/proof/consistency?from=0&to=1",
        "/v1/log/leaves?start=0&end=1",
        "/v1/log/by-statement/0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let resp = server.get(path, "not-a-token").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

/// A witness's key pair under `name`.
fn witness(name: &str) -> (WitnessKey, SigningKey) {
    let key = SigningKey::generate().unwrap();
    let public = WitnessKey {
        name: name.to_owned(),
        key: key.verifying_key(),
    };
    (public, key)
}

async fn cosign(server: &common::Server, token: &str, req: &CosignRequest) -> reqwest::Response {
    server.post("/v1/log/cosignatures", token, req).await
}

#[tokio::test]
async fn witness_cosignatures_are_checked_stored_and_cosigned() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let made = checkpoint(&server, &audit).await.checkpoint;
    let (wit, wit_key) = witness("witness.example/a");
    let line = Cosignature::sign(&made, &wit, &wit_key, 1_800_000_000).to_line();
    let req = CosignRequest {
        witness_key: wit.to_vkey(),
        cosignature: line.clone(),
        size: made.size,
    };
    let resp = cosign(&server, &audit, &req).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let cosigned: LogCheckpoint = resp.json().await.unwrap();
    assert!(cosigned.note.ends_with(&format!("\n{line}\n")));
    let opened = SignedCheckpoint::open(&cosigned.note, &log_key(&server)).unwrap();
    assert_eq!(opened.cosignatures.len(), 1);
    opened.cosignatures[0]
        .verify(&opened.checkpoint, &wit)
        .unwrap();

    let cosigned = renewals(&server, &audit, (&req, &wit_key), &cosigned).await;
    // The log grows; the latest checkpoint carries no cosignature, the witnessed one stays.
    server.create_case(&north, &mgr, "NC-1").await;
    let latest = checkpoint(&server, &mgr.token).await;
    assert!(latest.cosignatures.is_empty());
    let path = "/v1/log/checkpoint?witness=witness.example/a";
    let witnessed: LogCheckpoint = get_json(&server, path, &mgr.token).await;
    assert_eq!(witnessed, cosigned);
    let path = "/v1/log/checkpoint?witness=witness.example/b";
    assert_eq!(
        server.get(path, &mgr.token).await.status(),
        StatusCode::NOT_FOUND
    );
    let listed: Vec<LogCheckpoint> = get_json(&server, "/v1/log/checkpoints", &audit).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], cosigned);
    assert_eq!(listed[1].note, latest.note);
    let after: Vec<LogCheckpoint> = get_json(
        &server,
        &format!("/v1/log/checkpoints?after={}", made.size),
        &audit,
    )
    .await;
    assert_eq!(after, listed[1..]);

    refusals(&server, &audit, &made).await;
}

/// The witness that made `req` (its cosignature in `first`, at 1 800 000 000) with `wit_key`
/// hands in the same one, a later and older ones: only the later replaces it. Returns the note
/// carrying that one.
async fn renewals(
    server: &common::Server,
    audit: &str,
    (req, wit_key): (&CosignRequest, &SigningKey),
    first: &LogCheckpoint,
) -> LogCheckpoint {
    let key = log_key(server);
    let opened = SignedCheckpoint::open(&first.note, &key).unwrap();
    let wit = WitnessKey::parse_vkey(&req.witness_key).unwrap();
    let at = |time: u64, line: &str| {
        let cosignatures = SignedCheckpoint::open(line, &key).unwrap().cosignatures;
        assert_eq!(cosignatures.len(), 1, "{line}");
        cosignatures[0].verify(&opened.checkpoint, &wit).unwrap();
        assert_eq!(cosignatures[0].time, time);
    };
    // The same one again changes nothing.
    let resp = cosign(server, audit, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(&resp.json::<LogCheckpoint>().await.unwrap(), first);
    at(1_800_000_000, &first.note);
    // A later one by the same key, however signed, replaces it.
    let later = Cosignature::sign(&opened.checkpoint, &wit, wit_key, 1_800_000_600).to_line();
    let renew = CosignRequest {
        cosignature: later.clone(),
        ..req.clone()
    };
    let resp = cosign(server, audit, &renew).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let renewed: LogCheckpoint = resp.json().await.unwrap();
    assert!(renewed.note.ends_with(&format!("\n{later}\n")));
    at(1_800_000_600, &renewed.note);
    // An older one (the first again, or one older still) does not replace the later one.
    let older = Cosignature::sign(&opened.checkpoint, &wit, wit_key, 1_799_999_000).to_line();
    for line in [req.cosignature.clone(), older] {
        let stale = CosignRequest {
            cosignature: line,
            ..req.clone()
        };
        let resp = cosign(server, audit, &stale).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<LogCheckpoint>().await.unwrap(), renewed);
    }
    let latest: LogCheckpoint = get_json(server, "/v1/log/checkpoint", audit).await;
    assert_eq!(latest, renewed);
    renewed
}

/// Cosignatures that do not fit are refused, and nothing is stored for them.
async fn refusals(server: &common::Server, audit: &str, signed: &Checkpoint) {
    let bad_line = "cosignature is not one cosignature line by that witness key over that \
                    checkpoint";
    let bad_key = "witness_key is not a witness verifier key (name+keyid+base64)";
    let (wit, wit_key) = witness("witness.example/c");
    let (other, _) = witness("witness.example/c");
    let forged = Checkpoint {
        root: [9; 32],
        ..signed.clone()
    };
    let good = Cosignature::sign(signed, &wit, &wit_key, 1_800_000_000).to_line();
    let over_forged = Cosignature::sign(&forged, &wit, &wit_key, 1_800_000_000).to_line();
    let request = |witness_key: String, cosignature: String| CosignRequest {
        witness_key,
        cosignature,
        size: signed.size,
    };
    for (req, status, message) in [
        (request(wit.to_vkey(), over_forged), 400, bad_line),
        (request(other.to_vkey(), good.clone()), 400, bad_line),
        (
            request(wit.to_vkey(), format!("{good}\n{good}")),
            400,
            bad_line,
        ),
        (
            request(wit.to_vkey(), "— witness.example/c AAAA".into()),
            400,
            bad_line,
        ),
        (
            request(log_key(server).to_vkey(), good.clone()),
            400,
            bad_key,
        ),
        (
            request("witness.example/c".into(), good.clone()),
            400,
            bad_key,
        ),
    ] {
        let resp = cosign(server, audit, &req).await;
        assert_eq!(resp.status().as_u16(), status, "{req:?}");
        assert_eq!(common::error_message(resp).await, message, "{req:?}");
    }
    let never = CosignRequest {
        size: signed.size + 1000,
        ..request(wit.to_vkey(), good)
    };
    assert_eq!(
        cosign(server, audit, &never).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(server.rows("log_cosignatures").await, 1);
}

#[tokio::test]
async fn the_log_key_is_made_once_and_kept_across_restarts() {
    let server = common::start().await;
    let path = server.settings.log_key_path();
    assert_eq!(path, server.dir.path().join("log-signing-key.p8"));
    let stored = std::fs::read(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = vault_server::App::new(server.settings.clone())
        .await
        .unwrap();
    assert_eq!(again.log_vkey(), log_key(&server).to_vkey());
    assert_eq!(std::fs::read(&path).unwrap(), stored);
    // Checkpoints signed before the restart still open with the key clients pinned.
    let opened = checkpoint(&server, &server.admin_token).await;
    assert_eq!(opened.checkpoint.origin, server.settings.log_origin);
}

#[tokio::test]
async fn a_database_from_before_the_log_gets_its_history_backfilled_once() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    server.found_org("Northshire Council").await;
    // What a database migrated from before the log holds: organisations, and an empty log.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&server.database_url).await.unwrap();
    for sql in [
        "DELETE FROM log_leaves",
        "DELETE FROM log_nodes",
        "DELETE FROM log_checkpoints",
        "UPDATE log_head SET size = 0",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    for _ in 0..2 {
        vault_server::App::new(server.settings.clone())
            .await
            .unwrap();
    }
    let leaves = log_support::leaves_since(&server, &audit, 0).await;
    // One `log.started` leaf and the founding's four, however often the server starts (the
    // whole backfill is tested in tests/tests/log_backfill.rs).
    let actions: Vec<&str> = leaves.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "log.started",
            "org.created",
            "org.founded",
            "user.registered",
            "key.wrapped"
        ]
    );
    assert_eq!(leaves[0].object_id, "earlier-history-backfilled:4");
}

/// Ends the server process when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_prints_the_log_key_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vault-server"));
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--log-origin", "north.example/log"])
        .env_remove("VAULT_LOG_KEY_FILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if let Some(url) = common::test_database().await {
        cmd.env("VAULT_DATABASE_URL", url);
    }
    let mut child = Child(cmd.spawn().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .next()
            .unwrap()
            .unwrap()
    })
    .await
    .unwrap();
    let pkcs8 = std::fs::read(dir.path().join("log-signing-key.p8")).unwrap();
    let key = vault_core::checkpoint::NoteKey {
        name: "north.example/log".to_owned(),
        key: SigningKey::from_pkcs8(&pkcs8).unwrap().verifying_key(),
    };
    assert_eq!(first, format!("log public key: {}", key.to_vkey()));
    assert!(first.starts_with("log public key: north.example/log+"));
}
