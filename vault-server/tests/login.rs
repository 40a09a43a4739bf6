//! `POST /v1/auth/login` refusals: a wrong e-mail address or password said as such (not as a
//! missing token), and the throttle's 429 with the seconds to wait in `Retry-After`.

mod common;

use reqwest::{Response, StatusCode};
use serde_json::json;

async fn login(server: &common::Server, email: &str, password: &str) -> Response {
    server
        .client
        .post(server.url("/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Status, `Retry-After` (when there is one) and error body of an answer.
async fn refusal(resp: Response) -> (StatusCode, Option<u64>, serde_json::Value) {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry_after, resp.json().await.unwrap())
}

/// Moves every counted login failure `secs` into the past, as if that time had gone by.
async fn age_failures(server: &common::Server, secs: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&server.database_url).await.unwrap();
    sqlx::query("UPDATE login_failures SET at = at - $1")
        .bind(secs)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn a_wrong_password_or_unknown_address_is_said_as_such() {
    // Pins: a refused login answered "authentication required", as a request without a token.
    let server = common::start().await;
    let wrong = json!({
        "error": {
            "code": "unauthorized",
            "message": "the e-mail address or the password is wrong",
        }
    });
    for (email, password) in [
        ("admin@example.org", "not the password"),
        ("nobody@example.org", common::PASSWORD),
    ] {
        let (status, retry_after, body) = refusal(login(&server, email, password).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{email}");
        assert_eq!(retry_after, None);
        assert_eq!(body, wrong, "{email}");
    }
    let (status, _, body) = refusal(server.get("/v1/me", "not-a-token").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "authentication required");
}

/// Logs in with the right password, expecting the throttle's 429 saying to try again in
/// `minutes`; returns its `Retry-After`.
async fn throttled(server: &common::Server, minutes: &str) -> u64 {
    let (status, retry_after, body) =
        refusal(login(server, "admin@example.org", common::PASSWORD).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let message = format!(
        "too many failed logins for this account or from this address; try again in {minutes}"
    );
    let expected = json!({"error": {"code": "too_many_requests", "message": message}});
    assert_eq!(body, expected);
    retry_after.expect("a Retry-After header")
}

#[tokio::test]
async fn a_throttled_login_says_when_to_try_again() {
    // Pins: the 429 of a throttled login carried no Retry-After.
    let server = common::start().await;
    for _ in 0..5 {
        let resp = login(&server, "admin@example.org", "not the password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let retry_after = throttled(&server, "15 minutes").await;
    assert!((895..=900).contains(&retry_after), "{retry_after}");

    // Ten minutes on, the oldest failure leaves the window in five.
    age_failures(&server, 600).await;
    let retry_after = throttled(&server, "5 minutes").await;
    assert!((295..=300).contains(&retry_after), "{retry_after}");

    // Once that time has gone by, the right password logs in again.
    age_failures(&server, i64::try_from(retry_after).unwrap()).await;
    let resp = login(&server, "admin@example.org", common::PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);
}
