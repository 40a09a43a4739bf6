//! The operations surface over HTTP: `/readyz` for a load balancer, `/metrics` counting
//! requests by route template (never by a path holding ids) and the body bytes moved, and the
//! optional metrics token.

mod common;

use reqwest::StatusCode;
use serde_json::json;

/// The value of the sample whose name and labels are exactly `series`, if it is present.
fn sample(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(server: &common::Server, token: &str) -> String {
    let resp = server.get("/metrics", token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    resp.text().await.unwrap()
}

/// `GET /readyz` as a load balancer sends it: no `Authorization` header at all.
async fn readyz(server: &common::Server) -> reqwest::Response {
    server
        .client
        .get(server.url("/readyz"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn readyz_answers_ok_without_a_token() {
    let server = common::start().await;
    let resp = readyz(&server).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_names_a_broken_object_store() {
    // The local store, broken by putting a file where its directory was.
    let server = common::start_with(|s| s.object_store_url = None).await;
    let objects = server.dir.path().join("objects");
    std::fs::remove_dir_all(&objects).unwrap();
    std::fs::write(&objects, b"not a directory").unwrap();
    let resp = readyz(&server).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    let message = "the object store is not answering";
    assert_eq!(
        body,
        json!({"error": {"code": "unavailable", "message": message}})
    );
}

#[tokio::test]
async fn metrics_count_by_route_template_and_body_bytes() {
    let server = common::start().await;
    let (org, mgr) = server.found_org("Northshire Council").await;
    let case = server.create_case(&org, &mgr, "NC-M").await;
    let sealed = common::seal(&org, &mgr, &case, &vec![3u8; 300_000]);
    let resp = server.upload(&mgr.token, case.id, &sealed).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body_path = format!("/v1/documents/{}/body", sealed.id);
    let downloaded = server
        .get(&body_path, &mgr.token)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(downloaded.as_ref(), sealed.body.as_slice());
    let unknown = server
        .get(&format!("/nowhere/{}", case.id), &mgr.token)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let text = scrape(&server, "").await;
    let size = sealed.body.len() as u64;
    let requests = |method: &str, route: &str, status: u16| {
        let series = format!(
            "vault_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"
        );
        sample(&text, &series)
    };
    assert_eq!(
        requests("POST", "/v1/cases/{case_id}/documents", 201),
        Some(1)
    );
    assert_eq!(
        requests("GET", "/v1/documents/{document_id}/body", 200),
        Some(1)
    );
    assert_eq!(requests("POST", "/v1/cases", 201), Some(1));
    assert_eq!(requests("GET", "unmatched", 404), Some(1));
    let durations = "vault_http_request_duration_seconds_count\
                     {method=\"POST\",route=\"/v1/cases/{case_id}/documents\"}";
    assert_eq!(sample(&text, durations), Some(1));
    assert_eq!(
        sample(&text, "vault_object_body_bytes_written_total"),
        Some(size)
    );
    assert_eq!(
        sample(&text, "vault_object_body_bytes_read_total"),
        Some(size)
    );
    let manifest = serde_json::to_vec(&sealed.manifest).unwrap();
    let (_, multipart) = common::multipart(&manifest, &sealed.body);
    let uploaded = sample(&text, "vault_upload_body_bytes_total");
    assert_eq!(uploaded, Some(multipart.len() as u64));

    // Nothing that names a person, an organisation, a case or a document.
    for id in [
        case.id.to_string(),
        sealed.id.to_string(),
        org.id.to_string(),
        mgr.user_id.to_string(),
        mgr.email.clone(),
        mgr.token.clone(),
    ] {
        assert!(!text.contains(&id), "{id} in /metrics");
    }
}

#[tokio::test]
async fn a_metrics_token_is_required_once_configured() {
    let token = "scrape-8f2e61c4a7d94b0e";
    let server = common::start_with(|s| s.metrics_token = Some(token.into())).await;
    let refused = json!({"error": {"code": "unauthorized", "message": "authentication required"}});
    for given in ["", "scrape-8f2e61c4a7d94b0f", &server.admin_token] {
        let resp = server.get("/metrics", given).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{given}");
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap(), refused);
    }
    let text = scrape(&server, token).await;
    let refusals = "vault_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}";
    assert_eq!(sample(&text, refusals), Some(3));
    // The probes stay open whatever the metrics token.
    let resp = readyz(&server).await;
    assert_eq!(resp.status(), StatusCode::OK);
}
