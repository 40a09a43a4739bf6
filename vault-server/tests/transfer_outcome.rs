//! A waiting transfer offer can be withdrawn by the sender or declined by the receiver, which
//! frees the case for a new offer; while an offer waits, nothing can be sealed into the case,
//! since the offer re-wraps exactly the documents the case had when it was made.

mod common;

use common::{envelope, sign, Case, Org, Person, Sealed, Server};
use reqwest::StatusCode;
use vault_core::api::{
    AcceptTransferRequest, AccessPath, DocumentAccess, DocumentEnvelope, TransferOffer,
    TransferStatus, TransferSummary,
};
use vault_core::ids::TransferId;
use vault_core::keys::SecretKey;
use vault_core::seal::Expected;
use vault_core::statement::{Claim, KeyScope, Role};

const WAITING: &str =
    "the case has a transfer offer waiting; withdraw it or wait for the receiving organisation";
const CLOSED: &str =
    "the transfer offer is no longer waiting: it was accepted, withdrawn or declined";

/// Two organisations, a case of Northshire's with two documents sealed by a practitioner.
struct World {
    server: Server,
    north: Org,
    north_mgr: Person,
    practitioner: Person,
    bright: Org,
    bright_mgr: Person,
    case: Case,
    docs: Vec<(Sealed, &'static [u8])>,
}

async fn world() -> World {
    let server = common::start().await;
    let (north, north_mgr) = server.found_org("Northshire Council").await;
    let (bright, bright_mgr) = server.found_org("Brightwater Adoption Agency").await;
    let practitioner = server
        .add_member(&north, &north_mgr, Role::Practitioner)
        .await;
    let case = server.create_case(&north, &practitioner, "NC-W").await;
    let mut docs = Vec::new();
    for plain in [&b"medical report"[..], &b"court order"[..]] {
        let sealed = common::seal(&north, &practitioner, &case, plain);
        let resp = server.upload(&practitioner.token, case.id, &sealed).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        docs.push((sealed, plain));
    }
    World {
        server,
        north,
        north_mgr,
        practitioner,
        bright,
        bright_mgr,
        case,
        docs,
    }
}

/// Offers the case to Brightwater with the case's documents re-wrapped to a fresh case key.
async fn offer(w: &World) -> (TransferId, SecretKey) {
    let new_key = SecretKey::generate();
    let transfer_id = TransferId::new();
    let mgr = &w.north_mgr;
    let document_envelopes = w
        .docs
        .iter()
        .map(|(d, _)| DocumentEnvelope {
            document_id: d.id,
            envelope: envelope(
                &mgr.sign,
                w.north.id,
                KeyScope::Document(d.id),
                &d.key,
                &new_key.public_key(),
            ),
        })
        .collect();
    let offer = TransferOffer {
        transfer_id,
        to_org: w.bright.id,
        new_case_key: new_key.public_key(),
        case_envelope: envelope(
            &mgr.sign,
            w.north.id,
            KeyScope::Case(w.case.id),
            &new_key,
            &w.bright.key.public_key(),
        ),
        document_envelopes,
        statement: sign(
            &mgr.sign,
            Claim::CaseTransferred {
                case: w.case.id,
                from_org: w.north.id,
                to_org: w.bright.id,
                to_org_key: w.bright.key.fingerprint(),
                new_case_key: new_key.fingerprint(),
                documents: w.docs.len() as u64,
            },
        ),
    };
    let resp = w
        .server
        .post(
            &format!("/v1/cases/{}/transfers", w.case.id),
            &mgr.token,
            &offer,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    (transfer_id, new_key)
}

async fn close(w: &World, transfer: TransferId, how: &str, token: &str) -> reqwest::Response {
    let path = format!("/v1/transfers/{transfer}/{how}");
    w.server.post(&path, token, &serde_json::json!({})).await
}

async fn accept(w: &World, transfer: TransferId, new_key: &SecretKey) -> reqwest::Response {
    let request = AcceptTransferRequest {
        statement: sign(
            &w.bright_mgr.sign,
            Claim::TransferAccepted {
                case: w.case.id,
                from_org: w.north.id,
                to_org: w.bright.id,
                new_case_key: new_key.fingerprint(),
            },
        ),
    };
    let path = format!("/v1/transfers/{transfer}/accept");
    w.server.post(&path, &w.bright_mgr.token, &request).await
}

async fn status_of(w: &World, transfer: TransferId) -> TransferStatus {
    let all: Vec<TransferSummary> = w
        .server
        .get("/v1/transfers", &w.north_mgr.token)
        .await
        .json()
        .await
        .unwrap();
    all.iter()
        .find(|t| t.transfer_id == transfer)
        .expect("the transfer is listed")
        .status
}

/// The audit actions a manager can see (their organisation's and their cases').
async fn audit_actions(w: &World, token: &str) -> Vec<String> {
    let events: serde_json::Value = w
        .server
        .get("/v1/audit/events?limit=1000", token)
        .await
        .json()
        .await
        .unwrap();
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// Brightwater accepts the offer and opens every document of the case.
async fn accepted_and_opened(w: &World, transfer: TransferId, new_key: &SecretKey) {
    let resp = accept(w, transfer, new_key).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    receiver_opens_everything(w, new_key).await;
}

/// Opens every document as Brightwater would: org key, then case key, then document key.
async fn receiver_opens_everything(w: &World, new_key: &SecretKey) {
    for (sealed, plain) in &w.docs {
        let access: DocumentAccess = w
            .server
            .get(&format!("/v1/documents/{}", sealed.id), &w.bright_mgr.token)
            .await
            .json()
            .await
            .unwrap();
        let AccessPath::Case {
            case_envelope,
            document_envelope,
        } = access.path
        else {
            panic!("expected the case path")
        };
        let case_key =
            SecretKey::unwrap(&case_envelope.wrapped, &[&w.bright.key], case_envelope.key).unwrap();
        assert_eq!(case_key.fingerprint(), new_key.fingerprint());
        let doc_key = SecretKey::unwrap(
            &document_envelope.wrapped,
            &[&case_key],
            sealed.key.fingerprint(),
        )
        .unwrap();
        let body = w.server.document_body(sealed.id, &w.bright_mgr.token).await;
        let mut opened = Vec::new();
        vault_core::seal::open(
            &body[..],
            &doc_key,
            Expected::default(),
            &mut opened,
            |_| {},
        )
        .unwrap();
        assert_eq!(&opened[..], *plain);
    }
}

#[tokio::test]
async fn withdrawn_offer_frees_the_case_for_a_new_one_that_is_accepted() {
    let w = world().await;
    let (first, _) = offer(&w).await;
    let late = common::seal(&w.north, &w.practitioner, &w.case, b"late");
    let resp = w
        .server
        .upload(&w.practitioner.token, w.case.id, &late)
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(common::error_message(resp).await, WAITING);

    let resp = close(&w, first, "withdraw", &w.north_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_of(&w, first).await, TransferStatus::Withdrawn);
    let resp = close(&w, first, "withdraw", &w.north_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(common::error_message(resp).await, CLOSED);
    let resp = close(&w, first, "decline", &w.bright_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // The case takes documents again, and a new offer covers them.
    let mut w = w;
    let resp = w
        .server
        .upload(&w.practitioner.token, w.case.id, &late)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    w.docs.push((late, b"late"));
    let (second, new_key) = offer(&w).await;
    assert_eq!(
        accept(&w, second, &new_key).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(status_of(&w, second).await, TransferStatus::Accepted);
    let resp = close(&w, second, "withdraw", &w.north_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(common::error_message(resp).await, CLOSED);
    receiver_opens_everything(&w, &new_key).await;
    let actions = audit_actions(&w, &w.north_mgr.token).await;
    let withdrawn = actions
        .iter()
        .filter(|a| *a == "case.transfer_withdrawn")
        .count();
    assert_eq!(withdrawn, 1, "{actions:?}");
}

#[tokio::test]
async fn declined_offer_is_closed_and_the_case_can_be_offered_again() {
    let w = world().await;
    let (transfer, new_key) = offer(&w).await;
    let resp = close(&w, transfer, "decline", &w.bright_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_of(&w, transfer).await, TransferStatus::Declined);
    let resp = accept(&w, transfer, &new_key).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(common::error_message(resp).await, CLOSED);
    let resp = close(&w, transfer, "decline", &w.bright_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(common::error_message(resp).await, CLOSED);
    let actions = audit_actions(&w, &w.bright_mgr.token).await;
    assert!(
        actions.contains(&"case.transfer_declined".to_owned()),
        "{actions:?}"
    );
    let (again, new_key) = offer(&w).await;
    accepted_and_opened(&w, again, &new_key).await;
}

#[tokio::test]
async fn only_the_right_side_closes_an_offer_and_others_see_nothing() {
    let w = world().await;
    let (transfer, _) = offer(&w).await;
    let (_, stranger) = w.server.found_org("Eastfield Fostering").await;
    let cases = [
        ("withdraw", &w.bright_mgr.token),
        ("decline", &w.north_mgr.token),
        ("withdraw", &stranger.token),
        ("decline", &stranger.token),
    ];
    for (how, token) in cases {
        let resp = close(&w, transfer, how, token).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{how}");
        assert_eq!(common::error_code(resp).await, "not_found");
    }
    let unknown = TransferId::new();
    let resp = close(&w, unknown, "withdraw", &w.north_mgr.token).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = close(&w, transfer, "withdraw", &w.practitioner.token).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(status_of(&w, transfer).await, TransferStatus::Offered);
    for token in [&w.north_mgr.token, &w.bright_mgr.token] {
        let actions = audit_actions(&w, token).await;
        let closed = ["case.transfer_withdrawn", "case.transfer_declined"];
        assert!(
            !actions.iter().any(|a| closed.contains(&a.as_str())),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn an_upload_into_a_case_with_a_waiting_offer_stores_nothing() {
    let w = world().await;
    let (transfer, new_key) = offer(&w).await;
    let before = w.server.everything_stored().await;
    let late = common::seal(&w.north, &w.practitioner, &w.case, b"late");
    let manifest = serde_json::to_vec(&late.manifest).unwrap();
    let orders = [
        [("manifest", &manifest[..]), ("body", &late.body[..])],
        [("body", &late.body[..]), ("manifest", &manifest[..])],
    ];
    for parts in orders {
        let resp = w
            .server
            .upload_parts(&w.practitioner.token, w.case.id, &parts)
            .await;
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(common::error_message(resp).await, WAITING);
    }
    assert_eq!(w.server.rows("documents").await, 2);
    assert_eq!(w.server.everything_stored().await, before);
    // The offer is still good.
    accepted_and_opened(&w, transfer, &new_key).await;
}

/// Pins the check inside the row's transaction: an offer made after the early check passed,
/// while the body streams, still keeps the document out.
#[tokio::test]
async fn an_offer_made_while_a_body_streams_refuses_the_row_and_the_object_goes() {
    let w = world().await;
    let before = w.server.everything_stored().await;
    // Larger than one object-store part, so a part is staged while the rest is held back.
    let plain = vec![7u8; 12 * 1024 * 1024];
    let late = common::seal(&w.north, &w.practitioner, &w.case, &plain);
    let manifest = serde_json::to_vec(&late.manifest).unwrap();
    let (content_type, full) = common::multipart(&manifest, &late.body);
    let (mut stream, rest) = w
        .server
        .send_half_upload(&w.practitioner.token, w.case.id, &content_type, &full)
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.server.uploads_in_progress().await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: a part staged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (transfer, new_key) = offer(&w).await;
    let answer = finish_raw(&mut stream, &rest).await;
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    assert!(answer.contains(WAITING), "{answer}");
    assert_eq!(w.server.rows("documents").await, 2);
    assert_eq!(w.server.everything_stored().await, before);
    accepted_and_opened(&w, transfer, &new_key).await;
}

/// Sends the rest of a raw upload and reads its whole answer, head and body.
async fn finish_raw(stream: &mut tokio::net::TcpStream, rest: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    stream.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !complete(&answer) {
        let read = stream.read(&mut buf);
        let n = tokio::time::timeout(std::time::Duration::from_secs(20), read)
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(n > 0, "connection closed early");
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether `answer` holds a whole HTTP response with a `content-length` body.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    length.is_some_and(|n| body.len() >= n)
}
