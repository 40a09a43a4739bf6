//! Property tests of the core formats: seal/open round trips for any bytes, and parsers
//! (statement decoding, age header checks) that refuse any input without panicking.

use proptest::prelude::*;
use vault_core::header::{check_header, HeaderCheck};
use vault_core::keys::SecretKey;
use vault_core::seal::{self, DocumentMetadata, Expected, OpenError};
use vault_core::statement::Statement;

fn sealed(plaintext: &[u8], key: &SecretKey) -> (Vec<u8>, seal::SealedBody) {
    let mut out = Vec::new();
    let body = seal::seal(plaintext, &key.public_key(), &mut out, |_| {}).unwrap();
    (out, body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn seal_then_open_gives_back_the_same_bytes(
        plaintext in proptest::collection::vec(any::<u8>(), 0..200_000)
    ) {
        let key = SecretKey::generate();
        let (ciphertext, body) = sealed(&plaintext, &key);
        prop_assert_eq!(body.ciphertext_size, ciphertext.len() as u64);
        prop_assert_eq!(body.ciphertext_sha256, vault_core::sha256(&ciphertext));
        let expected = Expected {
            ciphertext_sha256: Some(body.ciphertext_sha256),
            plaintext: Some((body.plaintext_size, body.plaintext_sha256)),
        };
        let mut back = Vec::new();
        seal::open(&ciphertext[..], &key, expected, &mut back, |_| {}).unwrap();
        prop_assert_eq!(back, plaintext);
    }

    #[test]
    fn statement_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Statement::decode(&bytes);
    }

    #[test]
    fn header_check_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = check_header(&bytes);
        let mut prefixed = vault_core::header::MAGIC.to_vec();
        prefixed.extend_from_slice(&bytes);
        let _ = check_header(&prefixed);
    }
}

#[test]
fn every_boundary_size_round_trips_and_every_flip_is_caught() {
    let key = SecretKey::generate();
    for size in [0usize, 1, 65_535, 65_536, 65_537] {
        let plaintext: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let (ciphertext, body) = sealed(&plaintext, &key);
        let expected = Expected {
            ciphertext_sha256: Some(body.ciphertext_sha256),
            plaintext: Some((body.plaintext_size, body.plaintext_sha256)),
        };
        let mut back = Vec::new();
        seal::open(&ciphertext[..], &key, expected, &mut back, |_| {}).unwrap();
        assert_eq!(back, plaintext, "size {size}");

        let mut flipped = ciphertext.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        let err = seal::open(&flipped[..], &key, Expected::default(), Vec::new(), |_| {});
        assert!(
            matches!(err, Err(OpenError::PayloadAltered)),
            "size {size}: {err:?}"
        );
    }
}

#[test]
fn truncation_at_a_chunk_boundary_is_caught() {
    let key = SecretKey::generate();
    let plaintext = vec![7u8; 3 * 65_536];
    let (ciphertext, _) = sealed(&plaintext, &key);
    let HeaderCheck::Valid(info) = check_header(&ciphertext).unwrap() else {
        panic!()
    };
    // Header, 16-byte nonce, then chunks of 64 KiB plaintext + 16-byte tag.
    let two_chunks = info.header_len + 16 + 2 * (65_536 + 16);
    for cut in [two_chunks, two_chunks - 5, ciphertext.len() - 1] {
        let err = seal::open(
            &ciphertext[..cut],
            &key,
            Expected::default(),
            Vec::new(),
            |_| {},
        );
        assert!(
            matches!(err, Err(OpenError::PayloadAltered)),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn a_different_ciphertext_than_the_signed_one_is_refused() {
    let key = SecretKey::generate();
    let (ciphertext, body) = sealed(b"case notes", &key);
    let (other, _) = sealed(b"case notes", &key);
    let expected = Expected {
        ciphertext_sha256: Some(body.ciphertext_sha256),
        plaintext: None,
    };
    let err = seal::open(&other[..], &key, expected, Vec::new(), |_| {});
    assert!(matches!(err, Err(OpenError::CiphertextDigest)));
    let ok = seal::open(&ciphertext[..], &key, expected, Vec::new(), |_| {});
    assert!(ok.is_ok());
}

#[test]
fn metadata_round_trips_with_awkward_names_and_opens_only_with_its_key() {
    let key = SecretKey::generate();
    let meta = DocumentMetadata {
        file_name: "Médical report – Zoë (2).pdf".into(),
        media_type: "application/pdf".into(),
        size: 1747,
        sha256: [3; 32],
    };
    let sealed = meta.seal(&key.public_key()).unwrap();
    assert!(!sealed.windows(7).any(|w| w == b"dical r"));
    assert_eq!(DocumentMetadata::open(&sealed, &key).unwrap(), meta);
    let other = SecretKey::generate();
    assert!(matches!(
        DocumentMetadata::open(&sealed, &other),
        Err(OpenError::Metadata)
    ));
}
