//! The auditor routes: the key directory, every stored envelope, the inventory and who can
//! open each document today, with their exact contents and shapes, paging that lists the same
//! as one call, and 403 for everyone but auditors, 401 without a token.

mod audit_world;
mod common;

use std::collections::BTreeSet;

use audit_world::{access, envelopes, get_json, inventory, names, world, World};
use reqwest::StatusCode;
use serde_json::Value;
use vault_core::api::{DocumentAccessToday, InventoryEntry, OrgDirectory, StoredEnvelope};
use vault_core::ids::{DocumentId, OrgId};

const ONLY_AUDITORS: &str = "only an auditor may do this";
const ROUTES: [&str; 4] = [
    "/v1/audit/directory",
    "/v1/audit/envelopes",
    "/v1/audit/inventory",
    "/v1/audit/access",
];

/// The keys of every JSON object in `list`, each object's the same.
fn shape(list: &Value) -> BTreeSet<String> {
    let items = list.as_array().unwrap();
    assert!(!items.is_empty());
    let keys = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    let first = keys(&items[0]);
    assert!(items.iter().all(|v| keys(v) == first));
    first
}

fn doc(w: &World, n: usize) -> DocumentId {
    w.docs[n].1.id
}

fn sorted(mut orgs: Vec<OrgId>) -> Vec<OrgId> {
    orgs.sort_unstable();
    orgs
}

/// The envelopes expected, in the order listed: by place, then owner.
fn expected_envelopes(w: &World) -> Vec<(String, String)> {
    let members = [&w.north_mgr, &w.practitioner, &w.bright_mgr].map(|p| p.user_id.to_string());
    let mut cases: Vec<String> = w.docs.iter().map(|(c, _)| c.to_string()).collect();
    cases.dedup();
    let documents: Vec<String> = (0..5).map(|n| doc(w, n).to_string()).collect();
    let share = format!("{}/{}", doc(w, 0), w.bright.id);
    let transfers: Vec<String> = w.transfers.iter().map(ToString::to_string).collect();
    let moved = [
        format!("{}/{}", w.transfers[0], doc(w, 2)),
        format!("{}/{}", w.transfers[0], doc(w, 3)),
        format!("{}/{}", w.transfers[1], doc(w, 4)),
    ];
    let mut out = Vec::new();
    let places: [(&str, Vec<String>); 6] = [
        ("member", members.to_vec()),
        ("case", cases),
        ("document", documents),
        ("share", vec![share]),
        ("transfer-case", transfers),
        ("transfer-document", moved.to_vec()),
    ];
    for (place, mut owners) in places {
        owners.sort();
        out.extend(owners.into_iter().map(|o| (place.to_owned(), o)));
    }
    out
}

#[tokio::test]
async fn auditor_lists_are_exact_and_page_alike() {
    let w = world().await;
    let listed = envelopes(&w, 1000).await;
    let places: Vec<(String, String)> = listed
        .iter()
        .map(|e| (e.place.clone(), e.owner.clone()))
        .collect();
    assert_eq!(places, expected_envelopes(&w));
    assert_eq!(envelopes(&w, 1).await, listed, "pages of one list the same");
    let unpaged: Vec<StoredEnvelope> = get_json(&w.server, "/v1/audit/envelopes", &w.auditor).await;
    assert_eq!(unpaged, listed, "without a limit, the whole list");
    for (n, (_, sealed)) in w.docs.iter().enumerate().take(2) {
        let stored = listed
            .iter()
            .find(|e| e.place == "document" && e.owner == doc(&w, n).to_string());
        assert_eq!(
            stored.unwrap().envelope.as_ref(),
            Some(&sealed.manifest.envelope)
        );
    }

    let entries = inventory(&w, 1000).await;
    assert_eq!(inventory(&w, 3).await, entries);
    let mut ids: Vec<DocumentId> = (0..5).map(|n| doc(&w, n)).collect();
    ids.sort_unstable();
    assert_eq!(
        entries.iter().map(|e| e.document_id).collect::<Vec<_>>(),
        ids
    );
    let owners = [w.north.id, w.north.id, w.bright.id, w.bright.id, w.north.id];
    for (n, (case, sealed)) in w.docs.iter().enumerate() {
        let entry = entries.iter().find(|e| e.document_id == sealed.id).unwrap();
        assert_eq!(entry.case_id, *case);
        assert_eq!(entry.org_id, owners[n]);
        assert_eq!(entry.statement, sealed.manifest.statement);
        assert_eq!(entry.ciphertext_size, sealed.body.len() as u64);
        assert_eq!(entry.ciphertext_sha256, vault_core::sha256(&sealed.body));
    }

    let today = access(&w, 1000).await;
    assert_eq!(access(&w, 1).await, today);
    let unpaged: Vec<DocumentAccessToday> =
        get_json(&w.server, "/v1/audit/access", &w.auditor).await;
    assert_eq!(unpaged, today);
    let unpaged: Vec<InventoryEntry> = get_json(&w.server, "/v1/audit/inventory", &w.auditor).await;
    assert_eq!(unpaged, entries);
    let both = sorted(vec![w.north.id, w.bright.id]);
    let expected = [
        both.clone(),
        vec![w.north.id],
        vec![w.bright.id],
        vec![w.bright.id],
        both,
    ];
    for (n, orgs) in expected.iter().enumerate() {
        let entry = today.iter().find(|e| e.document_id == doc(&w, n)).unwrap();
        assert_eq!(&entry.orgs, orgs, "document {n}");
    }
    assert_eq!(today.len(), 5);
}

#[tokio::test]
async fn auditor_routes_have_exact_shapes_and_are_for_auditors_only() {
    let w = world().await;
    let shapes: [(&str, &[&str]); 3] = [
        ("/v1/audit/envelopes", &["place", "owner", "envelope"]),
        (
            "/v1/audit/inventory",
            &[
                "document_id",
                "org_id",
                "case_id",
                "object_key",
                "ciphertext_size",
                "ciphertext_sha256",
                "statement",
            ],
        ),
        ("/v1/audit/access", &["document_id", "orgs"]),
    ];
    for (route, keys) in shapes {
        let list: Value = get_json(&w.server, route, &w.auditor).await;
        assert_eq!(shape(&list), names(keys), "{route}");
    }
    directory_is_the_members_view_without_emails(&w).await;
    for route in ROUTES {
        for token in [
            &w.north_mgr.token,
            &w.practitioner.token,
            &w.server.admin_token,
        ] {
            let resp = w.server.get(route, token).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{route}");
            assert_eq!(common::error_message(resp).await, ONLY_AUDITORS);
        }
        let resp = w
            .server
            .client
            .get(w.server.url(route))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{route}");
        assert_eq!(common::error_code(resp).await, "unauthorized");
    }
    for (query, message) in [
        (
            "/v1/audit/envelopes?after=nowhere/x",
            "after is PLACE/OWNER of an envelope and limit an integer",
        ),
        ("/v1/audit/inventory?limit=0", "limit is 1 to 1000"),
        (
            "/v1/audit/access?after=not-an-id",
            "after is a document id and limit an integer",
        ),
    ] {
        let resp = w.server.get(query, &w.auditor).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(common::error_message(resp).await, message);
    }
}

/// The auditor's directory is what each organisation's manager sees of it, minus e-mails.
async fn directory_is_the_members_view_without_emails(w: &World) {
    let listed: Vec<Value> = get_json(&w.server, "/v1/audit/directory", &w.auditor).await;
    assert_eq!(listed.len(), 2);
    for (org, mgr) in [(&w.north, &w.north_mgr), (&w.bright, &w.bright_mgr)] {
        let path = format!("/v1/orgs/{}/directory", org.id);
        let mut own: Value = get_json(&w.server, &path, &mgr.token).await;
        for member in own["members"].as_array_mut().unwrap() {
            assert!(!member["email"].as_str().unwrap().is_empty());
            member["email"] = Value::from("");
        }
        let found = listed
            .iter()
            .find(|d| d["org"]["org_id"] == own["org"]["org_id"]);
        assert_eq!(found, Some(&own));
    }
    let typed: Vec<OrgDirectory> = serde_json::from_value(Value::from(listed)).unwrap();
    let orgs: BTreeSet<OrgId> = typed.iter().map(|d| d.org.org_id).collect();
    assert_eq!(orgs, BTreeSet::from([w.north.id, w.bright.id]));
}
