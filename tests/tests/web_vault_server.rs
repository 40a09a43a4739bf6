//! The server side of the vault in the browser: the API called with a page's session (cookie
//! plus the `X-Vault-Csrf` header, never the cookie alone, never from another site, never for
//! web-only accounts), the passphrase-locked keystores it keeps, registration with a keystore
//! and display name, pending vault members' waiting page, and the hooks pages give the script.

use reqwest::Method;
use serde_json::{json, Value};
use vault_core::ids::{CaseId, DocumentId, UserId};
use vault_tests::platform::{password, seal_text, Platform, TwoOrgs};
use vault_tests::web::{self, Account, Browser, Page};
use vault_tests::web_fixtures;

const HEADER: &str = "x-vault-csrf";

/// Signs in `email` (a vault member made by [`Platform`] when `name` is given) and answers
/// the browser and the session token its pages carry in `<meta name="vault-csrf">`.
async fn signed_in(
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

async fn member(platform: &Platform, name: &str) -> (Browser, String) {
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

fn meta_token(page: &Page) -> Option<String> {
    let marker = "<meta name=\"vault-csrf\" content=\"";
    let start = page.body.find(marker)? + marker.len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].to_owned())
}

fn json_of(page: &Page) -> Value {
    serde_json::from_str(&page.body).unwrap_or_else(|_| panic!("not JSON: {}", page.body))
}

/// The error body's code and message.
fn error_of(page: &Page) -> (String, String) {
    let body = json_of(page);
    let text = |k: &str| body["error"][k].as_str().unwrap_or_default().to_owned();
    (text("code"), text("message"))
}

async fn get(b: &mut Browser, path: &str, headers: &[(&str, &str)]) -> Page {
    b.api(Method::GET, path, None, headers).await
}

async fn put_keystore(b: &mut Browser, token: &str, keystore: &[u8]) -> Page {
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
fn keystore_file(platform: &Platform, name: &str) -> Vec<u8> {
    let path = platform
        .dir
        .path()
        .join("people")
        .join(name)
        .join("keystore.age");
    std::fs::read(path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_takes_a_pages_session_only_with_its_token_from_its_own_site() {
    let platform = Platform::start().await;
    let TwoOrgs { north, .. } = platform.north_and_bright().await;
    let (mut nia, token) = member(&platform, "north-practitioner").await;
    let with_token = [(HEADER, token.as_str())];

    let me = get(&mut nia, "/v1/me", &with_token).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(json_of(&me)["email"], "north-practitioner@example.org");
    assert_eq!(json_of(&me)["status"], "active");
    // A POST passes authentication (the empty body is then refused for its shape, 400), and
    // a PUT does its work.
    let post = nia
        .api(Method::POST, "/v1/cases", Some("{}".into()), &with_token)
        .await;
    assert_eq!(post.status, 400, "{}", post.body);
    let keystore = keystore_file(&platform, "north-practitioner");
    assert_eq!(put_keystore(&mut nia, &token, &keystore).await.status, 204);

    // The cookie alone, or with a wrong token, is no login.
    assert_eq!(get(&mut nia, "/v1/me", &[]).await.status, 401);
    let alone = nia
        .api(Method::POST, "/v1/cases", Some("{}".into()), &[])
        .await;
    assert_eq!(alone.status, 401);
    assert_eq!(error_of(&alone).0, "unauthorized");
    let wrong = "0".repeat(64);
    assert_eq!(
        get(&mut nia, "/v1/me", &[(HEADER, &wrong)]).await.status,
        401
    );

    // Another site's page, even holding the token, is refused for every method.
    let origin = [(HEADER, token.as_str()), ("origin", "http://evil.example")];
    let refused = get(&mut nia, "/v1/me", &origin).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        error_of(&refused),
        (
            "forbidden".to_owned(),
            "calls from another site may not use the session".to_owned()
        )
    );
    let fetch_site = [(HEADER, token.as_str()), ("sec-fetch-site", "cross-site")];
    let refused = nia
        .api(
            Method::PUT,
            "/v1/me/keystore",
            Some("{}".into()),
            &fetch_site,
        )
        .await;
    assert_eq!(refused.status, 403);
    let own_site = [(HEADER, token.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(get(&mut nia, "/v1/me", &own_site).await.status, 200);
    let own_origin = [
        (HEADER, token.as_str()),
        ("origin", platform.url.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let body = json!({ "keystore": vault_core::b64::encode(&keystore) }).to_string();
    let put = nia
        .api(Method::PUT, "/v1/me/keystore", Some(body), &own_origin)
        .await;
    assert_eq!(put.status, 204, "{}", put.body);

    // Accounts made in the web app have no keys: the API has nothing for them.
    web::account(
        &platform,
        north,
        "mo@north.example",
        "Mo Reid",
        Account::Manager,
    )
    .await;
    let (mut mo, mo_token) =
        signed_in(&platform, "mo@north.example", web::PASSWORD, "/dashboard").await;
    let staff = get(&mut mo, "/v1/me", &[(HEADER, &mo_token)]).await;
    assert_eq!(staff.status, 403);
    assert_eq!(
        error_of(&staff).1,
        "this account signs in to the web app only"
    );

    // Signing out ends the API session too.
    nia.get("/dashboard").await;
    assert_eq!(nia.post("/logout", &[]).await.status, 303);
    assert_eq!(get(&mut nia, "/v1/me", &with_token).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_reaches_its_own_organisation_and_its_own_keystore_only() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let case = orgs
        .north_practitioner
        .create_case("NC-2026-0201")
        .await
        .unwrap();
    let dir = platform.plain_files("north");
    let document = seal_text(&orgs.north_practitioner, case, &dir, "plan.txt", 20).await;
    let (mut nia, nia_token) = member(&platform, "north-practitioner").await;
    let (mut bea, bea_token) = member(&platform, "bright-manager").await;
    let ours = [(HEADER, nia_token.as_str())];
    let theirs = [(HEADER, bea_token.as_str())];

    assert_eq!(
        get(&mut nia, &format!("/v1/cases/{case}"), &ours)
            .await
            .status,
        200
    );
    for path in [
        format!("/v1/cases/{case}"),
        format!("/v1/cases/{case}/documents"),
        format!("/v1/documents/{document}"),
        format!("/v1/documents/{document}/body"),
        format!("/v1/cases/{}", CaseId::new()),
        format!("/v1/documents/{}", DocumentId::new()),
    ] {
        let page = get(&mut bea, &path, &theirs).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        assert_eq!(error_of(&page).0, "not_found");
    }

    let none = get(&mut nia, "/v1/me/keystore", &ours).await;
    assert_eq!(none.status, 404);
    assert_eq!(error_of(&none).0, "not_found");
    let keystore = keystore_file(&platform, "north-practitioner");
    assert_eq!(
        put_keystore(&mut nia, &nia_token, &keystore).await.status,
        204
    );
    let kept = get(&mut nia, "/v1/me/keystore", &ours).await;
    assert_eq!(kept.status, 200);
    assert_eq!(
        json_of(&kept)["keystore"],
        vault_core::b64::encode(&keystore)
    );
    // Another organisation's manager has none of their own, and no path names anyone else's.
    assert_eq!(get(&mut bea, "/v1/me/keystore", &theirs).await.status, 404);
    let nia_id = orgs.north_practitioner.keystore().user_id;
    for path in [
        format!("/v1/me/keystore/{nia_id}"),
        format!("/v1/users/{nia_id}/keystore"),
        format!("/v1/me/keystore?user_id={nia_id}"),
    ] {
        let page = get(&mut bea, &path, &theirs).await;
        assert!(
            !page.body.contains(&vault_core::b64::encode(&keystore)),
            "{path}"
        );
    }
    let bright_file = keystore_file(&platform, "bright-manager");
    assert_eq!(
        put_keystore(&mut bea, &bea_token, &bright_file)
            .await
            .status,
        204
    );
    let after = get(&mut nia, "/v1/me/keystore", &ours).await;
    assert_eq!(
        json_of(&after)["keystore"],
        vault_core::b64::encode(&keystore)
    );

    // The limits of page sessions hold for API calls: idle too long, or past its lifetime.
    let bea_id = orgs.bright_manager.keystore().user_id.to_string();
    let idle = "UPDATE web_sessions SET last_seen_at = 1 WHERE user_id = $1";
    web_fixtures::exec(&platform, idle, &[&bea_id]).await;
    assert_eq!(get(&mut bea, "/v1/me", &theirs).await.status, 401);
    let nia_text = nia_id.to_string();
    let expired = "UPDATE web_sessions SET expires_at = 1 WHERE user_id = $1";
    web_fixtures::exec(&platform, expired, &[&nia_text]).await;
    assert_eq!(get(&mut nia, "/v1/me", &ours).await.status, 401);
}

/// `file` with its scrypt work factor argument replaced (the header still parses; only a
/// passphrase would show its MAC no longer matches).
fn with_work_factor(file: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(file).into_owned();
    let line = text.lines().nth(1).unwrap();
    assert!(
        line.starts_with("-> scrypt ") && line.ends_with(from),
        "{line}"
    );
    let changed = format!("{}{to}", &line[..line.len() - from.len()]);
    let mut out = file.to_vec();
    let at = text.find(line).unwrap();
    out.splice(at..at + line.len(), changed.bytes());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystores_that_are_not_passphrase_files_within_limits_are_refused() {
    let platform = Platform::start().await;
    platform.north_and_bright().await;
    let (mut nia, token) = member(&platform, "north-practitioner").await;
    let good = keystore_file(&platform, "north-practitioner");
    let mut x25519 = Vec::new();
    let key = vault_core::keys::SecretKey::generate().public_key();
    vault_core::seal::seal(&b"identity"[..], &key, &mut x25519, |_| {}).unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "not age",
            b"hello, not a keystore".to_vec(),
            "the keystore is not an age v1 file",
        ),
        (
            "work factor 10",
            with_work_factor(&good, " 15", " 10"),
            "the keystore's scrypt work factor must be from 15 to 22",
        ),
        (
            "work factor 23",
            with_work_factor(&good, " 15", " 23"),
            "the keystore's scrypt work factor must be from 15 to 22",
        ),
        (
            "X25519",
            x25519,
            "the keystore must be locked with a passphrase alone (one scrypt stanza)",
        ),
        (
            "65 KiB",
            vec![b'a'; 65 * 1024],
            "the keystore is larger than 64 KiB",
        ),
    ];
    for (what, bytes, message) in cases {
        let page = put_keystore(&mut nia, &token, &bytes).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        assert_eq!(
            error_of(&page),
            ("unprocessable".to_owned(), message.to_owned()),
            "{what}"
        );
    }
    let body = json!({ "keystore": "not base64!" }).to_string();
    let page = nia
        .api(
            Method::PUT,
            "/v1/me/keystore",
            Some(body),
            &[(HEADER, &token)],
        )
        .await;
    assert_eq!(error_of(&page).1, "the keystore is not valid base64");
    let headers = [(HEADER, token.as_str())];
    assert_eq!(get(&mut nia, "/v1/me/keystore", &headers).await.status, 404);
    assert_eq!(put_keystore(&mut nia, &token, &good).await.status, 204);
}

fn registration(org: &str, email: &str, keystore: Option<&[u8]>, name: Option<&str>) -> Value {
    let encryption = vault_core::keys::SecretKey::generate().public_key();
    let signing = vault_core::keys::SigningKey::generate()
        .unwrap()
        .verifying_key();
    let mut body = json!({
        "user_id": UserId::new(),
        "org_id": org,
        "email": email,
        "password": "a long enough password",
        "encryption_key": encryption,
        "signing_key": signing,
        "founding": null,
    });
    if let Some(bytes) = keystore {
        body["keystore"] = json!(vault_core::b64::encode(bytes));
    }
    if let Some(name) = name {
        body["display_name"] = json!(name);
    }
    body
}

async fn register(platform: &Platform, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/register", platform.url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn count(platform: &Platform, sql: &str, bind: &str) -> i64 {
    let pool = web_fixtures::pool(platform).await;
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(bind)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_keeps_keystore_and_name_and_tells_nothing_of_taken_addresses() {
    let platform = Platform::start().await;
    let TwoOrgs { north, .. } = platform.north_and_bright().await;
    let org = north.to_string();
    let keystore = keystore_file(&platform, "north-practitioner");

    let bad_name = registration(&org, "ola@example.org", Some(&keystore), Some(" "));
    let (status, body) = register(&platform, &bad_name).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["message"],
        "the display name must be 1 to 200 characters of plain text"
    );
    let bad_keystore = registration(&org, "ola@example.org", Some(b"nope"), Some("Ola"));
    let (status, body) = register(&platform, &bad_keystore).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["message"],
        "the keystore is not an age v1 file"
    );
    let users = "SELECT COUNT(*) FROM users WHERE email = $1";
    assert_eq!(count(&platform, users, "ola@example.org").await, 0);

    let ola = registration(&org, "ola@example.org", Some(&keystore), Some("Ola Berg"));
    let (status, body) = register(&platform, &ola).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("pending")));
    let id = ola["user_id"].as_str().unwrap();
    let pool = web_fixtures::pool(&platform).await;
    let (name,): (Option<String>,) = sqlx::query_as("SELECT display_name FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("Ola Berg"));
    let (kept,): (Vec<u8>,) = sqlx::query_as("SELECT keystore FROM keystores WHERE user_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, keystore);
    pool.close().await;

    // The same address again, in other capitals: the answer of a new registration, no second
    // account, and an e-mail to the address's owner.
    let again = registration(&org, "Ola@Example.org", None, None);
    let (status, body) = register(&platform, &again).await;
    assert_eq!(status, 201);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["user_id"], again["user_id"]);
    let any_case = "SELECT COUNT(*) FROM users WHERE LOWER(email) = $1";
    assert_eq!(count(&platform, any_case, "ola@example.org").await, 1);
    let told = "SELECT COUNT(*) FROM outbox WHERE to_address = $1 \
                AND subject = 'Registration attempt with your e-mail address'";
    assert_eq!(count(&platform, told, "ola@example.org").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_vault_member_signs_in_to_wait_and_the_manager_sees_their_fingerprint() {
    use secrecy::ExposeSecret;
    let platform = Platform::start().await;
    let TwoOrgs { north, .. } = platform.north_and_bright().await;
    let pat = platform.waiting("pat", north).await;
    let pat_id = pat.keystore().user_id;

    let mut browser = Browser::new(&platform.url);
    let signed = browser
        .try_sign_in("pat@example.org", password("pat").expose_secret())
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.location.as_deref(), Some("/waiting"));
    let page = browser.get("/waiting").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.shows("Your registration with Northshire Council is waiting for a manager"));
    assert!(page.body.contains("id=\"vault-fingerprint\""));
    assert!(page
        .body
        .contains("<section id=\"vault-lock\" data-vault=\"unlock\""));
    assert!(page
        .body
        .contains("<script src=\"/static/vault.js\" integrity=\"sha384-"));
    let token = meta_token(&page).unwrap();
    assert_eq!(browser.get("/").await.location.as_deref(), Some("/waiting"));
    assert_eq!(
        browser.get("/dashboard").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(
        browser.get("/cases").await.location.as_deref(),
        Some("/login")
    );

    let headers = [(HEADER, token.as_str())];
    let me = get(&mut browser, "/v1/me", &headers).await;
    assert_eq!(json_of(&me)["status"], "pending");
    let keystore = keystore_file(&platform, "pat");
    assert_eq!(
        put_keystore(&mut browser, &token, &keystore).await.status,
        204
    );
    assert_eq!(
        get(&mut browser, "/v1/me/keystore", &headers).await.status,
        200
    );
    let cases = get(&mut browser, "/v1/cases", &headers).await;
    assert_eq!(cases.status, 403);

    let (mut manager, _) = member(&platform, "north-manager").await;
    let members = manager.get("/members").await;
    let row = members
        .body
        .split("<tr ")
        .find(|row| row.starts_with(&format!("data-vault-member=\"{pat_id}\"")))
        .unwrap_or_else(|| panic!("no vault row: {}", members.body));
    let print = pat.fingerprints().member.to_string();
    assert!(
        row.contains(&format!("data-vault-claimed-fingerprint>{print}</code>")),
        "{row}"
    );
    assert!(row.contains("data-vault-action=\"approve\""));
    assert!(row.contains("data-vault-role"));
    assert!(row.contains("class=\"vault-hidden\" data-vault-approve"));
}

fn integrity_of(page: &Page) -> String {
    let marker = "<script src=\"/static/vault.js\" integrity=\"";
    let start = page.body.find(marker).expect("the vault script tag") + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    page.body[start..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_load_the_vault_script_with_its_hash_and_carry_the_scripts_hooks() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let case = orgs
        .north_practitioner
        .create_case("NC-2026-0301")
        .await
        .unwrap();
    let dir = platform.plain_files("north");
    let document = seal_text(&orgs.north_practitioner, case, &dir, "note.txt", 20).await;

    let mut anonymous = Browser::new(&platform.url);
    let register = anonymous.get("/register").await;
    assert!(register.body.contains("data-vault=\"register\""));
    assert!(register
        .body
        .contains("<input id=\"vault-passphrase\" type=\"password\""));
    assert!(register
        .body
        .contains("<input id=\"vault-passphrase-confirm\" type=\"password\""));
    assert!(!register.body.contains("name=\"vault-passphrase"));
    assert!(register.shows("never leaves this device"));
    assert!(meta_token(&register).is_none(), "no session before sign-in");
    let script = anonymous.get("/static/vault.js").await;
    assert_eq!(script.status, 200);
    assert_eq!(
        script.headers["content-type"],
        "text/javascript; charset=utf-8"
    );
    let digest = ring_sha384(script.body.as_bytes());
    assert_eq!(integrity_of(&register), format!("sha384-{digest}"));

    let (mut nia, _) = member(&platform, "north-practitioner").await;
    let page = nia.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(integrity_of(&page), format!("sha384-{digest}"));
    assert!(page.body.contains("id=\"vault-lock\""));
    assert!(page.shows("Document names stay sealed here"));
    assert!(page
        .body
        .contains(&format!("data-vault=\"seal\" data-case-id=\"{case}\"")));
    assert!(page.body.contains("<progress id=\"vault-seal-progress\""));
    assert!(page.body.contains(&format!(
        "data-vault-action=\"open\" data-document-id=\"{document}\""
    )));
    assert!(page.body.contains("data-vault=\"share\""));
    let bright = format!(
        "<option value=\"{}\">Brightwater Adoption Agency</option>",
        orgs.bright
    );
    assert!(page.body.contains(&bright));
    assert!(!page
        .body
        .contains(&format!("<option value=\"{}\"", orgs.north)));
    assert!(
        !page.body.contains("data-vault=\"transfer\""),
        "managers only"
    );
    let list = nia.get("/cases").await;
    assert!(list.body.contains("data-vault=\"new-case\""));

    let (mut manager, _) = member(&platform, "north-manager").await;
    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("data-vault=\"transfer\""));
    orgs.north_manager
        .transfer_case(case, orgs.bright)
        .await
        .unwrap();
    let (mut bea, _) = member(&platform, "bright-manager").await;
    let list = bea.get("/cases").await;
    assert!(
        list.shows("Northshire Council offered a case with 1 document"),
        "{}",
        list.body
    );
    assert!(list
        .body
        .contains("data-vault-action=\"accept\" data-transfer-id=\""));

    // A web-only account: the session token for forms, but no vault script and no lock.
    web::account(
        &platform,
        orgs.north,
        "mo@north.example",
        "Mo Reid",
        Account::Manager,
    )
    .await;
    let (mut mo, _) = signed_in(&platform, "mo@north.example", web::PASSWORD, "/cases").await;
    let page = mo.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("/static/vault.js"));
    assert!(!page.body.contains("id=\"vault-lock\""));
    assert!(!page.body.contains("data-vault=\"seal\""));
    assert!(page.shows("Document names stay sealed here"));
}

fn ring_sha384(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA384, bytes);
    vault_core::b64::encode(digest.as_ref())
}
