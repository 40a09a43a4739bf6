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

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use vault_core::api::OrgDirectory;
use vault_core::checkpoint::{
    add_signature_lines, Cosignature, NoteKey, SignedCheckpoint, WitnessKey,
};
use vault_core::ids::OrgId;
use vault_core::keys::{SecretKey, SigningKey};
use vault_core::statement::{Claim, Role, SignedStatement, Statement};
use vault_tests::platform::{password, seal_text, Platform};

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

fn directory_path(org: OrgId) -> String {
    format!("/v1/orgs/{org}/directory")
}

fn directory(answers: &Answers, org: OrgId) -> OrgDirectory {
    serde_json::from_value(answers[&directory_path(org)].clone()).unwrap()
}

/// `answers` with `org`'s directory replaced by what `change` makes of it.
fn with_directory(
    answers: &Answers,
    org: OrgId,
    change: impl FnOnce(&mut OrgDirectory),
) -> Answers {
    let mut dir = directory(answers, org);
    change(&mut dir);
    let mut lied = answers.clone();
    lied.insert(directory_path(org), serde_json::to_value(dir).unwrap());
    lied
}

fn new_public_key() -> vault_core::keys::PublicKey {
    SecretKey::generate().public_key()
}

/// The organisation's key replaced by one nobody in it published.
fn org_key_swapped(answers: &Answers, org: OrgId) -> Answers {
    with_directory(answers, org, |dir| {
        let key = new_public_key();
        let rogue = SigningKey::generate().unwrap();
        let claim = Claim::OrgKeyPublished {
            org,
            version: 1,
            key: key.clone(),
        };
        dir.org_key_statements = vec![Statement::now(claim).sign(&rogue)];
        dir.org.org_key = Some(key);
    })
}

/// A whole new root, key chain and manager certificate: valid in itself, but not the root seen
/// before.
fn re_rooted(answers: &Answers, org: OrgId) -> Answers {
    with_directory(answers, org, |dir| {
        let root = SigningKey::generate().unwrap();
        let key = new_public_key();
        let claim = Claim::OrgKeyPublished {
            org,
            version: 1,
            key: key.clone(),
        };
        dir.org_key_statements = vec![Statement::now(claim).sign(&root)];
        dir.org.org_key = Some(key);
        dir.org.org_key_version = Some(1);
        dir.org.root_signing_key = Some(root.verifying_key());
        for member in &mut dir.members {
            member.certificate = (member.role == Some(Role::Manager)).then(|| {
                let claim = Claim::MemberCertified {
                    org,
                    user: member.user_id,
                    role: Role::Manager,
                    encryption_key: member.encryption_key.clone(),
                    signing_key: member.signing_key,
                };
                Statement::now(claim).sign(&root)
            });
        }
    })
}

/// A member's encryption key replaced; with `certifier`, re-certified by that manager.
fn member_substituted(
    answers: &Answers,
    org: OrgId,
    user: vault_core::ids::UserId,
    certifier: Option<&SigningKey>,
) -> Answers {
    with_directory(answers, org, |dir| {
        let member = dir.members.iter_mut().find(|m| m.user_id == user).unwrap();
        member.encryption_key = new_public_key();
        if let Some(manager) = certifier {
            let claim = Claim::MemberCertified {
                org,
                user,
                role: Role::Practitioner,
                encryption_key: member.encryption_key.clone(),
                signing_key: member.signing_key,
            };
            member.certificate = Some(Statement::now(claim).sign(manager));
        }
    })
}

/// The inclusion proof of `org`'s first key statement with one byte flipped.
fn proof_flipped(answers: &Answers, org: OrgId, size: u64) -> Answers {
    let first = &directory(answers, org).org_key_statements[0];
    let entry = &answers[&format!("/v1/log/by-statement/{}", hex::encode(first.digest()))];
    let index = entry["index"].as_u64().unwrap();
    let path = format!("/v1/log/proof/inclusion?index={index}&size={size}");
    let mut lied = answers.clone();
    let hash = lied.get_mut(&path).unwrap()["proof"][0].take();
    let mut bytes = hex::decode(hash.as_str().unwrap()).unwrap();
    bytes[0] ^= 0x01;
    lied.get_mut(&path).unwrap()["proof"][0] = Value::String(hex::encode(bytes));
    lied
}

/// The same checkpoint, signed under the log's name by a key that is not the log's.
fn checkpoint_by_another_key(answers: &Answers, key: &NoteKey) -> Answers {
    let note = answers["/v1/log/checkpoint"]["note"].as_str().unwrap();
    let checkpoint = SignedCheckpoint::open(note, key).unwrap().checkpoint;
    let mut lied = answers.clone();
    let forged = checkpoint.sign(&SigningKey::generate().unwrap());
    lied.insert("/v1/log/checkpoint".into(), json!({ "note": forged }));
    lied
}

/// A witness an auditor would run, and how old a cosignature its clients accept.
struct Witness {
    key: WitnessKey,
    signer: SigningKey,
}

const WITNESS_MAX_AGE: u64 = 3600;

impl Witness {
    fn new() -> Self {
        let signer = SigningKey::generate().unwrap();
        let key = WitnessKey {
            name: "auditor.example/witness".into(),
            key: signer.verifying_key(),
        };
        Self { key, signer }
    }

    /// The answers with the latest checkpoint cosigned `age` seconds ago by `by`.
    fn cosigned(&self, answers: &Answers, log: &NoteKey, by: &SigningKey, age: u64) -> Answers {
        let note = answers["/v1/log/checkpoint"]["note"].as_str().unwrap();
        let checkpoint = SignedCheckpoint::open(note, log).unwrap().checkpoint;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let line = Cosignature::sign(&checkpoint, &self.key, by, now - age).to_line();
        let mut out = answers.clone();
        let path = "/v1/log/checkpoint?witness=auditor.example%2Fwitness";
        let cosigned = add_signature_lines(note, &[line]);
        out.insert(path.into(), json!({ "note": cosigned }));
        out
    }
}

/// The case's first document with its stored ciphertext digest changed.
fn document_changed(answers: &Answers, case_path: &str) -> Answers {
    let mut lied = answers.clone();
    lied.get_mut(case_path).unwrap()["documents"][0]["ciphertext_sha256"] =
        Value::String(hex::encode([0x5a; 32]));
    lied
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_accepts_a_real_organisation_and_refuses_each_lie_about_it() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let practitioner = &orgs.north_practitioner;
    let case = practitioner.create_case("NC-2026-0042").await.unwrap();
    let plain = platform.plain_files("plain");
    seal_text(practitioner, case, &plain, "placement-report.txt", 3).await;

    let mut server = Recorder::sign_in(&platform, "north-practitioner").await;
    let mut statements = Vec::new();
    for org in [orgs.north, orgs.bright] {
        let dir: OrgDirectory =
            serde_json::from_value(server.get(&directory_path(org)).await).unwrap();
        statements.extend(statements_of(&dir));
    }
    let log_key = server.get("/v1/log/key").await;
    let log_key = NoteKey::parse_vkey(log_key["vkey"].as_str().unwrap()).unwrap();
    let note = server.get("/v1/log/checkpoint").await;
    let size = SignedCheckpoint::open(note["note"].as_str().unwrap(), &log_key)
        .unwrap()
        .checkpoint
        .size;
    server.prove(&statements, size).await;
    let case_path = format!("/v1/cases/{case}");
    server.get(&case_path).await;
    let witness = Witness::new();
    let answers = witness.cosigned(&server.answers, &log_key, &witness.signer, 60);

    let user = practitioner.keystore().user_id;
    let manager_key = orgs.north_manager.keystore().signing_key();
    let lies = [
        (
            "org-key-swapped",
            org_key_swapped(&answers, orgs.bright),
            "org-key-chain",
        ),
        (
            "root-swapped",
            re_rooted(&answers, orgs.bright),
            "pin-changed",
        ),
        (
            "member-key-substituted",
            member_substituted(&answers, orgs.north, user, Some(manager_key)),
            "pin-changed",
        ),
        (
            "member-uncertified",
            member_substituted(&answers, orgs.north, user, None),
            "not-certified",
        ),
        (
            "proof-flipped",
            proof_flipped(&answers, orgs.bright, size),
            "key-not-logged",
        ),
        (
            "checkpoint-other-key",
            checkpoint_by_another_key(&answers, &log_key),
            "log-signature",
        ),
        (
            "document-changed",
            document_changed(&answers, &case_path),
            "not-genuine",
        ),
        (
            "witness-stale",
            witness.cosigned(&answers, &log_key, &witness.signer, 2 * WITNESS_MAX_AGE),
            "log-witness",
        ),
        (
            "witness-forged",
            witness.cosigned(&answers, &log_key, &SigningKey::generate().unwrap(), 60),
            "log-witness",
        ),
    ];

    let dir = tempfile::tempdir().unwrap();
    let meta = json!({
        "org": orgs.north, "other": orgs.bright, "user": user, "case": case,
        "witness": { "vkey": witness.key.to_vkey(), "max_age_secs": WITNESS_MAX_AGE },
    });
    write(
        &dir.path().join("clean.json"),
        &json!({ "meta": meta, "answers": answers }),
    );
    std::fs::create_dir(dir.path().join("tampered")).unwrap();
    for (name, lied, expect) in &lies {
        assert_ne!(*lied, answers, "{name} changes nothing");
        let file = dir.path().join("tampered").join(format!("{name}.json"));
        write(&file, &json!({ "expect": expect, "answers": lied }));
    }

    let Some(results) = run_node(dir.path()) else {
        return;
    };
    assert_eq!(results["clean"], "accepted", "{results:#}");
    for (name, _, expect) in &lies {
        assert_eq!(
            results["tampered"][name]["code"], *expect,
            "{name}: {results:#}"
        );
    }
}
