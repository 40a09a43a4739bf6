//! Cross-language check of the browser's trust checks (web/src/verify) against a real server.
//!
//! Northshire (manager and practitioner) and Brightwater (manager) are made on a test platform
//! with the Rust client, and the practitioner seals a document into a new case. The test then
//! fetches, as that practitioner, everything a page needs before sealing to or opening from
//! those organisations (both directories, the log key and checkpoint, the leaf and inclusion
//! proof of every statement in them, the case) and writes the answers to a temporary directory
//! with copies in which the server lies once each: a swapped organisation key, a re-rooted
//! organisation, a member's keys substituted (with and without a valid certificate), a proof
//! with a flipped byte, a checkpoint signed by another key, a document's digest changed, and a
//! witness's cosignature (made here with the Rust code) too old or by another key. It
//! runs `node web/test/verify_vectors.mjs DIR`, which must accept the genuine answers and
//! refuse each lie with the code the command-line client's refusal corresponds to.
//!
//! Without `node` it is skipped with a message, unless `VAULT_REQUIRE_BROWSER=1` (CI), where a
//! missing `node` fails it.

#[path = "web_verify_vectors/lies.rs"]
mod lies;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use vault_core::api::OrgDirectory;
use vault_core::checkpoint::{NoteKey, SignedCheckpoint};
use vault_core::keys::SigningKey;
use vault_core::statement::SignedStatement;
use vault_tests::platform::{password, seal_text, Platform, TwoOrgs};

use lies::{
    checkpoint_by_another_key, consistency_flipped, directory_path, document_changed,
    member_substituted, org_key_swapped, proof_flipped, re_rooted, rolled_back, Witness,
    WITNESS_MAX_AGE,
};

/// The answers the server gave, by request path, as the page's API wrapper would see them.
type Answers = BTreeMap<String, Value>;

/// A practitioner's bearer session, recording every answer.
struct Recorder {
    http: reqwest::Client,
    url: String,
    token: String,
    answers: Answers,
}

impl Recorder {
    async fn sign_in(platform: &Platform, name: &str) -> Self {
        let http = reqwest::Client::new();
        let body = json!({
            "email": format!("{name}@example.org"),
            "password": secrecy::ExposeSecret::expose_secret(&password(name)),
        });
        let login = json_of(
            http.post(format!("{}/v1/auth/login", platform.url))
                .json(&body),
        )
        .await;
        Self {
            http,
            url: platform.url.clone(),
            token: login["token"].as_str().unwrap().to_owned(),
            answers: Answers::new(),
        }
    }

    async fn get(&mut self, path: &str) -> Value {
        let request = self.http.get(format!("{}{path}", self.url));
        let answer = json_of(request.bearer_auth(&self.token)).await;
        self.answers.insert(path.to_owned(), answer.clone());
        answer
    }

    /// Each statement's leaf and its inclusion proof in the tree of `size` leaves.
    async fn prove(&mut self, statements: &[SignedStatement], size: u64) {
        for statement in statements {
            let digest = hex::encode(statement.digest());
            let entry = self.get(&format!("/v1/log/by-statement/{digest}")).await;
            let index = entry["index"].as_u64().unwrap();
            assert!(
                index < size,
                "leaf {index} is past the checkpoint of size {size}"
            );
            self.get(&format!(
                "/v1/log/proof/inclusion?index={index}&size={size}"
            ))
            .await;
        }
    }
}

/// The JSON of a successful answer.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap().error_for_status().unwrap();
    response.json().await.unwrap()
}

/// Every statement a directory shows: its key chain and its members' certificates.
fn statements_of(dir: &OrgDirectory) -> Vec<SignedStatement> {
    let certificates = dir.members.iter().filter_map(|m| m.certificate.clone());
    dir.org_key_statements
        .iter()
        .cloned()
        .chain(certificates)
        .collect()
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// Runs the JavaScript side and reads what it decided; `None` when `node` is absent and CI
/// does not require it.
fn run_node(dir: &Path) -> Option<Value> {
    vault_tests::node::run_script("verify_vectors.mjs", dir, "web verify vectors")?;
    let results = std::fs::read(dir.join("results.json")).unwrap();
    Some(serde_json::from_slice(&results).unwrap())
}

/// What the practitioner's page would be answered, recorded.
struct Recorded {
    answers: Answers,
    log_key: NoteKey,
    /// The checkpoint accepted before the case was made, as a page would have kept it.
    saved: (String, u64),
    size: u64,
    case_path: String,
    case: vault_core::ids::CaseId,
}

/// Makes the organisations, a case and a document, and records every answer a page needs.
async fn record(platform: &Platform, orgs: &TwoOrgs) -> Recorded {
    let mut server = Recorder::sign_in(platform, "north-practitioner").await;
    let log_key = server.get("/v1/log/key").await;
    let log_key = NoteKey::parse_vkey(log_key["vkey"].as_str().unwrap()).unwrap();
    let size_of = |note: &Value| {
        let note = note["note"].as_str().unwrap();
        SignedCheckpoint::open(note, &log_key)
            .unwrap()
            .checkpoint
            .size
    };
    let saved = server.get("/v1/log/checkpoint").await;
    let saved = (saved["note"].as_str().unwrap().to_owned(), size_of(&saved));

    let practitioner = &orgs.north_practitioner;
    let case = practitioner.create_case("NC-2026-0042").await.unwrap();
    let plain = platform.plain_files("plain");
    seal_text(practitioner, case, &plain, "placement-report.txt", 3).await;

    let mut statements = Vec::new();
    for org in [orgs.north, orgs.bright] {
        let dir: OrgDirectory =
            serde_json::from_value(server.get(&directory_path(org)).await).unwrap();
        statements.extend(statements_of(&dir));
    }
    let size = size_of(&server.get("/v1/log/checkpoint").await);
    assert!(size > saved.1, "the case and the document grew the log");
    server
        .get(&format!(
            "/v1/log/proof/consistency?from={}&to={size}",
            saved.1
        ))
        .await;
    server.prove(&statements, size).await;
    let case_path = format!("/v1/cases/{case}");
    server.get(&case_path).await;
    Recorded {
        answers: server.answers,
        log_key,
        saved,
        size,
        case_path,
        case,
    }
}

/// Each lie the server tells, with the refusal code it must meet, and whether the page starts
/// from the checkpoint saved before the case (rather than the latest, as after the clean run).
fn lies(
    r: &Recorded,
    orgs: &TwoOrgs,
    witness: &Witness,
) -> Vec<(&'static str, Answers, &'static str, bool)> {
    let a = &r.answers;
    let user = orgs.north_practitioner.keystore().user_id;
    let manager = orgs.north_manager.keystore().signing_key();
    let other_key = SigningKey::generate().unwrap();
    let old = 2 * WITNESS_MAX_AGE;
    vec![
        (
            "org-key-swapped",
            org_key_swapped(a, orgs.bright),
            "org-key-chain",
            false,
        ),
        (
            "root-swapped",
            re_rooted(a, orgs.bright),
            "pin-changed",
            false,
        ),
        (
            "member-key-substituted",
            member_substituted(a, orgs.north, user, Some(manager)),
            "pin-changed",
            false,
        ),
        (
            "member-uncertified",
            member_substituted(a, orgs.north, user, None),
            "not-certified",
            false,
        ),
        (
            "proof-flipped",
            proof_flipped(a, orgs.bright, r.size),
            "key-not-logged",
            false,
        ),
        (
            "checkpoint-other-key",
            checkpoint_by_another_key(a, &r.log_key),
            "log-signature",
            false,
        ),
        (
            "checkpoint-rolled-back",
            rolled_back(a, &r.saved.0),
            "log-rollback",
            false,
        ),
        (
            "consistency-flipped",
            consistency_flipped(a),
            "log-fork",
            true,
        ),
        (
            "document-changed",
            document_changed(a, &r.case_path),
            "not-genuine",
            false,
        ),
        (
            "witness-stale",
            witness.cosigned(a, &r.log_key, &witness.signer, old),
            "log-witness",
            false,
        ),
        (
            "witness-forged",
            witness.cosigned(a, &r.log_key, &other_key, 60),
            "log-witness",
            false,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_accepts_a_real_organisation_and_refuses_each_lie_about_it() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let recorded = record(&platform, &orgs).await;
    let witness = Witness::new();
    let recorded = Recorded {
        answers: witness.cosigned(&recorded.answers, &recorded.log_key, &witness.signer, 60),
        ..recorded
    };
    let lies = lies(&recorded, &orgs, &witness);

    let dir = tempfile::tempdir().unwrap();
    let (note, size) = &recorded.saved;
    let meta = json!({
        "org": orgs.north, "other": orgs.bright,
        "user": orgs.north_practitioner.keystore().user_id, "case": recorded.case,
        "witness": { "vkey": witness.key.to_vkey(), "max_age_secs": WITNESS_MAX_AGE },
        "saved": { "log_key": recorded.log_key.to_vkey(), "checkpoint": note, "size": size },
    });
    let clean = json!({ "meta": meta, "answers": recorded.answers });
    write(&dir.path().join("clean.json"), &clean);
    std::fs::create_dir(dir.path().join("tampered")).unwrap();
    for (name, lied, expect, from_saved) in &lies {
        assert_ne!(*lied, recorded.answers, "{name} changes nothing");
        let file = dir.path().join("tampered").join(format!("{name}.json"));
        let lie = json!({ "expect": expect, "from_saved": from_saved, "answers": lied });
        write(&file, &lie);
    }

    let Some(results) = run_node(dir.path()) else {
        return;
    };
    assert_eq!(results["clean"], "accepted", "{results:#}");
    for (name, _, expect, _) in &lies {
        assert_eq!(
            results["tampered"][name]["code"], *expect,
            "{name}: {results:#}"
        );
    }
}
