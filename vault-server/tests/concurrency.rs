//! 200 concurrent writes and 200 concurrent reads against the embedded `SQLite` default: none
//! may fail (in particular with "database is locked"), and every written row must be there.

mod common;

use std::sync::Arc;

use reqwest::StatusCode;
use vault_core::api::CaseSummary;
use vault_core::ids::CaseId;
use vault_core::keys::SecretKey;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_writes_and_reads_at_once() {
    let server = Arc::new(common::start().await);
    let (org, mgr) = server.found_org("Northshire Council").await;
    let requests: Vec<_> = (0..200)
        .map(|i| {
            let case = common::Case {
                id: CaseId::new(),
                key: SecretKey::generate(),
            };
            common::case_request(&org, &mgr, &case, &format!("NC-{i}"))
        })
        .collect();
    let token = Arc::new(mgr.token.clone());
    let mut tasks = Vec::new();
    for req in requests {
        let (server, token) = (server.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let resp = server.post("/v1/cases", &token, &req).await;
            (resp.status(), resp.text().await.unwrap_or_default())
        }));
    }
    for _ in 0..200 {
        let (server, token) = (server.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let resp = server.get("/v1/cases", &token).await;
            (resp.status(), resp.text().await.unwrap_or_default())
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (status, text) = task.await.unwrap();
        assert!(status.is_success(), "{status}: {text}");
        assert!(!text.contains("locked"), "{text}");
        if status == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 200);
    let cases: Vec<CaseSummary> = server.get("/v1/cases", &token).await.json().await.unwrap();
    assert_eq!(cases.len(), 200);
    assert_eq!(server.rows("cases").await, 200);
}
