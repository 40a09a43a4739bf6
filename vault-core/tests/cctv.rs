//! The C2SP CCTV age vectors (../shared/testdata/cctv-age) against the two places this crate
//! reads age files: the key-less header check the server applies to every upload, and the
//! streaming open path of clients.
//!
//! Skipped, with the reason: armored vectors (the product stores binary age files only) and,
//! for the header check, vectors with scrypt or post-quantum hybrid stanzas (documents are
//! always encrypted to X25519 keys, so the server refuses those headers by design).

use std::io::Read;

use vault_core::header::{check_header, HeaderCheck, HeaderError};
use vault_core::keys::SecretKey;
use vault_core::seal::{self, Expected};

struct Vector {
    name: String,
    expect: String,
    payload: Option<String>,
    identity: Option<String>,
    armored: bool,
    file: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/cctv-age");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("shared/testdata/cctv-age beside the checkout") {
        let path = entry.unwrap().path();
        let raw = std::fs::read(&path).unwrap();
        let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut body = raw[split + 2..].to_vec();
        let field = |key: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")).map(str::to_owned))
        };
        if field("compressed").as_deref() == Some("zlib") {
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(&body[..])
                .read_to_end(&mut inflated)
                .unwrap();
            body = inflated;
        }
        out.push(Vector {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            expect: field("expect").unwrap(),
            payload: field("payload"),
            identity: field("identity"),
            armored: field("armored").as_deref() == Some("yes"),
            file: body,
        });
    }
    assert!(out.len() > 100, "expected the full vector set");
    out
}

/// What the server does with a whole upload: header complete, well formed, X25519 only.
fn server_check(file: &[u8]) -> Result<(), HeaderError> {
    match check_header(file)? {
        HeaderCheck::NeedMore => Err(HeaderError::Truncated),
        HeaderCheck::Valid(info) => info.require_x25519(),
    }
}

fn uses_other_recipient_kinds(file: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&file[..file.len().min(4096)]);
    text.lines()
        .any(|l| l.starts_with("-> ") && !l.starts_with("-> X25519 "))
}

#[test]
fn every_header_failure_is_refused_by_the_upload_check() {
    let mut refused = 0;
    for v in vectors()
        .iter()
        .filter(|v| v.expect == "header failure" && !v.armored)
    {
        assert!(server_check(&v.file).is_err(), "{} was accepted", v.name);
        refused += 1;
    }
    assert!(refused >= 40, "only {refused} header-failure vectors");
}

#[test]
fn every_well_formed_x25519_header_is_accepted_by_the_upload_check() {
    let mut accepted = 0;
    for v in vectors().iter().filter(|v| {
        v.expect != "header failure"
            && v.expect != "armor failure"
            && !v.armored
            && !uses_other_recipient_kinds(&v.file)
    }) {
        assert_eq!(server_check(&v.file), Ok(()), "{} was refused", v.name);
        accepted += 1;
    }
    assert!(accepted >= 20, "only {accepted} vectors accepted");
}

#[test]
fn the_open_path_agrees_with_every_x25519_vector() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| !v.armored) {
        let Some(identity) = v.identity.as_deref() else {
            continue;
        };
        let Ok(key) = SecretKey::from_secret_str(identity) else {
            // Post-quantum hybrid identities are not age X25519 keys; the product has none.
            continue;
        };
        let mut plaintext = Vec::new();
        let result = seal::open(
            &v.file[..],
            &key,
            Expected::default(),
            &mut plaintext,
            |_| {},
        );
        if v.expect == "success" {
            let opened = result.unwrap_or_else(|e| panic!("{}: {e}", v.name));
            assert_eq!(
                Some(hex::encode(opened.plaintext_sha256)),
                v.payload,
                "{}",
                v.name
            );
        } else {
            assert!(
                result.is_err(),
                "{} opened but expects {}",
                v.name,
                v.expect
            );
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} vectors checked");
}
