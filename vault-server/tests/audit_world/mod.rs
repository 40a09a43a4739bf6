//! The platform the auditor tests look at: two organisations, a shared document, an accepted
//! transfer and a waiting one, and an auditor account, all made through the API with real
//! keys and signatures; and the auditor's lists read from it page by page.

use std::collections::BTreeSet;

use common::{envelope, sign, Case, Org, Person, Sealed, Server, PASSWORD};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use vault_core::api::{
    AcceptTransferRequest, DocumentAccessToday, DocumentEnvelope, InventoryEntry, ShareRequest,
    StoredEnvelope, TransferOffer,
};
use vault_core::ids::{CaseId, TransferId, UserId};
use vault_core::keys::{PublicKey, SecretKey};
use vault_core::statement::{Claim, KeyScope, Role};

use crate::common;

/// Two organisations; Northshire's case A has two documents, the first shared with
/// Brightwater; case B, with two documents, was transferred to Brightwater and accepted; case C,
/// with one, waits in an offer.
pub(crate) struct World {
    pub(crate) server: Server,
    pub(crate) auditor: String,
    pub(crate) north: Org,
    pub(crate) north_mgr: Person,
    pub(crate) practitioner: Person,
    pub(crate) bright: Org,
    pub(crate) bright_mgr: Person,
    /// Documents of cases A, B and C, in that order, with their case.
    pub(crate) docs: Vec<(CaseId, Sealed)>,
    pub(crate) transfers: Vec<TransferId>,
    pub(crate) references: Vec<String>,
}

pub(crate) async fn world() -> World {
    let server = common::start().await;
    let (north, north_mgr) = server.found_org("Northshire Council").await;
    let (bright, bright_mgr) = server.found_org("Brightwater Adoption Agency").await;
    let practitioner = server
        .add_member(&north, &north_mgr, Role::Practitioner)
        .await;
    let auditor = auditor(&server).await;
    let mut w = World {
        server,
        auditor,
        north,
        north_mgr,
        practitioner,
        bright,
        bright_mgr,
        docs: Vec::new(),
        transfers: Vec::new(),
        references: Vec::new(),
    };
    let a = case_with(&mut w, "NC-EXPORT-A", 2).await;
    share(&w, &w.docs[0].1).await;
    let b = case_with(&mut w, "NC-EXPORT-B", 2).await;
    let (b_transfer, b_key) = offer(&mut w, &b).await;
    accept(&w, b_transfer, b.id, &b_key).await;
    let c = case_with(&mut w, "NC-EXPORT-C", 1).await;
    offer(&mut w, &c).await;
    let _ = a;
    w
}

async fn auditor(server: &Server) -> String {
    let body = serde_json::json!({
        "user_id": UserId::new(),
        "email": "auditor@example.org",
        "password": PASSWORD,
    });
    let resp = server
        .post("/v1/admin/auditors", &server.admin_token, &body)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    server.login("auditor@example.org", PASSWORD).await.token
}

async fn case_with(w: &mut World, reference: &str, documents: usize) -> Case {
    let case = w
        .server
        .create_case(&w.north, &w.practitioner, reference)
        .await;
    for n in 0..documents {
        let plain = format!("{reference} document {n}");
        let sealed = common::seal(&w.north, &w.practitioner, &case, plain.as_bytes());
        let resp = w
            .server
            .upload(&w.practitioner.token, case.id, &sealed)
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        w.docs.push((case.id, sealed));
    }
    w.references.push(reference.to_owned());
    case
}

async fn share(w: &World, sealed: &Sealed) {
    let (north, bright) = (w.north.id, w.bright.id);
    let env = envelope(
        &w.practitioner.sign,
        north,
        KeyScope::Document(sealed.id),
        &sealed.key,
        &w.bright.key.public_key(),
    );
    let claim = Claim::DocumentShared {
        document: sealed.id,
        from_org: north,
        to_org: bright,
        to_org_key: w.bright.key.fingerprint(),
        envelope_sha256: vault_core::sha256(&env.wrapped),
    };
    let request = ShareRequest {
        to_org: bright,
        statement: sign(&w.practitioner.sign, claim),
        envelope: env,
    };
    let path = format!("/v1/documents/{}/shares", sealed.id);
    let resp = w.server.post(&path, &w.practitioner.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

/// Offers `case` to Brightwater, every document re-wrapped to a fresh case key.
async fn offer(w: &mut World, case: &Case) -> (TransferId, SecretKey) {
    let (mgr, from, to) = (&w.north_mgr, w.north.id, w.bright.id);
    let new_key = SecretKey::generate();
    let wrap = |scope, key: &SecretKey, to: &PublicKey| envelope(&mgr.sign, from, scope, key, to);
    let document_envelopes: Vec<DocumentEnvelope> = w
        .docs
        .iter()
        .filter(|(of, _)| *of == case.id)
        .map(|(_, d)| DocumentEnvelope {
            document_id: d.id,
            envelope: wrap(KeyScope::Document(d.id), &d.key, &new_key.public_key()),
        })
        .collect();
    let claim = Claim::CaseTransferred {
        case: case.id,
        from_org: from,
        to_org: to,
        to_org_key: w.bright.key.fingerprint(),
        new_case_key: new_key.fingerprint(),
        documents: document_envelopes.len() as u64,
    };
    let transfer_id = TransferId::new();
    let request = TransferOffer {
        transfer_id,
        to_org: to,
        new_case_key: new_key.public_key(),
        case_envelope: wrap(
            KeyScope::Case(case.id),
            &new_key,
            &w.bright.key.public_key(),
        ),
        document_envelopes,
        statement: sign(&mgr.sign, claim),
    };
    let path = format!("/v1/cases/{}/transfers", case.id);
    let resp = w.server.post(&path, &mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    w.transfers.push(transfer_id);
    (transfer_id, new_key)
}

async fn accept(w: &World, transfer: TransferId, case: CaseId, new_key: &SecretKey) {
    let claim = Claim::TransferAccepted {
        case,
        from_org: w.north.id,
        to_org: w.bright.id,
        new_case_key: new_key.fingerprint(),
    };
    let request = AcceptTransferRequest {
        statement: sign(&w.bright_mgr.sign, claim),
    };
    let path = format!("/v1/transfers/{transfer}/accept");
    let resp = w.server.post(&path, &w.bright_mgr.token, &request).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

pub(crate) async fn get_json<T: DeserializeOwned>(server: &Server, path: &str, token: &str) -> T {
    let resp = server.get(path, token).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

/// Every page of a paged auditor list, `limit` at a time, resuming after `cursor(last)`.
pub(crate) async fn all_pages<T: DeserializeOwned>(
    w: &World,
    route: &str,
    limit: u32,
    cursor: impl Fn(&T) -> String,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    loop {
        let after = out.last().map(|last| format!("&after={}", cursor(last)));
        let path = format!("{route}?limit={limit}{}", after.unwrap_or_default());
        let page: Vec<T> = get_json(&w.server, &path, &w.auditor).await;
        assert!(page.len() <= limit as usize);
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

pub(crate) async fn envelopes(w: &World, limit: u32) -> Vec<StoredEnvelope> {
    all_pages(w, "/v1/audit/envelopes", limit, |e: &StoredEnvelope| {
        format!("{}/{}", e.place, e.owner)
    })
    .await
}

pub(crate) async fn inventory(w: &World, limit: u32) -> Vec<InventoryEntry> {
    all_pages(w, "/v1/audit/inventory", limit, |e: &InventoryEntry| {
        e.document_id.to_string()
    })
    .await
}

pub(crate) async fn access(w: &World, limit: u32) -> Vec<DocumentAccessToday> {
    all_pages(w, "/v1/audit/access", limit, |e: &DocumentAccessToday| {
        e.document_id.to_string()
    })
    .await
}

pub(crate) fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}
