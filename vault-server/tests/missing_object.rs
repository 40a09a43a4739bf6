//! A document whose ciphertext was lost from the object store answers 404 `object_missing`,
//! in the API's one error shape, to its members and to an auditor, not 500.

mod common;
mod log_support;

use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_lost_object_answers_404_object_missing() {
    let server = common::start().await;
    let (org, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&org, &mgr, "NC-LOST").await;
    let sealed = common::seal(&org, &mgr, &case, b"a letter that will be lost");
    let resp = server.upload(&mgr.token, case.id, &sealed).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let stored = server.stored_objects().await;
    assert_eq!(stored.len(), 1);
    // On local disk the listing names the file; on S3 it names the key.
    let lost = std::path::Path::new(&stored[0]);
    if lost.is_file() {
        std::fs::remove_file(lost).unwrap();
    } else {
        let store = vault_server::objects::open(&server.settings).unwrap();
        let key = object_store::path::Path::from(stored[0].as_str());
        store.delete(&key).await.unwrap();
    }
    assert!(server.stored_objects().await.is_empty());

    let auditor = log_support::auditor(&server).await;
    for (path, token) in [
        (format!("/v1/documents/{}/body", sealed.id), &mgr.token),
        (format!("/v1/audit/objects/{}", sealed.id), &auditor),
    ] {
        let resp = server.get(&path, token).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "code": "object_missing",
                "message": "the stored ciphertext of this document is missing",
            }}),
            "{path}"
        );
    }
}
