//! Operations that must apply whole or not at all: a transfer whose envelopes miss a document,
//! and a member removal whose key rotation misses a case key, are refused with nothing changed;
//! a complete removal rotates the key and shuts the removed member out.

mod common;

use common::{envelope, sign, Case, Org, Person};
use reqwest::StatusCode;
use vault_core::api::{
    AccessPath, CaseDetail, DocumentAccess, DocumentEnvelope, OrgHoldings, OrgKeyEnvelope,
    RemoveMemberRequest, TransferOffer, TransferSummary,
};
use vault_core::ids::TransferId;
use vault_core::keys::SecretKey;
use vault_core::statement::{Claim, KeyScope, Role};

#[tokio::test]
async fn a_transfer_missing_a_document_moves_nothing() {
    let server = common::start().await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let (bright, _) = server.found_org("Brightwater Adoption Agency").await;
    let case = server.create_case(&north, &mgr, "NC-T").await;
    let a = common::seal(&north, &mgr, &case, b"first");
    let b = common::seal(&north, &mgr, &case, b"second");
    for doc in [&a, &b] {
        assert_eq!(
            server.upload(&mgr.token, case.id, doc).await.status(),
            StatusCode::CREATED
        );
    }
    let new_key = SecretKey::generate();
    let offer = TransferOffer {
        transfer_id: TransferId::new(),
        to_org: bright.id,
        new_case_key: new_key.public_key(),
        case_envelope: envelope(
            &mgr.sign,
            north.id,
            KeyScope::Case(case.id),
            &new_key,
            &bright.key.public_key(),
        ),
        document_envelopes: vec![DocumentEnvelope {
            document_id: a.id,
            envelope: envelope(
                &mgr.sign,
                north.id,
                KeyScope::Document(a.id),
                &a.key,
                &new_key.public_key(),
            ),
        }],
        statement: sign(
            &mgr.sign,
            Claim::CaseTransferred {
                case: case.id,
                from_org: north.id,
                to_org: bright.id,
                to_org_key: bright.key.fingerprint(),
                new_case_key: new_key.fingerprint(),
                documents: 2,
            },
        ),
    };
    let resp = server
        .post(
            &format!("/v1/cases/{}/transfers", case.id),
            &mgr.token,
            &offer,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let transfers: Vec<TransferSummary> = server
        .get("/v1/transfers", &mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(transfers.is_empty());
    assert_eq!(server.rows("transfers").await, 0);
    let detail: CaseDetail = server
        .get(&format!("/v1/cases/{}", case.id), &mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.case.org_id, north.id);
    assert_eq!(detail.case.case_key, case.key.public_key());
}

#[tokio::test]
async fn removal_needs_a_complete_rotation_and_then_shuts_the_member_out() {
    let server = common::start().await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let leaving = server.add_member(&north, &mgr, Role::Practitioner).await;
    let staying = server.add_member(&north, &mgr, Role::Practitioner).await;
    let first = server.create_case(&north, &mgr, "NC-1").await;
    let second = server.create_case(&north, &leaving, "NC-2").await;
    let seen = common::seal(&north, &leaving, &second, b"a document the member saw");
    let resp = server.upload(&leaving.token, second.id, &seen).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let path = format!("/v1/orgs/{}/members/{}/remove", north.id, leaving.user_id);
    let removal = sign(
        &mgr.sign,
        Claim::MemberRemoved {
            org: north.id,
            user: leaving.user_id,
        },
    );

    let (_, partial) = common::rotation(&north, &mgr, &[&mgr, &staying], &[&first]);
    let req = RemoveMemberRequest {
        removal: removal.clone(),
        rotation: partial,
    };
    assert_eq!(
        server.post(&path, &mgr.token, &req).await.status(),
        StatusCode::CONFLICT
    );
    // Nothing changed: the member still works, the key is still version 1.
    assert_eq!(
        server.get("/v1/cases", &leaving.token).await.status(),
        StatusCode::OK
    );
    let env: OrgKeyEnvelope = server
        .get(&format!("/v1/orgs/{}/key-envelope", north.id), &mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(env.version, 1);

    // Wrapping the new key to the leaving member as well is refused too.
    let (_, too_many) = common::rotation(
        &north,
        &mgr,
        &[&mgr, &staying, &leaving],
        &[&first, &second],
    );
    let req = RemoveMemberRequest {
        removal: removal.clone(),
        rotation: too_many,
    };
    assert_eq!(
        server.post(&path, &mgr.token, &req).await.status(),
        StatusCode::CONFLICT
    );

    let (new_key, complete) = common::rotation(&north, &mgr, &[&mgr, &staying], &[&first, &second]);
    let req = RemoveMemberRequest {
        removal,
        rotation: complete,
    };
    assert_eq!(
        server.post(&path, &mgr.token, &req).await.status(),
        StatusCode::NO_CONTENT
    );

    // The removal revoked the member's tokens. Logging in again works, but every by-id
    // route for what they saw before answers 404.
    assert_eq!(
        server.get("/v1/me", &leaving.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = server.login(&leaving.email, common::PASSWORD).await;
    assert_sees_nothing(&server, &again.token, &north, &second, &seen).await;

    let env: OrgKeyEnvelope = server
        .get(
            &format!("/v1/orgs/{}/key-envelope", north.id),
            &staying.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((env.version, env.org_key), (2, new_key.public_key()));
    let holdings: OrgHoldings = server
        .get(&format!("/v1/orgs/{}/holdings", north.id), &mgr.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(holdings.org_key_version, 2);
    assert!(holdings
        .cases
        .iter()
        .all(|c| c.envelope.recipient == new_key.fingerprint()));

    sealed_after_removal(
        &server,
        north,
        new_key,
        &mgr,
        &staying,
        &leaving,
        &again.token,
    )
    .await;
}

/// A document sealed after a removal sits under a case key wrapped to version 2 of the
/// organisation key, which the removed member never held, and stays 404 to them.
async fn sealed_after_removal(
    server: &common::Server,
    north: Org,
    new_key: SecretKey,
    mgr: &Person,
    staying: &Person,
    leaving: &Person,
    again: &str,
) {
    let north = Org {
        key: new_key,
        version: 2,
        ..north
    };
    let third = server.create_case(&north, mgr, "NC-3").await;
    let later = common::seal(&north, mgr, &third, b"sealed after the removal");
    let resp = server.upload(&mgr.token, third.id, &later).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let access: DocumentAccess = server
        .get(&format!("/v1/documents/{}", later.id), &staying.token)
        .await
        .json()
        .await
        .unwrap();
    let AccessPath::Case { case_envelope, .. } = access.path else {
        panic!("expected the case path")
    };
    assert_eq!(case_envelope.recipient, north.key.fingerprint());
    assert!(SecretKey::unwrap(&case_envelope.wrapped, &[&leaving.enc], case_envelope.key).is_err());
    let resp = server
        .get(&format!("/v1/documents/{}", later.id), again)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// Every by-id route for what a removed member saw before answers 404.
async fn assert_sees_nothing(
    server: &common::Server,
    token: &str,
    north: &Org,
    second: &Case,
    seen: &common::Sealed,
) {
    for path in [
        format!("/v1/cases/{}", second.id),
        format!("/v1/cases/{}/documents", second.id),
        format!("/v1/documents/{}", seen.id),
        format!("/v1/documents/{}/body", seen.id),
        format!("/v1/documents/{}/shares", seen.id),
        format!("/v1/orgs/{}/key-envelope", north.id),
        // The directory lists the colleagues' e-mail addresses: not theirs to read any more.
        format!("/v1/orgs/{}/directory", north.id),
        "/v1/me/keystore".to_owned(),
    ] {
        let resp = server.get(&path, token).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
