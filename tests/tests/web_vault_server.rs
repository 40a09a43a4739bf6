//! The server side of the vault in the browser, as the API sees it: calls made with a page's
//! session (cookie plus the `X-Vault-Csrf` header, never the cookie alone, never from another
//! site, never for web-only accounts, within the session's limits), each organisation's ids
//! and each person's keystore reachable by them only, and keystores that are not passphrase
//! files within the limits refused.

mod web_vault;

use reqwest::Method;
use serde_json::json;
use vault_core::ids::{CaseId, DocumentId};
use vault_tests::platform::{seal_text, Platform, TwoOrgs};
use vault_tests::web::{self, Account};
use vault_tests::web_fixtures;
use web_vault::{error_of, get, json_of, keystore_file, member, put_keystore, signed_in, HEADER};

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
    // What is missing is said, for whoever writes a client against the session.
    let needs = "a call with the session cookie needs the X-Vault-Csrf header of the page it \
                 came from";
    assert_eq!(
        error_of(&alone),
        ("unauthorized".to_owned(), needs.to_owned())
    );
    let wrong = "0".repeat(64);
    let wrong = get(&mut nia, "/v1/me", &[(HEADER, &wrong)]).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        error_of(&wrong),
        ("unauthorized".to_owned(), needs.to_owned())
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

    // None kept yet: an answer saying so, not a 404 the page's console would show as an error.
    let none = get(&mut nia, "/v1/me/keystore", &ours).await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body, r#"{"keystore":null}"#);
    // vaultctl keeps a copy of its keystore there, as locked on disk.
    orgs.north_manager.upload_keystore().await.unwrap();
    let (mut mia, mia_token) = member(&platform, "north-manager").await;
    let uploaded = get(&mut mia, "/v1/me/keystore", &[(HEADER, &mia_token)]).await;
    let on_disk = keystore_file(&platform, "north-manager");
    assert_eq!(
        json_of(&uploaded)["keystore"],
        vault_core::b64::encode(&on_disk)
    );
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
    let own = get(&mut bea, "/v1/me/keystore", &theirs).await;
    assert_eq!(own.body, r#"{"keystore":null}"#);
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
    let cases: [(&str, Vec<u8>, &str); 7] = [
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
            "work factor 015",
            with_work_factor(&good, " 15", " 015"),
            "the keystore's scrypt work factor must be from 15 to 22",
        ),
        (
            "work factor +15",
            with_work_factor(&good, " 15", " +15"),
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
    let none = get(&mut nia, "/v1/me/keystore", &headers).await;
    assert_eq!(
        (none.status, none.body.as_str()),
        (200, r#"{"keystore":null}"#)
    );
    assert_eq!(put_keystore(&mut nia, &token, &good).await.status, 204);
}
