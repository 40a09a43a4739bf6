//! What the tests of the vault in the browser share: signing in and reading the session token
//! a page carries, calling the API with it as the page's script does, reading the API's JSON
//! answers, and the keystores `vaultctl` wrote for the platform's people.

#![allow(dead_code, unreachable_pub)]

use reqwest::Method;
use serde_json::{json, Value};
use vault_tests::platform::{password, Platform};
use vault_tests::web::{Browser, Page};

pub const HEADER: &str = "x-vault-csrf";

/// Signs in `email` and opens `home`; answers the browser and the session token its pages
/// carry in `<meta name="vault-csrf">`.
pub async fn signed_in(
    platform: &Platform,
    email: &str,
    secret: &str,
    home: &str,
) -> (Browser, String) {
    let mut browser = Browser::new(&platform.url);
    browser.sign_in(email, secret).await;
    let page = browser.get(home).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = meta_token(&page).expect("signed-in pages carry the session token");
    (browser, token)
}

pub async fn member(platform: &Platform, name: &str) -> (Browser, String) {
    use secrecy::ExposeSecret;
    let email = format!("{name}@example.org");
    signed_in(
        platform,
        &email,
        password(name).expose_secret(),
        "/dashboard",
    )
    .await
}

pub fn meta_token(page: &Page) -> Option<String> {
    let marker = "<meta name=\"vault-csrf\" content=\"";
    let start = page.body.find(marker)? + marker.len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].to_owned())
}

pub fn json_of(page: &Page) -> Value {
    serde_json::from_str(&page.body).unwrap_or_else(|_| panic!("not JSON: {}", page.body))
}

/// The error body's code and message.
pub fn error_of(page: &Page) -> (String, String) {
    let body = json_of(page);
    let text = |k: &str| body["error"][k].as_str().unwrap_or_default().to_owned();
    (text("code"), text("message"))
}

pub async fn get(b: &mut Browser, path: &str, headers: &[(&str, &str)]) -> Page {
    b.api(Method::GET, path, None, headers).await
}

pub async fn put_keystore(b: &mut Browser, token: &str, keystore: &[u8]) -> Page {
    let body = json!({ "keystore": vault_core::b64::encode(keystore) }).to_string();
    b.api(
        Method::PUT,
        "/v1/me/keystore",
        Some(body),
        &[(HEADER, token)],
    )
    .await
}

/// The keystore `vaultctl` wrote for `name`: a real passphrase file at work factor 15.
pub fn keystore_file(platform: &Platform, name: &str) -> Vec<u8> {
    let path = platform
        .dir
        .path()
        .join("people")
        .join(name)
        .join("keystore.age");
    std::fs::read(path).unwrap()
}
