//! Uploads that send the `body` part before the `manifest` part, as a client that uploads while
//! it seals does: a byte-exact round trip, and every fault answered exactly as the manifest-first
//! order answers it (same status, same error body), with no object and no row left behind.

mod common;

use reqwest::StatusCode;
use serde_json::Value;
use vault_core::ids::CaseId;
use vault_core::keys::SecretKey;
use vault_core::statement::Role;

use common::{Case, Org, Person, Server};

/// Sends `manifest` and `body` in both orders; asserts both answers are `status` with the
/// same error body and that nothing was kept; returns the error body.
async fn refused_in_both_orders(
    server: &common::Server,
    token: &str,
    case: CaseId,
    manifest: &[u8],
    body: &[u8],
    status: StatusCode,
) -> Value {
    let mut answers = Vec::new();
    for parts in [
        [("manifest", manifest), ("body", body)],
        [("body", body), ("manifest", manifest)],
    ] {
        let resp = server.upload_parts(token, case, &parts).await;
        assert_eq!(resp.status(), status, "{} first", parts[0].0);
        answers.push(resp.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(server.rows("documents").await, 0);
    let left = server.everything_stored().await;
    assert!(left.is_empty(), "{left:?}");
    answers.remove(1)
}

/// Northshire Council founded on `server`, its manager, and a new case `reference` of it.
async fn northshire_case(server: &Server, reference: &str) -> (Org, Person, Case) {
    let (org, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&org, &mgr, reference).await;
    (org, mgr, case)
}

fn message(answer: &Value) -> &str {
    answer["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn body_first_round_trips_byte_for_byte() {
    let server = common::start().await;
    let (org, mgr) = server.found_org("Northshire Council").await;
    let practitioner = server.add_member(&org, &mgr, Role::Practitioner).await;
    let case = server.create_case(&org, &practitioner, "NC-B").await;
    // 11 MiB: several object parts, so the body is stored before the manifest is read.
    let plain: Vec<u8> = (0..11 * 1024 * 1024)
        .map(|i: u32| (i % 241) as u8)
        .collect();
    let sealed = common::seal(&org, &practitioner, &case, &plain);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let resp = server
        .upload_parts(
            &practitioner.token,
            case.id,
            &[("body", &sealed.body), ("manifest", &manifest)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let summary: Value = resp.json().await.unwrap();
    assert_eq!(summary["document_id"], sealed.id.to_string());
    assert_eq!(summary["ciphertext_size"], sealed.body.len() as u64);
    let stored = server.document_body(sealed.id, &mgr.token).await;
    assert!(stored == sealed.body, "the stored body differs");
    assert_eq!(server.rows("documents").await, 1);
    let objects = server.stored_objects().await;
    assert_eq!(objects.len(), 1);
    assert!(objects[0].contains("documents/received/"), "{objects:?}");
    assert!(server.uploads_in_progress().await.is_empty());

    // The same document id again: refused once the manifest is read, the second body deleted.
    let again = server
        .upload_parts(
            &practitioner.token,
            case.id,
            &[("body", &sealed.body), ("manifest", &manifest)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(server.stored_objects().await.len(), 1);
    assert_eq!(server.rows("documents").await, 1);
}

#[tokio::test]
async fn a_body_that_differs_from_its_statement_is_refused_in_either_order() {
    let server = common::start().await;
    let (org, mgr, case) = northshire_case(&server, "NC-D").await;
    let sealed = common::seal(&org, &mgr, &case, &vec![5u8; 200_000]);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let differs = "the body differs from the signed statement";

    let mut flipped = sealed.body.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let shorter = &sealed.body[..sealed.body.len() - 1];
    let mut longer = sealed.body.clone();
    longer.push(0);
    for body in [&flipped[..], shorter, &longer[..]] {
        let answer = refused_in_both_orders(
            &server,
            &mgr.token,
            case.id,
            &manifest,
            body,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(message(&answer), differs);
    }
}

#[tokio::test]
async fn a_bad_manifest_after_the_body_leaves_nothing() {
    let server = common::start().await;
    let (org, mgr) = server.found_org("Northshire Council").await;
    let practitioner = server.add_member(&org, &mgr, Role::Practitioner).await;
    let case = server.create_case(&org, &practitioner, "NC-M").await;
    let token = &practitioner.token;
    let sealed = common::seal(&org, &practitioner, &case, b"court papers");

    let answer = refused_in_both_orders(
        &server,
        token,
        case.id,
        b"{not json",
        &sealed.body,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        message(&answer),
        "the manifest is not valid JSON of the expected shape"
    );

    let oversize = vec![b' '; 64 * 1024 + 1];
    let answer = refused_in_both_orders(
        &server,
        token,
        case.id,
        &oversize,
        &sealed.body,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(answer["error"]["code"], "payload_too_large");
    assert_eq!(
        message(&answer),
        "the manifest is larger than the limit of 65536 bytes (64 KiB)"
    );

    // Signed with the manager's key while the practitioner uploads.
    let forged = common::seal(&org, &mgr, &case, b"court papers");
    let forged_manifest = serde_json::to_vec(&forged.manifest).unwrap();
    let answer = refused_in_both_orders(
        &server,
        token,
        case.id,
        &forged_manifest,
        &forged.body,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(answer["error"]["code"], "bad_request");

    // No manifest at all, or two bodies.
    let parts_text = "the upload must have a manifest part and a body part, in either order";
    for parts in [
        vec![("body", &sealed.body[..])],
        vec![("body", &sealed.body[..]), ("body", &sealed.body[..])],
    ] {
        let resp = server.upload_parts(token, case.id, &parts).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(common::error_message(resp).await, parts_text);
    }
    // A well-formed upload with one more part after it, in either order.
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    for parts in [
        [
            ("manifest", &manifest[..]),
            ("body", &sealed.body[..]),
            ("junk", b"x"),
        ],
        [
            ("body", &sealed.body[..]),
            ("manifest", &manifest[..]),
            ("junk", b"x"),
        ],
    ] {
        let resp = server.upload_parts(token, case.id, &parts).await;
        assert_eq!(
            resp.status(),
            StatusCode::BAD_REQUEST,
            "{} first",
            parts[0].0
        );
        assert_eq!(
            common::error_message(resp).await,
            "the upload has a part other than its manifest and its body"
        );
    }
    assert_eq!(server.rows("documents").await, 0);
    let left = server.everything_stored().await;
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn another_organisations_case_is_refused_before_a_body_byte_is_stored() {
    let server = common::start().await;
    let (org, mgr) = server.found_org("Northshire Council").await;
    let (other_org, other_mgr) = server.found_org("Eastvale Fostering").await;
    let theirs = server.create_case(&other_org, &other_mgr, "EV-1").await;
    // A manifest signed for their case id, with our own key: the case check is what refuses.
    let case = common::Case {
        id: theirs.id,
        key: common::copy_key(&theirs.key),
    };
    let sealed = common::seal(&org, &mgr, &case, &vec![1u8; 300_000]);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let answer = refused_in_both_orders(
        &server,
        &mgr.token,
        theirs.id,
        &manifest,
        &sealed.body,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(answer["error"]["code"], "not_found");
    let metrics = server.get("/metrics", "").await.text().await.unwrap();
    let written = metrics
        .lines()
        .find_map(|l| l.strip_prefix("vault_object_body_bytes_written_total "));
    assert_eq!(written, Some("0"), "body bytes were written to the store");
}

#[tokio::test]
async fn a_client_that_goes_away_mid_body_leaves_nothing() {
    let server = common::start().await;
    let (org, mgr, case) = northshire_case(&server, "NC-X").await;
    let key = SecretKey::generate();
    let body = common::age_file_of_size(&key, 200_000);
    let sealed = common::sealed_from_body(&org, &mgr, &case, key, body);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let (content_type, full) =
        common::multipart_of(&[("body", &sealed.body), ("manifest", &manifest)]);
    let (stream, _) = server
        .send_half_upload(&mgr.token, case.id, &content_type, &full)
        .await;
    common::eventually("upload started", || async {
        !server.uploads_in_progress().await.is_empty()
    })
    .await;
    drop(stream);
    common::eventually("clean-up after disconnect", || async {
        server.everything_stored().await.is_empty()
    })
    .await;
    assert_eq!(server.rows("documents").await, 0);
}

#[tokio::test]
async fn a_client_that_goes_away_before_the_manifest_ends_leaves_nothing() {
    let server = common::start().await;
    let (org, mgr, case) = northshire_case(&server, "NC-Z").await;
    let sealed = common::seal(&org, &mgr, &case, &vec![9u8; 100_000]);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let (content_type, full) =
        common::multipart_of(&[("body", &sealed.body), ("manifest", &manifest)]);
    // The whole body and half the manifest: the object is complete, the row not yet written.
    let cut = full.len() - manifest.len() / 2;
    let (stream, _) = server
        .send_upload_prefix(&mgr.token, case.id, &content_type, &full, cut)
        .await;
    common::eventually("object complete", || async {
        !server.stored_objects().await.is_empty()
    })
    .await;
    assert_eq!(server.rows("documents").await, 0);
    drop(stream);
    common::eventually("object deleted after disconnect", || async {
        server.everything_stored().await.is_empty()
    })
    .await;
    assert_eq!(server.rows("documents").await, 0);
}

#[tokio::test]
async fn a_client_that_goes_quiet_mid_body_is_answered_and_leaves_nothing() {
    let server = common::start_with(|s| s.upload_idle_secs = 1).await;
    let (org, mgr, case) = northshire_case(&server, "NC-Q").await;
    let key = SecretKey::generate();
    let body = common::age_file_of_size(&key, 200_000);
    let sealed = common::sealed_from_body(&org, &mgr, &case, key, body);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let (content_type, full) =
        common::multipart_of(&[("body", &sealed.body), ("manifest", &manifest)]);
    // Half the body, then silence with the connection held open.
    let (mut stream, _) = server
        .send_half_upload(&mgr.token, case.id, &content_type, &full)
        .await;
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer);
    tokio::time::timeout(std::time::Duration::from_secs(20), read)
        .await
        .expect("the server answers a quiet upload instead of waiting for ever")
        .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("the multipart body is malformed or ended early"),
        "{answer}"
    );
    common::eventually("clean-up after silence", || async {
        server.everything_stored().await.is_empty()
    })
    .await;
    assert_eq!(server.rows("documents").await, 0);
}
