//! Cross-language vectors: the browser vault (web/src/core, run under Node.js) and the Rust
//! vault-core / vault-client must write and read byte-identical formats.
//!
//! The test builds fixed vectors with the Rust code (fingerprints, one signed statement of every
//! kind from a fixed key, a keystore locked as vaultctl locks it, a sealed body and metadata, a
//! wrapped key), writes them to a temporary directory and runs `node web/test/vectors.mjs DIR`,
//! which checks them in JavaScript and writes what JavaScript makes of the same inputs; the test
//! then verifies and opens those with the Rust code. Without `node` it is skipped with a message,
//! unless `VAULT_REQUIRE_BROWSER=1` (CI), where a missing `node` fails it.

use std::path::Path;

use secrecy::SecretString;
use serde_json::{json, Value};
use vault_client::keystore::{Keystore, WORK_FACTOR_ENV};
use vault_core::header::{check_header, HeaderCheck};
use vault_core::ids::OrgId;
use vault_core::keys::{Fingerprint, PublicKey, SecretKey, SigningKey, VerifyingKey};
use vault_core::seal::{self, DocumentMetadata, Expected, OpenError};
use vault_core::statement::{SignedStatement, Statement};
use vault_core::{b64, sha256};

#[path = "web_vectors/claims.rs"]
mod claims;
use claims::claims;

/// ring's PKCS#8 v2 document of the Ed25519 seed 01 02 … 20 (test key, signs the vectors).
const SIGNING_PKCS8: &str = "3051020101300506032b6570042204200102030405060708090a0b0c0d0e0f101112\
131415161718191a1b1c1d1e1f2081210079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966\
4";
/// Test identities: a document key and the key it is wrapped under.
const DOCUMENT_KEY: &str =
    "AGE-SECRET-KEY-1TTTRL0ZGNJU9DW4DQDEM75XPZ987QG54W6PX54R4SM8K7E8T3G0SR7CVM7";
const PARENT_KEY: &str =
    "AGE-SECRET-KEY-1PA3WJMPD2PZ8QWYK7ZN7NS8ZY5NMA0SS8CZLW3Z27S0PUEPYK26QWD36VU";
const PASSPHRASE: &str = "correct horse battery staple (vectors)";
const ISSUED_AT: u64 = 1_790_000_000;
/// Several 64 KiB age chunks and a short last one.
const BODY_LEN: u32 = 3 * 65_536 + 1_234;

fn plaintext() -> Vec<u8> {
    (0..BODY_LEN).map(|i| (i % 251) as u8).collect()
}

fn uuid(n: u8) -> uuid::Uuid {
    uuid::Uuid::from_bytes([n; 16])
}

fn signing_key() -> SigningKey {
    SigningKey::from_pkcs8(&hex::decode(SIGNING_PKCS8).unwrap()).unwrap()
}

fn key(text: &str) -> SecretKey {
    SecretKey::from_secret_str(text).unwrap()
}

/// Fingerprints, statements, pkcs8 and identities: everything that needs no file.
fn key_vectors() -> Value {
    let signing = signing_key();
    let public = signing.verifying_key();
    let doc = key(DOCUMENT_KEY).public_key();
    let statements: Vec<Value> = claims()
        .into_iter()
        .map(|(claim, shape)| {
            let signed = Statement {
                issued_at: ISSUED_AT,
                claim,
            }
            .sign(&signing);
            json!({"claim": shape, "wire": signed})
        })
        .collect();
    json!({
        "signing_pkcs8": SIGNING_PKCS8,
        "signing_public": b64::encode(public.as_bytes()),
        "random_pkcs8": hex::encode(SigningKey::generate().unwrap().expose_pkcs8()),
        "document_identity": DOCUMENT_KEY,
        "document_recipient": doc.as_str(),
        "parent_identity": PARENT_KEY,
        "parent_recipient": key(PARENT_KEY).public_key().as_str(),
        "fingerprints": {
            "recipient": hex::encode(doc.fingerprint().as_bytes()),
            "recipient_text": doc.fingerprint().to_string(),
            "signing": hex::encode(public.fingerprint().as_bytes()),
            "member": hex::encode(Fingerprint::of_member(&doc, &public).as_bytes()),
        },
        "issued_at": ISSUED_AT.to_string(),
        "statements": statements,
    })
}

/// A keystore locked by vaultctl's own code path at work factor 15.
fn keystore_vector(dir: &Path) -> Value {
    let mut keystore =
        Keystore::generate("practitioner@example.org", "http://127.0.0.1:8088").unwrap();
    keystore.org_id = Some(OrgId::from_uuid(uuid(1)));
    keystore.set_org_root(signing_key());
    // This test binary has this one test, so no other thread reads the variable meanwhile.
    std::env::set_var(WORK_FACTOR_ENV, "15");
    let passphrase = SecretString::from(PASSPHRASE.to_owned());
    keystore
        .save(&dir.join("rust-keystore.age"), &passphrase)
        .unwrap();
    json!({
        "file": "rust-keystore.age",
        "passphrase": PASSPHRASE,
        "user_id": keystore.user_id.to_string(),
        "email": keystore.email,
        "server": keystore.server,
        "org_id": uuid(1).to_string(),
        "recipient": keystore.identity().public_key().as_str(),
        "signing_public": b64::encode(keystore.signing_key().verifying_key().as_bytes()),
        "org_root_public": b64::encode(signing_key().verifying_key().as_bytes()),
    })
}

/// A sealed body, its metadata record and a wrapped key, made with vault-core.
fn sealed_vector(dir: &Path) -> Value {
    let doc = key(DOCUMENT_KEY);
    let mut body = Vec::new();
    let sealed = seal::seal(&plaintext()[..], &doc.public_key(), &mut body, |_| {}).unwrap();
    let meta = DocumentMetadata {
        file_name: "Röntgen \"report\"\n(draft) – ✓.pdf".to_owned(),
        media_type: "application/pdf".to_owned(),
        size: sealed.plaintext_size,
        sha256: sealed.plaintext_sha256,
    };
    let sealed_meta = meta.seal(&doc.public_key()).unwrap();
    let wrapped = doc.wrap_to(&[&key(PARENT_KEY).public_key()]).unwrap();
    let HeaderCheck::Valid(info) = check_header(&body).unwrap() else {
        panic!("the sealed body's header is not whole")
    };
    std::fs::write(dir.join("rust-body.age"), &body).unwrap();
    std::fs::write(dir.join("rust-metadata.age"), &sealed_meta).unwrap();
    std::fs::write(dir.join("rust-wrapped.age"), &wrapped).unwrap();
    json!({
        "body": "rust-body.age",
        "metadata": "rust-metadata.age",
        "wrapped": "rust-wrapped.age",
        "plaintext_size": sealed.plaintext_size,
        "plaintext_sha256": hex::encode(sealed.plaintext_sha256),
        "ciphertext_size": sealed.ciphertext_size,
        "ciphertext_sha256": hex::encode(sealed.ciphertext_sha256),
        "metadata_json": String::from_utf8(serde_json::to_vec(&meta).unwrap()).unwrap(),
        "file_name": meta.file_name,
        "header_len": info.header_len,
        "stanza_tags": info.stanzas.iter().map(|s| s.tag.clone()).collect::<Vec<_>>(),
    })
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn check_js_statements(js: &Value) {
    let expected = claims();
    let same_key: Vec<SignedStatement> = serde_json::from_value(js["statements"].clone()).unwrap();
    let own_key: Vec<SignedStatement> =
        serde_json::from_value(js["statements_own_key"].clone()).unwrap();
    assert_eq!(same_key.len(), expected.len());
    assert_eq!(own_key.len(), expected.len());
    for (((claim, _), same), own) in expected.into_iter().zip(same_key).zip(own_key) {
        let statement = Statement {
            issued_at: ISSUED_AT,
            claim,
        };
        // Deterministic Ed25519 from the same key: the very bytes Rust signs.
        assert_eq!(same, statement.sign(&signing_key()), "{}", statement.kind());
        assert_eq!(own.verify().unwrap(), statement);
        assert_ne!(own.signer, signing_key().verifying_key());
    }
    let public =
        VerifyingKey::from_bytes(&b64::decode(js["own_public"].as_str().unwrap()).unwrap())
            .unwrap();
    let recipient: PublicKey = js["own_recipient"].as_str().unwrap().parse().unwrap();
    let fps = &js["own_fingerprints"];
    assert_eq!(fps["signing"], hex::encode(public.fingerprint().as_bytes()));
    assert_eq!(
        fps["recipient"],
        hex::encode(recipient.fingerprint().as_bytes())
    );
    let member = Fingerprint::of_member(&recipient, &public);
    assert_eq!(fps["member"], member.to_string());
}

fn check_js_keystore(dir: &Path, js: &Value) {
    let passphrase = SecretString::from(PASSPHRASE.to_owned());
    let keystore = Keystore::open(&dir.join("js-keystore.age"), &passphrase).unwrap();
    let ks = &js["keystore"];
    assert_eq!(keystore.user_id.to_string(), ks["user_id"]);
    assert_eq!(keystore.email, ks["email"]);
    assert_eq!(keystore.server, ks["server"]);
    assert_eq!(keystore.org_id, None);
    assert_eq!(
        keystore.identity().public_key(),
        key(DOCUMENT_KEY).public_key()
    );
    assert_eq!(
        keystore.signing_key().expose_pkcs8(),
        hex::decode(SIGNING_PKCS8).unwrap()
    );
    let root = keystore
        .org_root()
        .expect("the JavaScript keystore has an organisation root");
    assert_eq!(
        b64::encode(root.verifying_key().as_bytes()),
        ks["org_root_public"]
    );
    let wrong = SecretString::from("not the passphrase".to_owned());
    assert!(Keystore::open(&dir.join("js-keystore.age"), &wrong).is_err());
}

fn check_js_sealed(dir: &Path, js: &Value) {
    let doc = key(DOCUMENT_KEY);
    let body = std::fs::read(dir.join("js-body.age")).unwrap();
    let sealed = &js["body"];
    let digest: [u8; 32] = hex::decode(sealed["ciphertext_sha256"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(sha256(&body), digest);
    assert_eq!(body.len() as u64, sealed["ciphertext_size"]);
    let meta =
        DocumentMetadata::open(&std::fs::read(dir.join("js-metadata.age")).unwrap(), &doc).unwrap();
    assert_eq!(meta.file_name, sealed["file_name"]);
    assert_eq!(meta.media_type, "text/plain; charset=utf-8");
    assert_eq!(meta.sha256, sha256(&plaintext()));
    let expected = Expected {
        ciphertext_sha256: Some(digest),
        plaintext: Some((meta.size, meta.sha256)),
    };
    let mut opened = Vec::new();
    seal::open(&body[..], &doc, expected, &mut opened, |_| {}).unwrap();
    assert_eq!(opened, plaintext());
    let wrapped = std::fs::read(dir.join("js-wrapped.age")).unwrap();
    let child = SecretKey::unwrap(&wrapped, &[&key(PARENT_KEY)], doc.fingerprint()).unwrap();
    assert_eq!(child.public_key(), doc.public_key());
    let planted = SecretKey::unwrap(&wrapped, &[&key(PARENT_KEY)], key(PARENT_KEY).fingerprint());
    assert!(
        planted.is_err(),
        "a key other than the one named was accepted"
    );
}

/// The `.code` the browser core gives each check, for one Rust error.
fn open_error_code(e: &OpenError) -> &'static str {
    match e {
        OpenError::BadHeader => "bad-header",
        OpenError::NoMatchingKey => "no-matching-key",
        OpenError::HeaderAltered => "header-altered",
        OpenError::PayloadAltered => "payload-altered",
        OpenError::CiphertextDigest => "ciphertext-digest",
        OpenError::PlaintextDigest => "plaintext-digest",
        OpenError::Metadata => "metadata",
        _ => "other",
    }
}

fn digest_of(value: &Value) -> Option<[u8; 32]> {
    let text = value.as_str()?;
    Some(hex::decode(text).unwrap().try_into().unwrap())
}

/// Every altered body JavaScript refused is refused by vault-core for the same reason, in the
/// same words.
fn check_js_tampered(dir: &Path, js: &Value) {
    let cases = js["tampered"].as_array().unwrap();
    let mut seen: Vec<&str> = cases.iter().filter_map(|c| c["code"].as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "bad-header",
            "ciphertext-digest",
            "header-altered",
            "no-matching-key",
            "payload-altered",
            "plaintext-digest"
        ]
    );
    for case in cases {
        let bytes = std::fs::read(dir.join(case["file"].as_str().unwrap())).unwrap();
        let want = &case["expected"];
        let expected = Expected {
            ciphertext_sha256: digest_of(&want["ciphertext_sha256"]),
            plaintext: digest_of(&want["plaintext_sha256"])
                .map(|d| (want["plaintext_size"].as_u64().unwrap(), d)),
        };
        let err = seal::open(
            &bytes[..],
            &key(DOCUMENT_KEY),
            expected,
            std::io::sink(),
            |_| {},
        )
        .expect_err(case["file"].as_str().unwrap());
        assert_eq!(open_error_code(&err), case["code"], "{}", case["file"]);
        assert_eq!(err.to_string(), case["message"], "{}", case["file"]);
    }
}

/// With `node` present, the packages must be installed too: say how, rather than let Node.js
/// report a missing module.
fn require_packages() {
    let packages = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/node_modules/age-encryption");
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(
        packages.is_dir() || node.is_err(),
        "web/node_modules is missing: run scripts/build-web.sh (it runs npm ci in web/)"
    );
}

#[test]
fn browser_core_and_rust_core_read_each_others_formats() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = json!({
        "keys": key_vectors(),
        "keystore": keystore_vector(dir.path()),
        "sealed": sealed_vector(dir.path()),
        "plaintext_len": BODY_LEN,
    });
    std::fs::write(dir.path().join("rust.json"), vectors.to_string()).unwrap();
    require_packages();
    if vault_tests::node::run_script("vectors.mjs", dir.path(), "web vectors").is_none() {
        return;
    }
    let js = read_json(&dir.path().join("js.json"));
    check_js_statements(&js);
    check_js_keystore(dir.path(), &js);
    check_js_sealed(dir.path(), &js);
    check_js_tampered(dir.path(), &js);
}
