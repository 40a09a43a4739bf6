//! Files round-trip exactly through seal → open-to-file at the sizes around age's 64 KiB
//! chunk, and damaged ciphertexts (cut at a chunk boundary, cut mid-chunk, a flipped byte)
//! fail with an integrity error leaving no partial plaintext behind.

mod common;

use std::path::Path;

use vault_client::files::{open_to_file, seal_to_temp, Destination};
use vault_client::ClientError;
use vault_core::header::{check_header, HeaderCheck};
use vault_core::keys::SecretKey;
use vault_core::seal::{Expected, OpenError, SealedBody};

const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

fn seal(plain: &[u8], key: &SecretKey, dir: &Path) -> (Vec<u8>, SealedBody) {
    let source = dir.join("source");
    std::fs::write(&source, plain).unwrap();
    let (temp, sealed) = seal_to_temp(&source, &key.public_key(), dir, |_| {}).unwrap();
    let bytes = std::fs::read(temp.path()).unwrap();
    drop(temp);
    std::fs::remove_file(source).unwrap();
    (bytes, sealed)
}

fn expected(sealed: &SealedBody) -> Expected {
    Expected {
        ciphertext_sha256: Some(sealed.ciphertext_sha256),
        plaintext: Some((sealed.plaintext_size, sealed.plaintext_sha256)),
    }
}

#[test]
fn sizes_around_the_chunk_boundary_round_trip_exactly() {
    for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1] {
        let scratch = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let key = SecretKey::generate();
        let plain = common::bytes(size, 7);
        let (cipher, sealed) = seal(&plain, &key, scratch.path());
        assert_eq!(cipher.len() as u64, sealed.ciphertext_size);
        let dest = Destination {
            path: out.path().join("doc.bin"),
            force: false,
        };
        open_to_file(&cipher[..], &key, expected(&sealed), &dest, |_| {}).unwrap();
        assert_eq!(std::fs::read(&dest.path).unwrap(), plain, "size {size}");
        assert_eq!(common::entries(out.path()), ["doc.bin"], "size {size}");
        assert!(
            common::entries(scratch.path()).is_empty(),
            "scratch not cleaned"
        );
    }
}

/// Opens a damaged file and checks the failure is an integrity error with nothing left behind.
fn assert_refused(cipher: &[u8], key: &SecretKey, sealed: &SealedBody, what: &str) {
    let out = tempfile::tempdir().unwrap();
    let dest = Destination {
        path: out.path().join("doc.bin"),
        force: false,
    };
    let err = open_to_file(cipher, key, expected(sealed), &dest, |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Open(
                OpenError::PayloadAltered | OpenError::CiphertextDigest | OpenError::HeaderAltered
            )
        ),
        "{what}: {err}"
    );
    assert!(err.to_string().contains("integrity"), "{what}: {err}");
    assert!(
        common::entries(out.path()).is_empty(),
        "{what}: partial plaintext left"
    );
}

#[test]
fn damaged_ciphertexts_fail_and_leave_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let (cipher, sealed) = seal(&common::bytes(3 * CHUNK + 100, 3), &key, scratch.path());
    let Ok(HeaderCheck::Valid(info)) = check_header(&cipher) else {
        panic!("header")
    };
    let payload = info.header_len + 16;
    let boundary = payload + CHUNK + TAG;
    assert_refused(
        &cipher[..boundary],
        &key,
        &sealed,
        "cut at a chunk boundary",
    );
    assert_refused(
        &cipher[..2 * boundary - payload],
        &key,
        &sealed,
        "cut at the second boundary",
    );
    assert_refused(&cipher[..boundary + 1000], &key, &sealed, "cut mid-chunk");
    let mut flipped = cipher.clone();
    flipped[boundary + 10] ^= 0x01;
    assert_refused(&flipped, &key, &sealed, "byte flipped in a chunk");
    let mut header_flip = cipher.clone();
    header_flip[payload - 20] ^= 0x01;
    let out = tempfile::tempdir().unwrap();
    let dest = Destination {
        path: out.path().join("doc.bin"),
        force: false,
    };
    assert!(open_to_file(&header_flip[..], &key, expected(&sealed), &dest, |_| {}).is_err());
    assert!(
        common::entries(out.path()).is_empty(),
        "header flip left a file"
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let scratch = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let (cipher, sealed) = seal(b"new contents", &key, scratch.path());
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("doc.txt");
    std::fs::write(&path, b"old").unwrap();
    let keep = Destination {
        path: path.clone(),
        force: false,
    };
    let err = open_to_file(&cipher[..], &key, expected(&sealed), &keep, |_| {}).unwrap_err();
    assert!(matches!(err, ClientError::OutputExists(_)), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    let force = Destination {
        path: path.clone(),
        force: true,
    };
    open_to_file(&cipher[..], &key, expected(&sealed), &force, |_| {}).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new contents");
    assert_eq!(common::entries(out.path()), ["doc.txt"]);
}

#[test]
fn a_ciphertext_other_than_the_signed_one_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let (_, sealed) = seal(b"the genuine one", &key, scratch.path());
    let (other, _) = seal(b"the genuine one", &key, scratch.path());
    let out = tempfile::tempdir().unwrap();
    let dest = Destination {
        path: out.path().join("doc"),
        force: false,
    };
    let err = open_to_file(&other[..], &key, expected(&sealed), &dest, |_| {}).unwrap_err();
    assert!(
        matches!(err, ClientError::Open(OpenError::CiphertextDigest)),
        "{err}"
    );
    assert!(common::entries(out.path()).is_empty());
}
