//! The C2SP CCTV age vectors (../shared/testdata/cctv-age) through the client's open-to-file
//! path, the one `vaultctl doc open` uses: every vector that must not decrypt leaves nothing in
//! the output directory (no file, no temporary file), and every `success` vector yields the
//! plaintext whose SHA-256 is the vector's `payload`.
//!
//! Skipped, with the reason: armored vectors (documents are stored as binary age files only),
//! scrypt vectors (documents are encrypted to X25519 keys; passphrase files are refused by
//! design) and post-quantum hybrid vectors (the age version in use has no such identities).

mod common;

use std::io::Read;

use vault_client::files::{open_to_file, Destination};
use vault_core::keys::SecretKey;
use vault_core::seal::Expected;

struct Vector {
    name: String,
    expect: String,
    payload: Option<String>,
    identities: Vec<String>,
    file: Vec<u8>,
}

fn skip_reason(name: &str, head: &str) -> Option<&'static str> {
    if head.contains("armored: yes") {
        Some("armored")
    } else if name.starts_with("scrypt") || head.contains("passphrase: ") {
        Some("scrypt")
    } else if name.starts_with("hybrid") || head.contains("AGE-SECRET-KEY-PQ-") {
        Some("post-quantum hybrid")
    } else {
        None
    }
}

fn vectors() -> (Vec<Vector>, usize) {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/cctv-age");
    let (mut out, mut skipped) = (Vec::new(), 0);
    for entry in std::fs::read_dir(&dir).expect("shared/testdata/cctv-age beside the checkout") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let raw = std::fs::read(&path).unwrap();
        let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        if skip_reason(&name, head).is_some() {
            skipped += 1;
            continue;
        }
        let field = |key: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_owned)
        };
        let mut file = raw[split + 2..].to_vec();
        if field("compressed: ").as_deref() == Some("zlib") {
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(&file[..])
                .read_to_end(&mut inflated)
                .unwrap();
            file = inflated;
        }
        out.push(Vector {
            name,
            expect: field("expect: ").unwrap(),
            payload: field("payload: "),
            identities: head
                .lines()
                .filter_map(|l| l.strip_prefix("identity: ").map(str::to_owned))
                .collect(),
            file,
        });
    }
    (out, skipped)
}

/// Opens with each identity in turn (a fresh key when the vector has none) into `dir`.
fn try_open(v: &Vector, dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let keys: Vec<SecretKey> = if v.identities.is_empty() {
        vec![SecretKey::generate()]
    } else {
        v.identities
            .iter()
            .map(|i| SecretKey::from_secret_str(i).unwrap())
            .collect()
    };
    let dest = Destination {
        path: dir.join("plain"),
        force: false,
    };
    let mut last = String::new();
    for key in &keys {
        match open_to_file(&v.file[..], key, Expected::default(), &dest, |_| {}) {
            Ok(_) => return Ok(dest.path),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

#[test]
fn every_vector_opens_or_fails_cleanly() {
    let (vectors, skipped) = vectors();
    assert!(
        vectors.len() > 60,
        "expected most of the vector set, got {}",
        vectors.len()
    );
    let (mut opened, mut refused) = (0, 0);
    for v in &vectors {
        let dir = tempfile::tempdir().unwrap();
        match (v.expect.as_str(), try_open(v, dir.path())) {
            ("success", Ok(path)) => {
                let digest = hex::encode(vault_core::sha256(&std::fs::read(&path).unwrap()));
                assert_eq!(Some(digest), v.payload, "{}: wrong plaintext", v.name);
                assert_eq!(common::entries(dir.path()), ["plain"], "{}", v.name);
                opened += 1;
            }
            ("success", Err(e)) => panic!("{} should open but failed: {e}", v.name),
            (_, Ok(_)) => panic!("{} ({}) opened but must not", v.name, v.expect),
            (_, Err(_)) => {
                let left = common::entries(dir.path());
                assert!(left.is_empty(), "{}: left {left:?} behind", v.name);
                refused += 1;
            }
        }
    }
    eprintln!("{opened} opened, {refused} refused cleanly, {skipped} skipped");
    assert!(opened > 10 && refused > 40);
}
