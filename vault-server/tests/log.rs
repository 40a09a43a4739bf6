//! The Merkle log records every grant, key and document change: each kind of action appends
//! exactly its leaves, with the statement its client signed and one `key.wrapped` leaf per
//! envelope stored; refused requests append nothing, even when refused after their leaves were
//! written; and many appends at once leave one consistent tree. Runs on SQLite and, with
//! `VAULT_TEST_BACKEND=postgres`, on PostgreSQL.

// Product names such as SQLite and PostgreSQL are prose here, not code.
#![allow(clippy::doc_markdown)]

mod common;
mod log_support;

use common::{envelope, sign, Case};
use log_support::{
    auditor, expected, kinds, leaves_since, offer, share_requests, size, statements,
};
use reqwest::StatusCode;
use vault_core::api::{AcceptTransferRequest, RemoveMemberRequest};
use vault_core::keys::SecretKey;
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{self, MemoryTree};
use vault_core::statement::{Claim, KeyScope, Role, Statement};

const WRAPPED: Option<&str> = Some("key-wrapped");

/// Every `key.wrapped` leaf names the envelope its statement describes.
fn envelope_ids_match(leaves: &[LogLeaf]) {
    for leaf in leaves.iter().filter(|l| l.action == "key.wrapped") {
        let statement = leaf.statement.as_ref().unwrap().verify().unwrap();
        let Claim::KeyWrapped {
            envelope_sha256, ..
        } = statement.claim
        else {
            panic!("a key.wrapped leaf carries {}", statement.kind());
        };
        assert_eq!(leaf.object_kind, "envelope");
        assert_eq!(leaf.object_id, hex::encode(envelope_sha256));
    }
}

#[tokio::test]
async fn founding_and_membership_log_their_keys_and_statements() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    // Platform accounts and sign-ins grant nothing: not in the log.
    assert_eq!(size(&server).await, 0);

    let (north, mgr) = server.found_org("Northshire Council").await;
    let founded = leaves_since(&server, &audit, 0).await;
    assert_eq!(
        kinds(&founded),
        expected(&[
            ("org.created", None),
            ("org.founded", Some("org-key-published")),
            ("user.registered", Some("member-certified")),
            ("key.wrapped", WRAPPED),
        ])
    );
    let root = north.root.verifying_key();
    assert_eq!(
        founded[1].keys.as_ref().unwrap().root_signing_key,
        Some(root)
    );
    assert_eq!(founded[1].statement.as_ref().unwrap().signer, root);
    let keys = founded[2].keys.as_ref().unwrap();
    assert_eq!(keys.encryption_key, Some(mgr.enc.public_key()));
    assert_eq!(keys.signing_key, Some(mgr.sign.verifying_key()));
    assert_eq!(founded[2].actor, Some(mgr.user_id));
    assert!(founded.iter().skip(1).all(|l| l.org_id == Some(north.id)));
    envelope_ids_match(&founded);

    let mark = size(&server).await;
    let email = format!("pending@{}.example", north.id);
    let person = server.register_pending(north.id, &email).await;
    let approve = common::approve_request(&north, &mgr, &person, Role::Manager);
    let path = format!("/v1/orgs/{}/members/{}/approve", north.id, person.user_id);
    let resp = server.post(&path, &mgr.token, &approve).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let joined = leaves_since(&server, &audit, mark).await;
    assert_eq!(joined.len(), 3);
    assert_eq!(joined[0].action, "user.registered");
    assert_eq!(joined[0].statement, None);
    let keys = joined[0].keys.as_ref().unwrap();
    assert_eq!(keys.encryption_key, Some(person.enc.public_key()));
    assert_eq!(keys.signing_key, Some(person.sign.verifying_key()));
    assert_eq!(joined[1].action, "member.approved");
    assert_eq!(joined[1].object_id, person.user_id.to_string());
    assert_eq!(
        statements(&joined[1..]),
        [
            Some(approve.certificate),
            Some(approve.org_envelope.statement)
        ]
    );
    envelope_ids_match(&joined);
}

#[tokio::test]
async fn cases_documents_and_shares_log_what_their_clients_signed() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let (bright, _) = server.found_org("Brightwater Agency").await;

    let mark = size(&server).await;
    let case = Case {
        id: vault_core::ids::CaseId::new(),
        key: SecretKey::generate(),
    };
    let request = common::case_request(&north, &mgr, &case, "NC-1");
    let resp = server.post("/v1/cases", &mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let sealed = common::seal(&north, &mgr, &case, b"assessment");
    let resp = server.upload(&mgr.token, case.id, &sealed).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let logged = leaves_since(&server, &audit, mark).await;
    let actions: Vec<&str> = logged.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case.created",
            "key.wrapped",
            "document.sealed",
            "key.wrapped"
        ]
    );
    assert_eq!(
        statements(&logged),
        [
            None,
            Some(request.envelope.statement),
            Some(sealed.manifest.statement.clone()),
            Some(sealed.manifest.envelope.statement.clone()),
        ]
    );
    assert!(logged.iter().all(|l| l.case_id == Some(case.id)));
    assert_eq!(logged[2].object_id, sealed.id.to_string());
    envelope_ids_match(&logged);

    let mark = size(&server).await;
    let (share, revoke) = share_requests(&north, &mgr, &bright, &sealed);
    let path = format!("/v1/documents/{}/shares", sealed.id);
    assert_eq!(
        server.post(&path, &mgr.token, &share).await.status(),
        StatusCode::CREATED
    );
    let path = format!("/v1/documents/{}/shares/{}/revoke", sealed.id, bright.id);
    assert_eq!(
        server.post(&path, &mgr.token, &revoke).await.status(),
        StatusCode::NO_CONTENT
    );
    let logged = leaves_since(&server, &audit, mark).await;
    assert_eq!(
        kinds(&logged),
        expected(&[
            ("document.shared", Some("document-shared")),
            ("key.wrapped", WRAPPED),
            ("document.share_revoked", Some("share-revoked")),
        ])
    );
    assert_eq!(
        statements(&logged),
        [
            Some(share.statement),
            Some(share.envelope.statement),
            Some(revoke.statement)
        ]
    );
}

#[tokio::test]
async fn transfers_log_every_re_wrapped_key_and_their_outcome() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let (bright, bright_mgr) = server.found_org("Brightwater Agency").await;
    let case = server.create_case(&north, &mgr, "NC-1").await;
    let docs: Vec<_> = (0..3)
        .map(|i| common::seal(&north, &mgr, &case, format!("doc {i}").as_bytes()))
        .collect();
    for d in &docs {
        let resp = server.upload(&mgr.token, case.id, d).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let docs: Vec<&common::Sealed> = docs.iter().collect();
    let offers_path = format!("/v1/cases/{}/transfers", case.id);
    for (closing, token, action) in [
        ("withdraw", &mgr.token, "case.transfer_withdrawn"),
        ("decline", &bright_mgr.token, "case.transfer_declined"),
    ] {
        let mark = size(&server).await;
        let (request, _) = offer((&north, &mgr), &bright, &case, &docs);
        let resp = server.post(&offers_path, &mgr.token, &request).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let path = format!("/v1/transfers/{}/{closing}", request.transfer_id);
        let resp = server.post(&path, token, &serde_json::json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let logged = leaves_since(&server, &audit, mark).await;
        let mut want = vec![
            Some(request.statement),
            Some(request.case_envelope.statement),
        ];
        want.extend(
            request
                .document_envelopes
                .into_iter()
                .map(|d| Some(d.envelope.statement)),
        );
        want.push(None);
        assert_eq!(statements(&logged), want);
        assert_eq!(logged[0].action, "case.transfer_offered");
        assert_eq!(logged[5].action, action);
        assert_eq!(logged[5].object_id, request.transfer_id.to_string());
        envelope_ids_match(&logged);
    }
    let (request, new_key) = offer((&north, &mgr), &bright, &case, &docs);
    let resp = server.post(&offers_path, &mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mark = size(&server).await;
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
    let path = format!("/v1/transfers/{}/accept", request.transfer_id);
    let resp = server.post(&path, &bright_mgr.token, &accept).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // The envelopes the acceptance installs were logged with the offer.
    let logged = leaves_since(&server, &audit, mark).await;
    assert_eq!(statements(&logged), [Some(accept.statement)]);
    assert_eq!(logged[0].action, "case.transfer_accepted");
    assert_eq!(logged[0].org_id, Some(bright.id));
}

#[tokio::test]
async fn a_removal_logs_the_new_org_key_and_every_key_wrapped_to_it() {
    let server = common::start().await;
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let leaving = server.add_member(&north, &mgr, Role::Practitioner).await;
    let staying = server.add_member(&north, &mgr, Role::Practitioner).await;
    let case = server.create_case(&north, &leaving, "NC-1").await;
    let mark = size(&server).await;
    let (_, rotation) = common::rotation(&north, &mgr, &[&mgr, &staying], &[&case]);
    let removal = sign(
        &mgr.sign,
        Claim::MemberRemoved {
            org: north.id,
            user: leaving.user_id,
        },
    );
    let req = RemoveMemberRequest {
        removal: removal.clone(),
        rotation: rotation.clone(),
    };
    let path = format!("/v1/orgs/{}/members/{}/remove", north.id, leaving.user_id);
    let resp = server.post(&path, &mgr.token, &req).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let logged = leaves_since(&server, &audit, mark).await;
    let mut want = vec![Some(rotation.org_key_statement)];
    want.extend(
        rotation
            .member_envelopes
            .into_iter()
            .map(|m| Some(m.envelope.statement)),
    );
    want.extend(
        rotation
            .case_envelopes
            .into_iter()
            .map(|c| Some(c.envelope.statement)),
    );
    want.push(Some(removal));
    assert_eq!(statements(&logged), want);
    let actions: Vec<&str> = logged.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "org.key_rotated",
            "key.wrapped",
            "key.wrapped",
            "key.wrapped",
            "member.removed"
        ]
    );
    envelope_ids_match(&logged);
    // Signing out is not a grant: no leaf.
    let mark = size(&server).await;
    let resp = server.post("/v1/auth/logout", &staying.token, &()).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(size(&server).await, mark);
}

#[tokio::test]
async fn refused_requests_append_nothing_even_after_their_leaves_were_written() {
    let server = common::start().await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let (bright, _) = server.found_org("Brightwater Agency").await;
    let case = server.create_case(&north, &mgr, "NC-1").await;
    let sealed = common::seal(&north, &mgr, &case, b"assessment");
    assert_eq!(
        server.upload(&mgr.token, case.id, &sealed).await.status(),
        StatusCode::CREATED
    );
    let resp = server
        .post(
            "/v1/orgs",
            &server.admin_token,
            &serde_json::json!({"name": "Eastfield"}),
        )
        .await;
    let created: serde_json::Value = resp.json().await.unwrap();
    let before = (size(&server).await, server.rows("log_nodes").await);
    let events = server.rows("audit_events").await;

    // A founder whose e-mail is taken: org.founded is appended before the account insert
    // fails, and must roll back with it.
    let eastfield: vault_core::ids::OrgId =
        serde_json::from_value(created["org"]["org_id"].clone()).unwrap();
    let founder = common::new_person(&mgr.email);
    let root = vault_core::keys::SigningKey::generate().unwrap();
    let org_key = SecretKey::generate();
    let founding = vault_core::api::FoundingRequest {
        invite_code: created["invite_code"].as_str().unwrap().to_owned(),
        root_signing_key: root.verifying_key(),
        org_key_statement: sign(
            &root,
            Claim::OrgKeyPublished {
                org: eastfield,
                version: 1,
                key: org_key.public_key(),
            },
        ),
        certificate: sign(
            &root,
            common::certificate(eastfield, &founder, Role::Manager),
        ),
        org_envelope: envelope(
            &founder.sign,
            eastfield,
            KeyScope::Org(eastfield),
            &org_key,
            &founder.enc.public_key(),
        ),
    };
    let req = common::register_request(eastfield, &founder, Some(founding));
    let resp = server.post("/v1/register", "", &req).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // A share whose statement names another organisation key.
    let (mut share, _) = share_requests(&north, &mgr, &bright, &sealed);
    share.statement = sign(
        &mgr.sign,
        Statement::decode(&share.statement.bytes).unwrap().claim,
    );
    share.envelope.wrapped.push(0);
    let path = format!("/v1/documents/{}/shares", sealed.id);
    let resp = server.post(&path, &mgr.token, &share).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // A transfer leaving a document out.
    let (request, _) = offer((&north, &mgr), &bright, &case, &[]);
    let path = format!("/v1/cases/{}/transfers", case.id);
    let resp = server.post(&path, &mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    assert_eq!(
        (size(&server).await, server.rows("log_nodes").await),
        before
    );
    assert_eq!(server.rows("audit_events").await, events);
}

#[tokio::test]
async fn many_appends_at_once_leave_one_consistent_tree() {
    let server = std::sync::Arc::new(common::start().await);
    let audit = auditor(&server).await;
    let (north, mgr) = server.found_org("Northshire Council").await;
    let start = size(&server).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let server = server.clone();
        let case = Case {
            id: vault_core::ids::CaseId::new(),
            key: SecretKey::generate(),
        };
        let request = common::case_request(&north, &mgr, &case, &format!("NC-{i}"));
        let token = mgr.token.clone();
        tasks.push(tokio::spawn(async move {
            let resp = server.post("/v1/cases", &token, &request).await;
            assert_eq!(resp.status(), StatusCode::CREATED);
            // Checkpoints taken while others append must all extend one another.
            log_support::checkpoint(&server, &token).await.checkpoint
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    let last = log_support::checkpoint(&server, &mgr.token)
        .await
        .checkpoint;
    assert_eq!(last.size, start + 48);
    let bytes = log_support::leaf_bytes(&server, &audit, 0, last.size).await;
    let mut tree = MemoryTree::new();
    for leaf in &bytes {
        tree.push(merkle::leaf_hash(leaf));
    }
    assert_eq!(tree.root(), last.root);
    for checkpoint in &seen {
        assert_eq!(tree.root_at(checkpoint.size).unwrap(), checkpoint.root);
        let path = format!(
            "/v1/log/proof/consistency?from={}&to={}",
            checkpoint.size, last.size
        );
        let proof: vault_core::api::ConsistencyProof =
            server.get(&path, &mgr.token).await.json().await.unwrap();
        let proof: Vec<_> = proof.proof.into_iter().map(|h| h.0).collect();
        merkle::verify_consistency(
            checkpoint.size,
            last.size,
            &checkpoint.root,
            &last.root,
            &proof,
        )
        .unwrap();
    }
    // Every case creation logged its two leaves next to each other.
    let created = leaves_since(&server, &audit, start).await;
    for pair in created.chunks(2) {
        assert_eq!(pair[0].action, "case.created");
        assert_eq!(pair[1].action, "key.wrapped");
        assert_eq!(pair[0].case_id, pair[1].case_id);
    }
}
