//! Helpers of the Merkle log tests: an auditor account, the log's key as clients pin it, the
//! signed checkpoint, leaves read back through the API, and what each leaf says.

#![allow(dead_code, unreachable_pub)]

use reqwest::StatusCode;
use vault_core::api::{LogCheckpoint, LogEntry};
use vault_core::checkpoint::{NoteKey, SignedCheckpoint};
use vault_core::ids::UserId;
use vault_core::keys::SigningKey;
use vault_core::leaf::LogLeaf;
use vault_core::statement::SignedStatement;

use vault_core::api::{DocumentEnvelope, RevokeRequest, ShareRequest, TransferOffer};
use vault_core::ids::TransferId;
use vault_core::keys::SecretKey;
use vault_core::statement::{Claim, KeyScope};

use crate::common::{envelope, sign, Case, Org, Person, Sealed, Server, PASSWORD};

/// Creates an auditor account and logs it in; returns its token.
pub async fn auditor(server: &Server) -> String {
    let email = format!("auditor-{}@platform.example", UserId::new());
    let body = serde_json::json!({
        "user_id": UserId::new(), "email": email, "password": PASSWORD,
    });
    let resp = server
        .post("/v1/admin/auditors", &server.admin_token, &body)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    server.login(&email, PASSWORD).await.token
}

/// The log's public key, from the key file the server made, under the configured origin.
pub fn log_key(server: &Server) -> NoteKey {
    let pkcs8 = std::fs::read(server.settings.log_key_path()).unwrap();
    NoteKey {
        name: server.settings.log_origin.clone(),
        key: SigningKey::from_pkcs8(&pkcs8).unwrap().verifying_key(),
    }
}

/// The latest checkpoint, its log signature checked.
pub async fn checkpoint(server: &Server, token: &str) -> SignedCheckpoint {
    let resp = server.get("/v1/log/checkpoint", token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: LogCheckpoint = resp.json().await.unwrap();
    SignedCheckpoint::open(&body.note, &log_key(server)).unwrap()
}

/// The number of leaves, from a fresh checkpoint.
pub async fn size(server: &Server) -> u64 {
    checkpoint(server, &server.admin_token)
        .await
        .checkpoint
        .size
}

/// Leaves `[start, end)` as stored, in pages the server accepts.
pub async fn leaf_bytes(server: &Server, auditor: &str, start: u64, end: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let upto = end.min(at + 1000);
        let resp = server
            .get(&format!("/v1/log/leaves?start={at}&end={upto}"), auditor)
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page: Vec<LogEntry> = resp.json().await.unwrap();
        for (offset, entry) in page.into_iter().enumerate() {
            assert_eq!(entry.index, at + offset as u64);
            out.push(entry.leaf.into_bytes());
        }
        at = upto;
    }
    assert_eq!(out.len() as u64, end - start);
    out
}

/// The leaves appended since the log had `from` leaves.
pub async fn leaves_since(server: &Server, auditor: &str, from: u64) -> Vec<LogLeaf> {
    let end = size(server).await;
    leaf_bytes(server, auditor, from, end)
        .await
        .iter()
        .map(|bytes| LogLeaf::decode(bytes).unwrap())
        .collect()
}

/// Each leaf as (action, kind of the statement it carries), the statement's signature checked.
pub fn kinds(leaves: &[LogLeaf]) -> Vec<(String, Option<&'static str>)> {
    leaves
        .iter()
        .map(|leaf| {
            let kind = leaf.statement.as_ref().map(|s| s.verify().unwrap().kind());
            (leaf.action.clone(), kind)
        })
        .collect()
}

/// `(action, statement kind)` pairs to compare with [`kinds`].
pub fn expected(pairs: &[(&str, Option<&'static str>)]) -> Vec<(String, Option<&'static str>)> {
    pairs.iter().map(|(a, k)| ((*a).to_owned(), *k)).collect()
}

/// The statements the leaves carry, in order.
pub fn statements(leaves: &[LogLeaf]) -> Vec<Option<SignedStatement>> {
    leaves.iter().map(|leaf| leaf.statement.clone()).collect()
}

/// A share of `sealed` from `from` to `to`, and its revocation.
pub fn share_requests(
    from: &Org,
    member: &Person,
    to: &Org,
    sealed: &Sealed,
) -> (ShareRequest, RevokeRequest) {
    let scope = KeyScope::Document(sealed.id);
    let env = envelope(
        &member.sign,
        from.id,
        scope,
        &sealed.key,
        &to.key.public_key(),
    );
    let statement = sign(
        &member.sign,
        Claim::DocumentShared {
            document: sealed.id,
            from_org: from.id,
            to_org: to.id,
            to_org_key: to.key.fingerprint(),
            envelope_sha256: vault_core::sha256(&env.wrapped),
        },
    );
    let revoke = RevokeRequest {
        statement: sign(
            &member.sign,
            Claim::ShareRevoked {
                document: sealed.id,
                to_org: to.id,
            },
        ),
    };
    let share = ShareRequest {
        to_org: to.id,
        envelope: env,
        statement,
    };
    (share, revoke)
}

/// An offer of `case` (holding `docs`) from `from` to `to`, with a fresh case key.
pub fn offer(
    (from, mgr): (&Org, &Person),
    to: &Org,
    case: &Case,
    docs: &[&Sealed],
) -> (TransferOffer, SecretKey) {
    let new_key = SecretKey::generate();
    let document_envelopes = docs
        .iter()
        .map(|d| DocumentEnvelope {
            document_id: d.id,
            envelope: envelope(
                &mgr.sign,
                from.id,
                KeyScope::Document(d.id),
                &d.key,
                &new_key.public_key(),
            ),
        })
        .collect();
    let statement = sign(
        &mgr.sign,
        Claim::CaseTransferred {
            case: case.id,
            from_org: from.id,
            to_org: to.id,
            to_org_key: to.key.fingerprint(),
            new_case_key: new_key.fingerprint(),
            documents: docs.len() as u64,
        },
    );
    let to_key = to.key.public_key();
    let offer = TransferOffer {
        transfer_id: TransferId::new(),
        to_org: to.id,
        new_case_key: new_key.public_key(),
        case_envelope: envelope(
            &mgr.sign,
            from.id,
            KeyScope::Case(case.id),
            &new_key,
            &to_key,
        ),
        document_envelopes,
        statement,
    };
    (offer, new_key)
}
