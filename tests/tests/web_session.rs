//! The web app's front door: signing in and out, the session cookie, CSRF refusals, login
//! throttling and the security headers every page carries.

use vault_tests::platform::Platform;
use vault_tests::web::{Browser, PASSWORD};
use vault_tests::web_fixtures::{self, north_with_practitioner, signed_in};

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_the_session() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let mut browser = Browser::new(&platform.url);

    assert_eq!(
        browser.get("/dashboard").await.location.as_deref(),
        Some("/login")
    );
    let login = browser.get("/login").await;
    assert_eq!(login.status, 200);
    let page = browser
        .post(
            "/login",
            &[("email", "ana@north.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/dashboard"));
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("vault_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );

    let dashboard = browser.get("/dashboard").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.shows("Welcome, Ana Lee"), "{}", dashboard.body);
    assert!(dashboard.shows("Northshire Council"));

    let out = browser.post("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        browser.get("/dashboard").await.location.as_deref(),
        Some("/login")
    );
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let mut browser = Browser::new(&platform.url);

    browser.get("/login").await;
    let forged = browser
        .post_raw(
            "/login",
            &[("email", "ana@north.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.shows("the form expired or did not come from this app"));
    let wrong = browser
        .post_raw(
            "/login",
            &[
                ("csrf", &"0".repeat(64)),
                ("email", "ana@north.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);

    browser.sign_in("ana@north.example", PASSWORD).await;
    let logout = browser.post_raw("/logout", &[]).await;
    assert_eq!(
        logout.status, 403,
        "sign-out without the token is refused too"
    );
    assert_eq!(
        browser.get("/dashboard").await.status,
        200,
        "and the session lives on"
    );
}

#[tokio::test]
async fn login_throttling_engages_per_account_even_with_the_right_password() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let mut browser = Browser::new(&platform.url);

    for _ in 0..5 {
        let page = browser
            .try_sign_in("ana@north.example", "not the password")
            .await;
        assert_eq!(page.status, 401);
        assert!(page.shows("The e-mail address or the password is not right."));
    }
    let page = browser.try_sign_in("ana@north.example", PASSWORD).await;
    assert_eq!(page.status, 429);
    // The page and its Retry-After say how long to wait: the first failure leaves the
    // 15-minute window in just under 900 seconds.
    assert!(
        page.shows(
            "Too many failed sign-ins for this account or from this network. Wait 15 \
             minutes, then try again."
        ),
        "{}",
        page.body
    );
    let wait: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((840..=900).contains(&wait), "{wait}");

    // An address nobody has is throttled the same way, so throttling tells nothing.
    for _ in 0..5 {
        assert_eq!(
            browser
                .try_sign_in("nobody@north.example", "guess")
                .await
                .status,
            401
        );
    }
    assert_eq!(
        browser
            .try_sign_in("nobody@north.example", "guess")
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn login_throttling_engages_per_address_across_accounts() {
    let platform = Platform::start().await;
    let mut browser = Browser::new(&platform.url);
    for n in 0..30 {
        let email = format!("guess{n}@north.example");
        assert_eq!(browser.try_sign_in(&email, "guess").await.status, 401);
    }
    let page = browser.try_sign_in("another@north.example", "guess").await;
    assert_eq!(page.status, 429);
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_forbid_inline_script_and_style() {
    let platform = Platform::start().await;
    let mut browser = Browser::new(&platform.url);
    let page = browser.get("/login").await;
    let header = |name: &str| page.headers.get(name).unwrap().to_str().unwrap().to_owned();
    let csp = header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert_eq!(header("cache-control"), "no-store");
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(!page.body.contains("style="), "no inline style");
    assert!(!page.body.contains("<style"), "no inline style");

    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.starts_with("<!doctype html>"));
    let api = browser.get("/v1/no/such/route").await;
    assert_eq!(api.status, 404);
    assert!(api.body.contains("\"code\":\"not_found\""), "{}", api.body);
}

#[tokio::test]
async fn the_api_login_shares_the_web_sign_in_throttle() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let login = |password: &'static str| {
        client
            .post(format!("{}/v1/auth/login", platform.url))
            .json(&serde_json::json!({"email": "admin@example.org", "password": password}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(login("wrong").await.unwrap().status(), 401);
    }
    let mut browser = Browser::new(&platform.url);
    for _ in 0..2 {
        assert_eq!(
            browser
                .try_sign_in("admin@example.org", "wrong")
                .await
                .status,
            401
        );
    }
    let refused = login("password of admin").await.unwrap();
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    let page = browser
        .try_sign_in("admin@example.org", "password of admin")
        .await;
    assert_eq!(page.status, 429);
}

#[tokio::test]
async fn accounts_made_in_the_web_app_cannot_take_an_api_token() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", platform.url))
        .json(&serde_json::json!({"email": "ana@north.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "this account signs in to the web app only"
    );
}

#[tokio::test]
async fn posts_a_browser_says_came_from_another_site_are_refused_even_with_the_token() {
    let platform = Platform::start().await;
    let mut browser = Browser::new(&platform.url);
    browser.get("/login").await;
    let body = format!(
        "csrf={}&email=admin%40example.org&password=password+of+admin",
        browser.token()
    );
    let evil = browser
        .post_body("/login", body.clone(), &[("origin", "http://evil.example")])
        .await;
    assert_eq!(evil.status, 403);
    assert!(evil.shows("the form expired or did not come from this app"));
    let sibling = browser
        .post_body("/login", body.clone(), &[("sec-fetch-site", "same-site")])
        .await;
    assert_eq!(sibling.status, 403);
    let own = platform.url.clone();
    let fine = browser
        .post_body(
            "/login",
            body,
            &[("origin", &own), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(fine.status, 303, "the app's own page: {}", fine.body);
}

#[tokio::test]
async fn a_form_whose_fields_are_not_utf8_is_refused_not_stored_with_replacement_marks() {
    let platform = Platform::start().await;
    let mut browser = Browser::new(&platform.url);
    browser.get("/login").await;
    let body = format!("csrf={}&email=%FF%FE&password=x", browser.token());
    let page = browser.post_body("/login", body, &[]).await;
    assert_eq!(page.status, 400);
    assert!(page.shows("the form was not one this app sends"));
}

#[tokio::test]
async fn staff_are_told_on_the_dashboard_when_their_licence_has_lapsed() {
    let platform = Platform::start().await;
    let (org, _) = north_with_practitioner(&platform).await;
    let mut browser = signed_in(&platform, "ana@north.example").await;
    let current = browser.get("/dashboard").await;
    assert!(
        current.shows("</strong> active child profiles."),
        "{}",
        current.body
    );
    assert!(!current.shows("licence is switched off"));
    vault_tests::web_fixtures::exec(
        &platform,
        "UPDATE org_settings SET licence_active = 0 WHERE org_id = $1",
        &[&org.to_string()],
    )
    .await;
    let lapsed = browser.get("/dashboard").await;
    assert!(lapsed.shows("Your organisation's licence is switched off or past its last day."));
}

/// Pins that a page whose session the server no longer knows sends the person to a sign-in
/// page that says the session ended, rather than a bare one.
#[tokio::test]
async fn a_page_whose_session_ended_says_so_at_sign_in() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let mut browser = Browser::new(&platform.url);
    let signed_in = browser.try_sign_in("ana@north.example", PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(browser.get("/dashboard").await.status, 200);
    let idle = "UPDATE web_sessions SET last_seen_at = 1";
    web_fixtures::exec(&platform, idle, &[]).await;
    let page = browser.get("/dashboard").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/login?ended=1"));
    let login = browser.get("/login?ended=1").await;
    assert_eq!(login.status, 200);
    assert!(
        login.shows(
            "Your session ended: it was left idle too long or reached its time limit, or the \
             account was closed. Sign in again to go on."
        ),
        "{}",
        login.body
    );
    // Without any session cookie, the sign-in page says nothing of an ended session.
    let mut fresh = Browser::new(&platform.url);
    assert_eq!(
        fresh.get("/dashboard").await.location.as_deref(),
        Some("/login")
    );
    assert!(!fresh.get("/login").await.shows("Your session ended"));
}
