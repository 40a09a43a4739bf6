//! Uploading a sealed document in parts, as the vault in the browser does: a byte-exact round
//! trip of a sample; parts out of order, repeated, empty, too large or numbered other than in
//! digits refused while the upload goes on; a part or a finish that fails a check ends the
//! upload with the one-request upload's answer and leaves nothing; nobody but the member who
//! began an upload can touch it; the limits on open uploads; and cancel, idle expiry and
//! shutdown leaving nothing behind.

#[path = "../../vault-server/tests/common/mod.rs"]
mod common;
#[path = "upload_parts/steps.rs"]
mod steps;
mod web_vault;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vault_core::statement::Role;
use vault_tests::web::Browser;

use common::{Case, Org, Person, Server};
use steps::{
    assert_nothing_kept, begin, begin_raw, cancel, finish, part, part_taken, refused_with,
    send_parts, PART_BYTES_MAX,
};

const OUT_OF_ORDER: &str = "the parts must be sent in order, each once";
const NOT_AGE: &str = "the body is not a well-formed age v1 file";
const NOT_DIGITS: &str =
    "the part number must be written in digits: 0 for the first part, then 1, 2 and so on";
const PART_TOO_LARGE: &str = "the part is larger than the limit of 8388608 bytes (8 MiB)";

/// Northshire Council founded on `server`, its manager, and a new case of it.
async fn northshire(server: &Server) -> (Org, Person, Case) {
    let (org, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&org, &mgr, "NC-P").await;
    (org, mgr, case)
}

fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name}"))
}

#[tokio::test]
async fn a_sample_sent_in_parts_round_trips_and_is_stored_sealed() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let practitioner = server.add_member(&org, &mgr, Role::Practitioner).await;
    let sample = vault_tests::sample_files()
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let plain = std::fs::read(&sample).unwrap();
    let sealed = common::seal(&org, &practitioner, &case, &plain);
    // Several parts and a short last one.
    assert!(sealed.body.len() > 4 * 64 * 1024);
    assert!(!sealed.body.len().is_multiple_of(64 * 1024));
    let token = &practitioner.token;
    let id = begin(&server, token, case.id).await;
    send_parts(&server, token, &id, &sealed.body, 64 * 1024).await;
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let resp = finish(&server, token, &id, &manifest).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let summary: Value = resp.json().await.unwrap();
    assert_eq!(summary["document_id"], sealed.id.to_string());
    assert_eq!(summary["case_id"], case.id.to_string());
    assert_eq!(summary["ciphertext_size"], sealed.body.len() as u64);
    assert_eq!(summary["sealed_by"], practitioner.user_id.to_string());

    let stored = server.document_body(sealed.id, &mgr.token).await;
    assert!(stored == sealed.body, "the stored body differs");
    assert_eq!(server.rows("documents").await, 1);
    assert!(server.uploads_in_progress().await.is_empty());
    let store = vault_server::objects::open(&server.settings).unwrap();
    let keys: Vec<_> = futures::TryStreamExt::try_collect(store.list(None))
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].location.as_ref().starts_with("documents/received/"));
    let object = store.get(&keys[0].location).await.unwrap().bytes().await;
    let windows: std::collections::HashSet<&[u8]> = plain.windows(vault_tests::WINDOW).collect();
    assert!(
        !object
            .unwrap()
            .windows(vault_tests::WINDOW)
            .any(|w| windows.contains(w)),
        "the stored object holds bytes of the sample"
    );
    let metrics = server.get("/metrics", "").await.text().await.unwrap();
    let written = counter(&metrics, "vault_object_body_bytes_written_total");
    assert_eq!(written, sealed.body.len() as u64);
    assert!(counter(&metrics, "vault_upload_body_bytes_total") >= written);

    // The upload is over: its id is unknown now.
    assert_eq!(finish(&server, token, &id, &manifest).await.status(), 404);
    assert_eq!(part(&server, token, &id, 5, b"x").await.status(), 404);
    assert_eq!(cancel(&server, token, &id).await.status(), 404);
}

#[tokio::test]
async fn parts_out_of_order_repeated_empty_or_too_large_are_refused_and_the_upload_goes_on() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    // One part of the largest size, then a short one.
    let plain: Vec<u8> = (0..PART_BYTES_MAX + 300_000)
        .map(|i| (i % 251) as u8)
        .collect();
    let sealed = common::seal(&org, &mgr, &case, &plain);
    let (first, tail) = sealed.body.split_at(PART_BYTES_MAX);
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;

    let early = part(&server, token, &id, 1, tail).await;
    assert_eq!(
        refused_with(early, StatusCode::CONFLICT).await,
        OUT_OF_ORDER
    );
    let mut too_large = first.to_vec();
    too_large.resize(9 * 1024 * 1024, 0);
    let resp = part(&server, token, &id, 0, &too_large).await;
    assert_eq!(
        refused_with(resp, StatusCode::PAYLOAD_TOO_LARGE).await,
        PART_TOO_LARGE
    );
    // The same without a declared length: the server stops at the limit as it reads.
    let stream = futures::stream::iter(
        too_large
            .chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let resp = server
        .client
        .put(server.url(&format!("/v1/uploads/{id}/parts/0")))
        .bearer_auth(token)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused_with(resp, StatusCode::PAYLOAD_TOO_LARGE).await,
        PART_TOO_LARGE
    );
    let empty = part(&server, token, &id, 0, b"").await;
    assert_eq!(
        refused_with(empty, StatusCode::BAD_REQUEST).await,
        "a part must hold at least one byte"
    );

    part_taken(&server, token, &id, 0, first, PART_BYTES_MAX).await;
    let again = part(&server, token, &id, 0, first).await;
    assert_eq!(
        refused_with(again, StatusCode::CONFLICT).await,
        OUT_OF_ORDER
    );
    part_taken(&server, token, &id, 1, tail, sealed.body.len()).await;
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let resp = finish(&server, token, &id, &manifest).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let stored = server.document_body(sealed.id, token).await;
    assert!(stored == sealed.body, "the stored body differs");
    assert_eq!(server.stored_objects().await.len(), 1);
}

#[tokio::test]
async fn a_part_number_not_in_digits_is_refused_and_the_upload_goes_on() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let sealed = common::seal(&org, &mgr, &case, &vec![3u8; 200_000]);
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;
    // A whole part's worth of bytes: the answer is heard, not a connection cut off unread.
    let full = vec![0u8; PART_BYTES_MAX];
    for n in ["x", "-1", "+1", "1.5", "0x1", "%20"] {
        let resp = part(&server, token, &id, n, &full).await;
        assert_eq!(
            refused_with(resp, StatusCode::BAD_REQUEST).await,
            NOT_DIGITS,
            "{n}"
        );
    }
    // Digits, but too many for any upload: never the next part.
    let resp = part(&server, token, &id, "99999999999999999999999", b"x").await;
    assert_eq!(refused_with(resp, StatusCode::CONFLICT).await, OUT_OF_ORDER);
    send_parts(&server, token, &id, &sealed.body, 70_000).await;
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let resp = finish(&server, token, &id, &manifest).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(server.document_body(sealed.id, token).await == sealed.body);
}

#[tokio::test]
async fn a_first_part_that_is_not_age_ends_the_upload() {
    let server = common::start().await;
    let (_, mgr, case) = northshire(&server).await;
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;
    let resp = part(&server, token, &id, 0, &[b'x'; 4096]).await;
    assert_eq!(refused_with(resp, StatusCode::BAD_REQUEST).await, NOT_AGE);
    for resp in [
        part(&server, token, &id, 1, b"x").await,
        part(&server, token, &id, 0, b"x").await,
        finish(&server, token, &id, b"{}").await,
        cancel(&server, token, &id).await,
    ] {
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(common::error_code(resp).await, "not_found");
    }
    assert_nothing_kept(&server).await;
}

/// [`steps::refused_like_one_request`], answering the status and the error sentence.
async fn refused_both_ways(
    server: &Server,
    token: &str,
    case: &Case,
    manifest: &[u8],
    body: &[u8],
) -> (StatusCode, String) {
    let (status, answer) =
        steps::refused_like_one_request(server, token, case.id, manifest, body).await;
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    (status, message.to_owned())
}

#[tokio::test]
async fn a_finish_that_fails_a_check_answers_as_one_request_does_and_keeps_nothing() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let other_case = server.create_case(&org, &mgr, "NC-P-2").await;
    let token = &mgr.token;
    let sealed = common::seal(&org, &mgr, &case, &vec![3u8; 300_000]);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let bad = StatusCode::BAD_REQUEST;

    let mut flipped = sealed.body.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let differs = "the body differs from the signed statement".to_owned();
    let answer = refused_both_ways(&server, token, &case, &manifest, &flipped).await;
    assert_eq!(answer, (bad, differs));

    // Another case's statement, and another document's.
    let named = "the statement names another organisation, case, document or key".to_owned();
    let theirs = common::seal(&org, &mgr, &other_case, &vec![3u8; 300_000]);
    let their_manifest = serde_json::to_vec(&theirs.manifest).unwrap();
    let answer = refused_both_ways(&server, token, &case, &their_manifest, &theirs.body).await;
    assert_eq!(answer, (bad, named.clone()));
    let mut swapped = sealed.manifest.clone();
    swapped.statement = common::seal(&org, &mgr, &case, b"another")
        .manifest
        .statement;
    let swapped = serde_json::to_vec(&swapped).unwrap();
    let answer = refused_both_ways(&server, token, &case, &swapped, &sealed.body).await;
    assert_eq!(answer, (bad, named));

    let not_json = "the manifest is not valid JSON of the expected shape".to_owned();
    let answer = refused_both_ways(&server, token, &case, b"{no", &sealed.body).await;
    assert_eq!(answer, (bad, not_json));
    let oversize = vec![b' '; 64 * 1024 + 1];
    let answer = refused_both_ways(&server, token, &case, &oversize, &sealed.body).await;
    let too_large = "the manifest is larger than the limit of 65536 bytes (64 KiB)".to_owned();
    assert_eq!(answer, (StatusCode::PAYLOAD_TOO_LARGE, too_large));

    // No part at all.
    let id = begin(&server, token, case.id).await;
    let resp = finish(&server, token, &id, &manifest).await;
    assert_eq!(refused_with(resp, bad).await, NOT_AGE);
    assert_nothing_kept(&server).await;
}

#[tokio::test]
async fn nobody_but_the_member_who_began_an_upload_can_touch_it() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let colleague = server.add_member(&org, &mgr, Role::Practitioner).await;
    let (_, other_mgr) = server.found_org("Eastvale Fostering").await;
    let sealed = common::seal(&org, &mgr, &case, &vec![8u8; 200_000]);
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let id = begin(&server, &mgr.token, case.id).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let tries = [
        (&colleague.token, id.as_str()),
        (&other_mgr.token, id.as_str()),
        (&mgr.token, unknown.as_str()),
    ];
    for (token, upload) in tries {
        for resp in [
            part(&server, token, upload, 0, &sealed.body).await,
            finish(&server, token, upload, &manifest).await,
            cancel(&server, token, upload).await,
        ] {
            assert_eq!(resp.status(), StatusCode::NOT_FOUND);
            assert_eq!(common::error_code(resp).await, "not_found");
        }
    }
    // Another organisation's case cannot be uploaded to at all.
    let resp = begin_raw(&server, &other_mgr.token, case.id).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = part(&server, &mgr.token, "not-a-uuid", 0, b"x").await;
    assert_eq!(
        refused_with(resp, StatusCode::BAD_REQUEST).await,
        "a path parameter is not a valid id"
    );
    let resp = server
        .client
        .post(server.url(&format!("/v1/uploads/{id}/finish")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    send_parts(&server, &mgr.token, &id, &sealed.body, 50_000).await;
    let resp = finish(&server, &mgr.token, &id, &manifest).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(server.rows("documents").await, 1);
}

#[tokio::test]
async fn a_cancelled_upload_leaves_nothing() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let sealed = common::seal(&org, &mgr, &case, &vec![4u8; 200_000]);
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;
    part_taken(&server, token, &id, 0, &sealed.body[..100_000], 100_000).await;
    assert!(!server.uploads_in_progress().await.is_empty());
    let resp = cancel(&server, token, &id).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(part(&server, token, &id, 1, b"x").await.status(), 404);
    assert_eq!(cancel(&server, token, &id).await.status(), 404);
    assert_nothing_kept(&server).await;
}

#[tokio::test]
async fn a_member_may_have_four_uploads_open_at_once() {
    let server = common::start().await;
    let (org, mgr, case) = northshire(&server).await;
    let colleague = server.add_member(&org, &mgr, Role::Practitioner).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(begin(&server, &mgr.token, case.id).await);
    }
    let fifth = begin_raw(&server, &mgr.token, case.id).await;
    assert_eq!(
        refused_with(fifth, StatusCode::TOO_MANY_REQUESTS).await,
        "too many uploads in progress; finish or cancel one first"
    );
    // Another member's count is their own.
    let theirs = begin(&server, &colleague.token, case.id).await;
    assert_eq!(
        cancel(&server, &colleague.token, &theirs).await.status(),
        204
    );
    assert_eq!(cancel(&server, &mgr.token, &open[0]).await.status(), 204);
    let again = begin(&server, &mgr.token, case.id).await;
    assert_eq!(cancel(&server, &mgr.token, &again).await.status(), 204);
}

#[tokio::test]
async fn an_idle_upload_expires_and_leaves_nothing() {
    let server = common::start_with(|s| s.upload_idle_secs = 1).await;
    let (org, mgr, case) = northshire(&server).await;
    let sealed = common::seal(&org, &mgr, &case, &vec![6u8; 200_000]);
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;
    part_taken(&server, token, &id, 0, &sealed.body[..1000], 1000).await;
    // A part with the wrong number does not count as use; it is answered 409 until the
    // upload is gone, then 404.
    common::eventually("idle upload expired", || async {
        part(&server, token, &id, 7, b"x").await.status() == StatusCode::NOT_FOUND
    })
    .await;
    assert_nothing_kept(&server).await;
}

#[tokio::test]
async fn over_the_upload_limit_across_parts_ends_the_upload() {
    let server = common::start_with(|s| s.max_upload_bytes = 150_000).await;
    let (org, mgr, case) = northshire(&server).await;
    let sealed = common::seal(&org, &mgr, &case, &vec![2u8; 200_000]);
    let token = &mgr.token;
    let id = begin(&server, token, case.id).await;
    part_taken(&server, token, &id, 0, &sealed.body[..100_000], 100_000).await;
    let resp = part(&server, token, &id, 1, &sealed.body[100_000..]).await;
    assert_eq!(
        refused_with(resp, StatusCode::PAYLOAD_TOO_LARGE).await,
        "the sealed document is larger than the limit of 150000 bytes (146.5 KiB)"
    );
    assert_eq!(part(&server, token, &id, 1, b"x").await.status(), 404);
    assert_nothing_kept(&server).await;
}

#[tokio::test]
async fn shutdown_ends_open_uploads_and_answers_a_part_in_flight_503() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut server = common::start_with(|s| s.shutdown_grace_secs = 1).await;
    let (org, mgr, case) = northshire(&server).await;
    let sealed = common::seal(&org, &mgr, &case, &vec![1u8; 200_000]);
    let resting = begin(&server, &mgr.token, case.id).await;
    part_taken(&server, &mgr.token, &resting, 0, &sealed.body[..1000], 1000).await;
    // Another upload's first part, half sent when the server is told to stop.
    let sending = begin(&server, &mgr.token, case.id).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "PUT /v1/uploads/{sending}/parts/0 HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        mgr.token,
        sealed.body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&sealed.body[..50_000]).await.unwrap();
    stream.flush().await.unwrap();
    common::eventually("the part is being received", || async {
        let resp = part(&server, &mgr.token, &sending, 5, b"x").await;
        common::error_message(resp).await == "another request on this upload is still being handled"
    })
    .await;
    server.shut_down().await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("the server is shutting down; send the document again"),
        "{answer}"
    );
    assert_nothing_kept(&server).await;
}

#[tokio::test]
async fn a_page_session_can_upload_in_parts() {
    let server = common::start().await;
    let (_, mgr, case) = northshire(&server).await;
    let mut browser = Browser::new(&server.base);
    browser.sign_in(&mgr.email, common::PASSWORD).await;
    let page = browser.get("/dashboard").await;
    let token = web_vault::meta_token(&page).expect("the page carries the session token");
    let with_token = [(web_vault::HEADER, token.as_str())];
    let path = format!("/v1/cases/{}/uploads", case.id);
    let started = browser.api(Method::POST, &path, None, &with_token).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let id = web_vault::json_of(&started)["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let without = browser.api(Method::POST, &path, None, &[]).await;
    assert_eq!(without.status, 401);
    let path = format!("/v1/uploads/{id}");
    let cancelled = browser.api(Method::DELETE, &path, None, &with_token).await;
    assert_eq!(cancelled.status, 204);
    assert_nothing_kept(&server).await;
}
