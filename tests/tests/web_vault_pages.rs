//! The server side of the vault in the browser, as pages and registration see it:
//! registration through the API with a keystore and display name that tells nothing of taken
//! addresses, pending vault members' waiting page and their fingerprint on the members page,
//! and the vault script (with its SRI hash) and its hooks on the pages of members with keys.

mod web_vault;

use serde_json::{json, Value};
use vault_core::ids::UserId;
use vault_tests::platform::{password, seal_text, Platform, TwoOrgs};
use vault_tests::web::{self, Account, Browser, Page};
use vault_tests::web_fixtures;
use web_vault::{get, json_of, keystore_file, member, meta_token, put_keystore, signed_in, HEADER};

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
async fn a_pending_vault_member_signs_in_to_wait_and_the_manager_sees_no_fingerprint_to_copy() {
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
    // Signing out from the waiting page ends the session, for pages and the API.
    browser.get("/waiting").await;
    assert_eq!(browser.post("/logout", &[]).await.status, 303);
    assert_eq!(
        browser.get("/waiting").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(get(&mut browser, "/v1/me", &headers).await.status, 401);

    let (mut manager, _) = member(&platform, "north-manager").await;
    let members = manager.get("/members").await;
    let row = members
        .body
        .split("<tr ")
        .find(|row| row.starts_with(&format!("data-vault-member=\"{pat_id}\"")))
        .unwrap_or_else(|| panic!("no vault row: {}", members.body));
    // No fingerprint to copy: the manager types what the member reads out.
    let print = pat.fingerprints().member.to_string();
    assert!(!members.body.contains(&print), "{row}");
    assert!(!row.contains("data-vault-claimed-fingerprint"), "{row}");
    assert!(!row.contains("data-vault-own-fingerprint"), "{row}");
    assert!(row.contains("data-vault-action=\"approve\""));
    assert!(row.contains("data-vault-role"));
    assert!(row.contains(&format!(
        "<input id=\"vault-fpr-{pat_id}\" data-vault-fingerprint-input"
    )));
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
