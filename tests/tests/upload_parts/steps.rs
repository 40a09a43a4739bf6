//! The calls of an upload in parts as a client makes them (begin, parts, finish, cancel), and
//! the one-request upload of the same manifest and body for comparing answers.

#![allow(dead_code, unreachable_pub)]

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use vault_core::ids::CaseId;

use super::common::Server;

/// The largest part, as the server announces it.
pub const PART_BYTES_MAX: usize = 8 * 1024 * 1024;

/// Begins an upload into `case`, expecting 201 and the announced shape; returns its id.
pub async fn begin(server: &Server, token: &str, case: CaseId) -> String {
    let resp = begin_raw(server, token, case).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let started: Value = resp.json().await.unwrap();
    assert_eq!(started["part_bytes_max"], PART_BYTES_MAX);
    assert_eq!(started.as_object().unwrap().len(), 2, "{started}");
    let id = started["upload_id"].as_str().unwrap().to_owned();
    uuid::Uuid::parse_str(&id).unwrap();
    id
}

/// A request with the bearer `token` and, when given, a body of that content type.
async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<(&str, &[u8])>,
) -> Response {
    let mut request = server
        .client
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some((content_type, bytes)) = body {
        request = request
            .header("content-type", content_type)
            .body(bytes.to_vec());
    }
    request.send().await.unwrap()
}

/// `POST /v1/cases/{case}/uploads`, whatever it answers.
pub async fn begin_raw(server: &Server, token: &str, case: CaseId) -> Response {
    let path = format!("/v1/cases/{case}/uploads");
    send(server, Method::POST, &path, token, None).await
}

/// `PUT /v1/uploads/{id}/parts/{n}` with `bytes` (a `Content-Length` body).
pub async fn part(
    server: &Server,
    token: &str,
    id: &str,
    n: impl std::fmt::Display,
    bytes: &[u8],
) -> Response {
    let path = format!("/v1/uploads/{id}/parts/{n}");
    let body = Some(("application/octet-stream", bytes));
    send(server, Method::PUT, &path, token, body).await
}

/// [`part`], expecting 200 with the running total `received`.
pub async fn part_taken(
    server: &Server,
    token: &str,
    id: &str,
    n: u64,
    bytes: &[u8],
    received: usize,
) {
    let resp = part(server, token, id, n, bytes).await;
    assert_eq!(resp.status(), StatusCode::OK, "part {n}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "received": received }),
        "part {n}"
    );
}

/// Sends `body` as parts of `size` bytes (the last one shorter), each expected to be taken.
pub async fn send_parts(server: &Server, token: &str, id: &str, body: &[u8], size: usize) {
    let mut sent = 0;
    for (n, piece) in body.chunks(size).enumerate() {
        sent += piece.len();
        part_taken(server, token, id, n as u64, piece, sent).await;
    }
}

/// `POST /v1/uploads/{id}/finish` with these manifest bytes.
pub async fn finish(server: &Server, token: &str, id: &str, manifest: &[u8]) -> Response {
    let path = format!("/v1/uploads/{id}/finish");
    let body = Some(("application/json", manifest));
    send(server, Method::POST, &path, token, body).await
}

/// `DELETE /v1/uploads/{id}`.
pub async fn cancel(server: &Server, token: &str, id: &str) -> Response {
    let path = format!("/v1/uploads/{id}");
    send(server, Method::DELETE, &path, token, None).await
}

/// Status and error body of an answer.
pub async fn refusal(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

/// Sends `body` in parts of 64 KiB and finishes with `manifest`, then sends both in one
/// request, body first; asserts both are refused with the same status and error body and
/// that nothing was kept; returns the error body.
pub async fn refused_like_one_request(
    server: &Server,
    token: &str,
    case: CaseId,
    manifest: &[u8],
    body: &[u8],
) -> (StatusCode, Value) {
    let id = begin(server, token, case).await;
    send_parts(server, token, &id, body, 64 * 1024).await;
    let in_parts = refusal(finish(server, token, &id, manifest).await).await;
    assert_nothing_kept(server).await;
    // A failed finish ends the upload: it cannot be finished again.
    let again = finish(server, token, &id, manifest).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let parts = [("body", body), ("manifest", manifest)];
    let in_one = refusal(server.upload_parts(token, case, &parts).await).await;
    assert_eq!(in_parts, in_one, "in parts, then in one request");
    assert_nothing_kept(server).await;
    in_parts
}

/// No document row, no object, no object upload in progress.
pub async fn assert_nothing_kept(server: &Server) {
    assert_eq!(server.rows("documents").await, 0);
    let left = server.everything_stored().await;
    assert!(left.is_empty(), "{left:?}");
}

/// The error sentence of an answer, asserting its status.
pub async fn refused_with(resp: Response, status: StatusCode) -> String {
    assert_eq!(resp.status(), status);
    super::common::error_message(resp).await
}
