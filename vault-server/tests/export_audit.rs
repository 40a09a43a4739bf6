//! What the server gives an auditor: the auditor routes (directory, envelopes, inventory,
//! access) with their exact shapes and who may call them, and `vault-server export-audit`,
//! whose files must hold exactly the same data, a log that rebuilds the signed root, every
//! object byte for byte, and nothing of e-mails, password hashes, case references or sealed
//! metadata.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{envelope, sign, Case, Org, Person, Sealed, Server, PASSWORD};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vault_core::api::{
    AcceptTransferRequest, DocumentAccessToday, DocumentEnvelope, ExportManifest, InventoryEntry,
    LogCheckpoint, OrgDirectory, ShareRequest, StoredEnvelope, TransferOffer,
};
use vault_core::checkpoint::{NoteKey, SignedCheckpoint};
use vault_core::ids::{CaseId, DocumentId, OrgId, TransferId, UserId};
use vault_core::keys::{PublicKey, SecretKey};
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{leaf_hash, MemoryTree};
use vault_core::statement::{Claim, KeyScope, Role};

/// Two organisations; Northshire's case A has two documents, the first shared with
/// Brightwater; case B, with two documents, was transferred to Brightwater and accepted; case C,
/// with one, waits in an offer.
struct World {
    server: Server,
    auditor: String,
    north: Org,
    north_mgr: Person,
    practitioner: Person,
    bright: Org,
    bright_mgr: Person,
    /// Documents of cases A, B and C, in that order, with their case.
    docs: Vec<(CaseId, Sealed)>,
    transfers: Vec<TransferId>,
    references: Vec<String>,
}

async fn world() -> World {
    let server = common::start().await;
    let (north, north_mgr) = server.found_org("Northshire Council").await;
    let (bright, bright_mgr) = server.found_org("Brightwater Adoption Agency").await;
    let practitioner = server
        .add_member(&north, &north_mgr, Role::Practitioner)
        .await;
    let auditor = auditor(&server).await;
    let mut w = World {
        server,
        auditor,
        north,
        north_mgr,
        practitioner,
        bright,
        bright_mgr,
        docs: Vec::new(),
        transfers: Vec::new(),
        references: Vec::new(),
    };
    let a = case_with(&mut w, "NC-EXPORT-A", 2).await;
    share(&w, &w.docs[0].1).await;
    let b = case_with(&mut w, "NC-EXPORT-B", 2).await;
    let (b_transfer, b_key) = offer(&mut w, &b).await;
    accept(&w, b_transfer, b.id, &b_key).await;
    let c = case_with(&mut w, "NC-EXPORT-C", 1).await;
    offer(&mut w, &c).await;
    let _ = a;
    w
}

async fn auditor(server: &Server) -> String {
    let body = serde_json::json!({
        "user_id": UserId::new(),
        "email": "auditor@example.org",
        "password": PASSWORD,
    });
    let resp = server
        .post("/v1/admin/auditors", &server.admin_token, &body)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    server.login("auditor@example.org", PASSWORD).await.token
}

async fn case_with(w: &mut World, reference: &str, documents: usize) -> Case {
    let case = w
        .server
        .create_case(&w.north, &w.practitioner, reference)
        .await;
    for n in 0..documents {
        let plain = format!("{reference} document {n}");
        let sealed = common::seal(&w.north, &w.practitioner, &case, plain.as_bytes());
        let resp = w
            .server
            .upload(&w.practitioner.token, case.id, &sealed)
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        w.docs.push((case.id, sealed));
    }
    w.references.push(reference.to_owned());
    case
}

async fn share(w: &World, sealed: &Sealed) {
    let (north, bright) = (w.north.id, w.bright.id);
    let env = envelope(
        &w.practitioner.sign,
        north,
        KeyScope::Document(sealed.id),
        &sealed.key,
        &w.bright.key.public_key(),
    );
    let claim = Claim::DocumentShared {
        document: sealed.id,
        from_org: north,
        to_org: bright,
        to_org_key: w.bright.key.fingerprint(),
        envelope_sha256: vault_core::sha256(&env.wrapped),
    };
    let request = ShareRequest {
        to_org: bright,
        statement: sign(&w.practitioner.sign, claim),
        envelope: env,
    };
    let path = format!("/v1/documents/{}/shares", sealed.id);
    let resp = w.server.post(&path, &w.practitioner.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

/// Offers `case` to Brightwater, every document re-wrapped to a fresh case key.
async fn offer(w: &mut World, case: &Case) -> (TransferId, SecretKey) {
    let (mgr, from, to) = (&w.north_mgr, w.north.id, w.bright.id);
    let new_key = SecretKey::generate();
    let wrap = |scope, key: &SecretKey, to: &PublicKey| envelope(&mgr.sign, from, scope, key, to);
    let document_envelopes: Vec<DocumentEnvelope> = w
        .docs
        .iter()
        .filter(|(of, _)| *of == case.id)
        .map(|(_, d)| DocumentEnvelope {
            document_id: d.id,
            envelope: wrap(KeyScope::Document(d.id), &d.key, &new_key.public_key()),
        })
        .collect();
    let claim = Claim::CaseTransferred {
        case: case.id,
        from_org: from,
        to_org: to,
        to_org_key: w.bright.key.fingerprint(),
        new_case_key: new_key.fingerprint(),
        documents: document_envelopes.len() as u64,
    };
    let transfer_id = TransferId::new();
    let request = TransferOffer {
        transfer_id,
        to_org: to,
        new_case_key: new_key.public_key(),
        case_envelope: wrap(
            KeyScope::Case(case.id),
            &new_key,
            &w.bright.key.public_key(),
        ),
        document_envelopes,
        statement: sign(&mgr.sign, claim),
    };
    let path = format!("/v1/cases/{}/transfers", case.id);
    let resp = w.server.post(&path, &mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    w.transfers.push(transfer_id);
    (transfer_id, new_key)
}

async fn accept(w: &World, transfer: TransferId, case: CaseId, new_key: &SecretKey) {
    let claim = Claim::TransferAccepted {
        case,
        from_org: w.north.id,
        to_org: w.bright.id,
        new_case_key: new_key.fingerprint(),
    };
    let request = AcceptTransferRequest {
        statement: sign(&w.bright_mgr.sign, claim),
    };
    let path = format!("/v1/transfers/{transfer}/accept");
    let resp = w.server.post(&path, &w.bright_mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

const ONLY_AUDITORS: &str = "only an auditor may do this";
const ROUTES: [&str; 4] = [
    "/v1/audit/directory",
    "/v1/audit/envelopes",
    "/v1/audit/inventory",
    "/v1/audit/access",
];

async fn get_json<T: DeserializeOwned>(server: &Server, path: &str, token: &str) -> T {
    let resp = server.get(path, token).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

/// Every page of a paged auditor list, `limit` at a time, resuming after `cursor(last)`.
async fn all_pages<T: DeserializeOwned>(
    w: &World,
    route: &str,
    limit: u32,
    cursor: impl Fn(&T) -> String,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    loop {
        let after = out.last().map(|last| format!("&after={}", cursor(last)));
        let path = format!("{route}?limit={limit}{}", after.unwrap_or_default());
        let page: Vec<T> = get_json(&w.server, &path, &w.auditor).await;
        assert!(page.len() <= limit as usize);
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

async fn envelopes(w: &World, limit: u32) -> Vec<StoredEnvelope> {
    all_pages(w, "/v1/audit/envelopes", limit, |e: &StoredEnvelope| {
        format!("{}/{}", e.place, e.owner)
    })
    .await
}

async fn inventory(w: &World, limit: u32) -> Vec<InventoryEntry> {
    all_pages(w, "/v1/audit/inventory", limit, |e: &InventoryEntry| {
        e.document_id.to_string()
    })
    .await
}

async fn access(w: &World, limit: u32) -> Vec<DocumentAccessToday> {
    all_pages(w, "/v1/audit/access", limit, |e: &DocumentAccessToday| {
        e.document_id.to_string()
    })
    .await
}

/// The keys of every JSON object in `list`, each object's the same.
fn shape(list: &Value) -> BTreeSet<String> {
    let items = list.as_array().unwrap();
    assert!(!items.is_empty());
    let keys = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    let first = keys(&items[0]);
    assert!(items.iter().all(|v| keys(v) == first));
    first
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn doc(w: &World, n: usize) -> DocumentId {
    w.docs[n].1.id
}

fn sorted(mut orgs: Vec<OrgId>) -> Vec<OrgId> {
    orgs.sort_unstable();
    orgs
}

/// The envelopes expected, in the order listed: by place, then owner.
fn expected_envelopes(w: &World) -> Vec<(String, String)> {
    let members = [&w.north_mgr, &w.practitioner, &w.bright_mgr].map(|p| p.user_id.to_string());
    let mut cases: Vec<String> = w.docs.iter().map(|(c, _)| c.to_string()).collect();
    cases.dedup();
    let documents: Vec<String> = (0..5).map(|n| doc(w, n).to_string()).collect();
    let share = format!("{}/{}", doc(w, 0), w.bright.id);
    let transfers: Vec<String> = w.transfers.iter().map(ToString::to_string).collect();
    let moved = [
        format!("{}/{}", w.transfers[0], doc(w, 2)),
        format!("{}/{}", w.transfers[0], doc(w, 3)),
        format!("{}/{}", w.transfers[1], doc(w, 4)),
    ];
    let mut out = Vec::new();
    let places: [(&str, Vec<String>); 6] = [
        ("member", members.to_vec()),
        ("case", cases),
        ("document", documents),
        ("share", vec![share]),
        ("transfer-case", transfers),
        ("transfer-document", moved.to_vec()),
    ];
    for (place, mut owners) in places {
        owners.sort();
        out.extend(owners.into_iter().map(|o| (place.to_owned(), o)));
    }
    out
}

#[tokio::test]
async fn auditor_lists_are_exact_and_page_alike() {
    let w = world().await;
    let listed = envelopes(&w, 1000).await;
    let places: Vec<(String, String)> = listed
        .iter()
        .map(|e| (e.place.clone(), e.owner.clone()))
        .collect();
    assert_eq!(places, expected_envelopes(&w));
    assert_eq!(envelopes(&w, 1).await, listed, "pages of one list the same");
    let unpaged: Vec<StoredEnvelope> = get_json(&w.server, "/v1/audit/envelopes", &w.auditor).await;
    assert_eq!(unpaged, listed, "without a limit, the whole list");
    for (n, (_, sealed)) in w.docs.iter().enumerate().take(2) {
        let stored = listed
            .iter()
            .find(|e| e.place == "document" && e.owner == doc(&w, n).to_string());
        assert_eq!(stored.unwrap().envelope, sealed.manifest.envelope);
    }

    let entries = inventory(&w, 1000).await;
    assert_eq!(inventory(&w, 3).await, entries);
    let mut ids: Vec<DocumentId> = (0..5).map(|n| doc(&w, n)).collect();
    ids.sort_unstable();
    assert_eq!(
        entries.iter().map(|e| e.document_id).collect::<Vec<_>>(),
        ids
    );
    let owners = [w.north.id, w.north.id, w.bright.id, w.bright.id, w.north.id];
    for (n, (case, sealed)) in w.docs.iter().enumerate() {
        let entry = entries.iter().find(|e| e.document_id == sealed.id).unwrap();
        assert_eq!(entry.case_id, *case);
        assert_eq!(entry.org_id, owners[n]);
        assert_eq!(entry.statement, sealed.manifest.statement);
        assert_eq!(entry.ciphertext_size, sealed.body.len() as u64);
        assert_eq!(entry.ciphertext_sha256, vault_core::sha256(&sealed.body));
    }

    let today = access(&w, 1000).await;
    assert_eq!(access(&w, 1).await, today);
    let unpaged: Vec<DocumentAccessToday> =
        get_json(&w.server, "/v1/audit/access", &w.auditor).await;
    assert_eq!(unpaged, today);
    let unpaged: Vec<InventoryEntry> = get_json(&w.server, "/v1/audit/inventory", &w.auditor).await;
    assert_eq!(unpaged, entries);
    let both = sorted(vec![w.north.id, w.bright.id]);
    let expected = [
        both.clone(),
        vec![w.north.id],
        vec![w.bright.id],
        vec![w.bright.id],
        both,
    ];
    for (n, orgs) in expected.iter().enumerate() {
        let entry = today.iter().find(|e| e.document_id == doc(&w, n)).unwrap();
        assert_eq!(&entry.orgs, orgs, "document {n}");
    }
    assert_eq!(today.len(), 5);
}

#[tokio::test]
async fn auditor_routes_have_exact_shapes_and_are_for_auditors_only() {
    let w = world().await;
    let shapes: [(&str, &[&str]); 3] = [
        ("/v1/audit/envelopes", &["place", "owner", "envelope"]),
        (
            "/v1/audit/inventory",
            &[
                "document_id",
                "org_id",
                "case_id",
                "object_key",
                "ciphertext_size",
                "ciphertext_sha256",
                "statement",
            ],
        ),
        ("/v1/audit/access", &["document_id", "orgs"]),
    ];
    for (route, keys) in shapes {
        let list: Value = get_json(&w.server, route, &w.auditor).await;
        assert_eq!(shape(&list), names(keys), "{route}");
    }
    directory_is_the_members_view_without_emails(&w).await;
    for route in ROUTES {
        for token in [
            &w.north_mgr.token,
            &w.practitioner.token,
            &w.server.admin_token,
        ] {
            let resp = w.server.get(route, token).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{route}");
            assert_eq!(common::error_message(resp).await, ONLY_AUDITORS);
        }
        let resp = w
            .server
            .client
            .get(w.server.url(route))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{route}");
        assert_eq!(common::error_code(resp).await, "unauthorized");
    }
    for (query, message) in [
        (
            "/v1/audit/envelopes?after=nowhere/x",
            "after is PLACE/OWNER of an envelope and limit an integer",
        ),
        ("/v1/audit/inventory?limit=0", "limit is 1 to 1000"),
        (
            "/v1/audit/access?after=not-an-id",
            "after is a document id and limit an integer",
        ),
    ] {
        let resp = w.server.get(query, &w.auditor).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(common::error_message(resp).await, message);
    }
}

/// The auditor's directory is what each organisation's manager sees of it, minus e-mails.
async fn directory_is_the_members_view_without_emails(w: &World) {
    let listed: Vec<Value> = get_json(&w.server, "/v1/audit/directory", &w.auditor).await;
    assert_eq!(listed.len(), 2);
    for (org, mgr) in [(&w.north, &w.north_mgr), (&w.bright, &w.bright_mgr)] {
        let path = format!("/v1/orgs/{}/directory", org.id);
        let mut own: Value = get_json(&w.server, &path, &mgr.token).await;
        for member in own["members"].as_array_mut().unwrap() {
            assert!(!member["email"].as_str().unwrap().is_empty());
            member["email"] = Value::from("");
        }
        let found = listed
            .iter()
            .find(|d| d["org"]["org_id"] == own["org"]["org_id"]);
        assert_eq!(found, Some(&own));
    }
    let typed: Vec<OrgDirectory> = serde_json::from_value(Value::from(listed)).unwrap();
    let orgs: BTreeSet<OrgId> = typed.iter().map(|d| d.org.org_id).collect();
    assert_eq!(orgs, BTreeSet::from([w.north.id, w.bright.id]));
}

/// Runs `vault-server export-audit` with the server's own settings.
async fn export(server: &Server, out: &Path) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vault-server"));
    cmd.arg("export-audit")
        .arg("--data-dir")
        .arg(&server.settings.data_dir)
        .arg("--out")
        .arg(out);
    if let Some(url) = &server.settings.database_url {
        cmd.env("VAULT_DATABASE_URL", url);
    }
    if let Some(url) = &server.settings.object_store_url {
        cmd.env("VAULT_OBJECT_STORE_URL", url);
    }
    cmd.output().await.unwrap()
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                out.insert(relative.display().to_string());
            }
        }
    }
    out
}

fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> T {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

fn read_lines<T: DeserializeOwned>(dir: &Path, name: &str) -> Vec<T> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test]
async fn export_holds_the_audit_data_and_nothing_else() {
    let w = world().await;
    let out = w.server.dir.path().join("audit-export");
    let run = export(&w.server, &out).await;
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut expected = names(&[
        "manifest.json",
        "config.json",
        "directory.json",
        "envelopes.jsonl",
        "inventory.json",
        "access.json",
        "log/leaves.jsonl",
        "log/checkpoints.jsonl",
    ]);
    expected.extend(w.docs.iter().map(|(_, d)| format!("objects/{}", d.id)));
    assert_eq!(files_below(&out), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let manifest: ExportManifest = read_json(&out, "manifest.json");
    log_rebuilds_the_signed_root(&out, &manifest);
    same_as_the_routes(&w, &out, &manifest).await;
    objects_are_byte_equal(&w, &out).await;
    nothing_secret(&w, &out);
}

/// The leaves rebuild the root of the newest checkpoint, which the log key signed.
fn log_rebuilds_the_signed_root(out: &Path, manifest: &ExportManifest) {
    assert_eq!(manifest.format, 1);
    assert_eq!(manifest.log_origin, "case-vault.localhost/log");
    let key = NoteKey::parse_vkey(&manifest.log_vkey).unwrap();
    let leaves = std::fs::read(out.join("log/leaves.jsonl")).unwrap();
    let mut tree = MemoryTree::new();
    for line in leaves.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        LogLeaf::decode(line).unwrap();
        tree.push(leaf_hash(line));
    }
    assert_eq!(tree.len(), manifest.tree_size);
    assert_eq!(manifest.counts.leaves, manifest.tree_size);
    assert!(
        manifest.tree_size > 20,
        "every action of the world is logged"
    );
    let checkpoints: Vec<LogCheckpoint> = read_lines(out, "log/checkpoints.jsonl");
    assert_eq!(manifest.counts.checkpoints, checkpoints.len() as u64);
    let newest = SignedCheckpoint::open(&checkpoints.last().unwrap().note, &key).unwrap();
    assert_eq!(newest.checkpoint.size, manifest.tree_size);
    assert_eq!(newest.checkpoint.root, tree.root());
    for checkpoint in &checkpoints {
        let opened = SignedCheckpoint::open(&checkpoint.note, &key).unwrap();
        assert_eq!(
            opened.checkpoint.root,
            tree.root_at(opened.checkpoint.size).unwrap()
        );
    }
}

/// Each data file holds exactly what the auditor routes answer.
async fn same_as_the_routes(w: &World, out: &Path, manifest: &ExportManifest) {
    let directory: Value = get_json(&w.server, "/v1/audit/directory", &w.auditor).await;
    assert_eq!(read_json::<Value>(out, "directory.json"), directory);
    let listed = envelopes(w, 1000).await;
    assert_eq!(read_lines::<StoredEnvelope>(out, "envelopes.jsonl"), listed);
    let entries: Value = serde_json::to_value(inventory(w, 1000).await).unwrap();
    assert_eq!(read_json::<Value>(out, "inventory.json"), entries);
    assert_eq!(
        read_json::<Vec<DocumentAccessToday>>(out, "access.json"),
        access(w, 1000).await
    );
    let counts = &manifest.counts;
    assert_eq!(
        (
            counts.orgs,
            counts.envelopes,
            counts.inventory,
            counts.access,
            counts.objects
        ),
        (2, listed.len() as u64, 5, 5, 5)
    );
    let config: Value = read_json(out, "config.json");
    assert_eq!(config["log_vkey"], Value::from(manifest.log_vkey.clone()));
    assert_eq!(
        config["max_upload_bytes"],
        Value::from(w.server.settings.max_upload_bytes)
    );
}

async fn objects_are_byte_equal(w: &World, out: &Path) {
    for (_, sealed) in &w.docs {
        let exported = std::fs::read(out.join(format!("objects/{}", sealed.id))).unwrap();
        let path = format!("/v1/audit/objects/{}", sealed.id);
        let resp = w.server.get(&path, &w.auditor).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(exported, resp.bytes().await.unwrap().to_vec());
        assert_eq!(exported, sealed.body);
    }
}

/// No e-mail, password or its hash, token, case reference, sealed metadata, secret key, database
/// URL, S3 secret or the log signing key, in any file of the export.
fn nothing_secret(w: &World, out: &Path) {
    let people = [&w.north_mgr, &w.practitioner, &w.bright_mgr];
    let mut needles: Vec<Vec<u8>> = vec![
        b"admin@example.org".to_vec(),
        b"auditor@example.org".to_vec(),
        b"$argon2".to_vec(),
        b"AGE-SECRET-KEY-".to_vec(),
        PASSWORD.as_bytes().to_vec(),
        w.server.admin_token.as_bytes().to_vec(),
        w.auditor.as_bytes().to_vec(),
    ];
    for person in people {
        needles.push(person.email.as_bytes().to_vec());
        needles.push(person.token.as_bytes().to_vec());
    }
    needles.extend(w.references.iter().map(|r| r.as_bytes().to_vec()));
    for (_, sealed) in &w.docs {
        let metadata = &sealed.manifest.sealed_metadata;
        needles.push(metadata.clone());
        needles.push(vault_core::b64::encode(metadata).into_bytes());
    }
    // The settings that may hold a password or credential (PostgreSQL, S3 runs).
    let settings = &w.server.settings;
    needles.extend(
        settings
            .database_url
            .iter()
            .map(|url| url.as_bytes().to_vec()),
    );
    if let Some(secret) = &settings.s3.secret_access_key {
        use secrecy::ExposeSecret as _;
        needles.push(secret.expose_secret().as_bytes().to_vec());
    }
    let key_file = std::fs::read(w.server.settings.log_key_path()).unwrap();
    needles.push(vault_core::b64::encode(&key_file).into_bytes());
    needles.push(hex::encode(&key_file).into_bytes());
    // The 32-byte seed inside ring's PKCS#8 document.
    needles.push(key_file[16..48].to_vec());
    for name in files_below(out) {
        let bytes = std::fs::read(out.join(&name)).unwrap();
        for needle in &needles {
            let found = bytes
                .windows(needle.len())
                .any(|window| window == &needle[..]);
            assert!(!found, "{name} holds {:?}", String::from_utf8_lossy(needle));
        }
    }
}

#[tokio::test]
async fn a_non_empty_out_is_refused_and_nothing_is_left_behind() {
    let server = common::start().await;
    let parent = tempfile::tempdir().unwrap();
    let out: PathBuf = parent.path().join("taken");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), b"an auditor's notes").unwrap();
    let run = export(&server, &out).await;
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    let message = format!(
        "{} is not empty; export-audit writes only into a new or empty directory",
        out.display()
    );
    assert!(stderr.contains(&message), "{stderr}");
    assert_eq!(files_below(&out), names(&["notes.txt"]));
    let left: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary directory is left beside it");
    // An empty directory is fine, and so is a new one.
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    assert!(export(&server, &out).await.status.success());
    assert!(export(&server, &parent.path().join("new"))
        .await
        .status
        .success());
    assert!(out.join("manifest.json").exists());
}

#[tokio::test]
async fn an_export_that_fails_halfway_leaves_nothing() {
    let w = world().await;
    // An operator removed a leaf: the export stops at it rather than write a log with a hole.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&w.server.database_url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM log_leaves WHERE leaf_index = 3")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("export");
    let run = export(&w.server, &out).await;
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("log leaf 3 is missing from the database"),
        "{stderr}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_data_directory_without_the_log_key_is_refused_and_left_alone() {
    let parent = tempfile::tempdir().unwrap();
    let mistyped = parent.path().join("vault-dta");
    let out = parent.path().join("export");
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_vault-server"))
        .arg("export-audit")
        .arg("--data-dir")
        .arg(&mistyped)
        .arg("--out")
        .arg(&out)
        .env_remove("VAULT_DATABASE_URL")
        .env_remove("VAULT_LOG_KEY_FILE")
        .output()
        .await
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    let message = format!(
        "there is no log signing key at {}; give the data directory (or --log-key-file) the \
         server uses",
        mistyped.join("log-signing-key.p8").display()
    );
    assert!(stderr.contains(&message), "{stderr}");
    assert_eq!(
        std::fs::read_dir(parent.path()).unwrap().count(),
        0,
        "nothing was made"
    );
}
