//! The whole story over HTTP: organisations founded, a practitioner approved, a document sealed,
//! downloaded byte for byte, shared and revoked, and the case transferred to another
//! organisation, after which the sender's ids answer 404.

mod common;

use common::{envelope, sign, Case, Org, Person, Sealed, Server};
use reqwest::StatusCode;
use vault_core::api::{
    AcceptTransferRequest, AccessPath, CaseDetail, DocumentAccess, DocumentEnvelope, Me,
    RevokeRequest, ShareRequest, ShareSummary, TransferOffer, TransferSummary,
};
use vault_core::ids::TransferId;
use vault_core::keys::SecretKey;
use vault_core::statement::{Claim, KeyScope, Role};

#[tokio::test]
async fn seal_share_transfer_over_http() {
    let server = common::start().await;
    let (north, north_mgr) = server.found_org("Northshire Council").await;
    let (bright, bright_mgr) = server.found_org("Brightwater Adoption Agency").await;
    let practitioner = server
        .add_member(&north, &north_mgr, Role::Practitioner)
        .await;

    let me: Me = server
        .get("/v1/me", &practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.org_id, Some(north.id));

    let case = server
        .create_case(&north, &practitioner, "NC-2026-0142")
        .await;
    let sealed = common::seal(&north, &practitioner, &case, b"life-story notes");
    let resp = server.upload(&practitioner.token, case.id, &sealed).await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let body = server
        .get(
            &format!("/v1/documents/{}/body", sealed.id),
            &practitioner.token,
        )
        .await;
    assert_eq!(body.status(), StatusCode::OK);
    assert_eq!(body.content_length(), Some(sealed.body.len() as u64));
    assert_eq!(body.bytes().await.unwrap().as_ref(), sealed.body.as_slice());

    share_and_revoke(
        &server,
        (&north, &practitioner),
        (&bright, &bright_mgr),
        &sealed,
    )
    .await;
    transfer(
        &server,
        (&north, &north_mgr),
        (&bright, &bright_mgr),
        &case,
        &sealed,
    )
    .await;

    for path in [
        format!("/v1/cases/{}", case.id),
        format!("/v1/cases/{}/documents", case.id),
        format!("/v1/documents/{}", sealed.id),
        format!("/v1/documents/{}/body", sealed.id),
    ] {
        let resp = server.get(&path, &practitioner.token).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // The case's history went with it: Brightwater's manager sees the sealing record.
    let events: serde_json::Value = server
        .get("/v1/audit/events", &bright_mgr.token)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"document.sealed"), "{actions:?}");
    assert!(actions.contains(&"case.transfer_accepted"), "{actions:?}");
}

/// Shares the document with Brightwater, checks it is reachable there, then revokes it.
async fn share_and_revoke(
    server: &Server,
    (north, practitioner): (&Org, &Person),
    (bright, bright_mgr): (&Org, &Person),
    sealed: &Sealed,
) {
    // Share with Brightwater, who then reaches the document through the share.
    let share_env = envelope(
        &practitioner.sign,
        north.id,
        KeyScope::Document(sealed.id),
        &sealed.key,
        &bright.key.public_key(),
    );
    let share = ShareRequest {
        to_org: bright.id,
        statement: sign(
            &practitioner.sign,
            Claim::DocumentShared {
                document: sealed.id,
                from_org: north.id,
                to_org: bright.id,
                to_org_key: bright.key.fingerprint(),
                envelope_sha256: vault_core::sha256(&share_env.wrapped),
            },
        ),
        envelope: share_env,
    };
    let path = format!("/v1/documents/{}/shares", sealed.id);
    assert_eq!(
        server
            .post(&path, &practitioner.token, &share)
            .await
            .status(),
        StatusCode::CREATED
    );
    let shared: Vec<ShareSummary> = server
        .get("/v1/shared", &bright_mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shared.len(), 1);
    let access: DocumentAccess = server
        .get(&format!("/v1/documents/{}", sealed.id), &bright_mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(matches!(access.path, AccessPath::Share { .. }));

    let revoke = RevokeRequest {
        statement: sign(
            &practitioner.sign,
            Claim::ShareRevoked {
                document: sealed.id,
                to_org: bright.id,
            },
        ),
    };
    let path = format!("/v1/documents/{}/shares/{}/revoke", sealed.id, bright.id);
    assert_eq!(
        server
            .post(&path, &practitioner.token, &revoke)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let gone = server
        .get(&format!("/v1/documents/{}", sealed.id), &bright_mgr.token)
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Offers the case to Brightwater, has its manager accept, and checks the receiver's view.
async fn transfer(
    server: &Server,
    (north, north_mgr): (&Org, &Person),
    (bright, bright_mgr): (&Org, &Person),
    case: &Case,
    sealed: &Sealed,
) {
    // Transfer the case to Brightwater.
    let new_key = SecretKey::generate();
    let transfer_id = TransferId::new();
    let offer = TransferOffer {
        transfer_id,
        to_org: bright.id,
        new_case_key: new_key.public_key(),
        case_envelope: envelope(
            &north_mgr.sign,
            north.id,
            KeyScope::Case(case.id),
            &new_key,
            &bright.key.public_key(),
        ),
        document_envelopes: vec![DocumentEnvelope {
            document_id: sealed.id,
            envelope: envelope(
                &north_mgr.sign,
                north.id,
                KeyScope::Document(sealed.id),
                &sealed.key,
                &new_key.public_key(),
            ),
        }],
        statement: sign(
            &north_mgr.sign,
            Claim::CaseTransferred {
                case: case.id,
                from_org: north.id,
                to_org: bright.id,
                to_org_key: bright.key.fingerprint(),
                new_case_key: new_key.fingerprint(),
                documents: 1,
            },
        ),
    };
    let path = format!("/v1/cases/{}/transfers", case.id);
    assert_eq!(
        server.post(&path, &north_mgr.token, &offer).await.status(),
        StatusCode::CREATED
    );
    let incoming: Vec<TransferSummary> = server
        .get("/v1/transfers", &bright_mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incoming.len(), 1);

    let accept = AcceptTransferRequest {
        statement: sign(
            &bright_mgr.sign,
            Claim::TransferAccepted {
                case: case.id,
                from_org: north.id,
                to_org: bright.id,
                new_case_key: new_key.fingerprint(),
            },
        ),
    };
    let path = format!("/v1/transfers/{transfer_id}/accept");
    assert_eq!(
        server
            .post(&path, &bright_mgr.token, &accept)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let detail = server
        .get(&format!("/v1/cases/{}", case.id), &bright_mgr.token)
        .await;
    assert_eq!(detail.status(), StatusCode::OK);
    let detail: CaseDetail = detail.json().await.unwrap();
    assert_eq!(detail.case.org_id, bright.id);
    assert_eq!(detail.case.case_key, new_key.public_key());
    let body = server
        .get(
            &format!("/v1/documents/{}/body", sealed.id),
            &bright_mgr.token,
        )
        .await;
    assert_eq!(body.bytes().await.unwrap().as_ref(), sealed.body.as_slice());
}
