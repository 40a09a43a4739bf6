//! `vault-server export-audit`: its files hold exactly what the auditor routes answer, a log
//! that rebuilds the signed root, every object byte for byte, and nothing of e-mails, password
//! hashes, tokens, case references, sealed metadata, credentials or the log signing key; a used
//! `--out`, a missing log key or a failure halfway leave nothing behind.

mod audit_world;
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use audit_world::{access, envelopes, get_json, inventory, names, world, World};
use common::{Server, PASSWORD};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vault_core::api::{DocumentAccessToday, ExportManifest, LogCheckpoint, StoredEnvelope};
use vault_core::checkpoint::{NoteKey, SignedCheckpoint};
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{leaf_hash, MemoryTree};

/// Runs `vault-server export-audit` with the server's own settings.
async fn export(server: &Server, out: &Path) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vault-server"));
    cmd.arg("export-audit")
        .arg("--data-dir")
        .arg(&server.settings.data_dir)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "info");
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
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // Beside the running server, whose uploads in flight are its own to clean up.
    assert!(!stderr.contains("half-written uploads"), "{stderr}");
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
