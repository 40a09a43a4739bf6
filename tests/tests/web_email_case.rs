//! An e-mail address is one account whatever its capital letters: sign-in on the web and the
//! API finds the account in any case, `bootstrap-admin` and new auditors refuse an address
//! that differs only in case, and the database's own index refuses such a second row. Also:
//! the API refuses a second organisation with a name in use, as the platform admin's form does.

use reqwest::Method;
use vault_tests::platform::{password, Platform};
use vault_tests::web::{Browser, PASSWORD};
use vault_tests::web_fixtures::{north_with_practitioner, number, pool};

/// Logs in through the API as `email`; answers the status and the body.
async fn api_login(platform: &Platform, email: &str, password: &str) -> (u16, String) {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let page = Browser::new(&platform.url)
        .api(Method::POST, "/v1/auth/login", Some(body), &[])
        .await;
    (page.status, page.body)
}

#[tokio::test]
async fn sign_in_finds_the_account_whatever_the_case_of_the_address() {
    let platform = Platform::start().await;
    north_with_practitioner(&platform).await;
    let mut browser = Browser::new(&platform.url);
    let page = browser.try_sign_in("Ana@North.EXAMPLE", PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/dashboard"));
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.shows("Welcome, Ana Lee"), "{}", dashboard.body);

    let wrong = Browser::new(&platform.url)
        .try_sign_in("ANA@north.example", "not the password at all")
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.shows("The e-mail address or the password is not right."));

    // The API, as vaultctl logs in: the platform admin was made as admin@example.org.
    let admin_password = "password of admin";
    let (status, body) = api_login(&platform, "Admin@Example.ORG", admin_password).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["me"]["email"], "admin@example.org");
    assert_eq!(answer["me"]["role"], "platform_admin");
    let (status, _) = api_login(&platform, "ADMIN@example.org", "wrong password here").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bootstrap_admin_and_auditors_refuse_an_address_in_another_case() {
    let platform = Platform::start().await;
    let app = vault_server::App::new(platform.settings.clone())
        .await
        .unwrap();
    let second = app
        .bootstrap_admin("ADMIN@platform.example", "password of a second admin")
        .await;
    assert!(second.is_ok(), "a new address is fine: {second:?}");
    let again = app
        .bootstrap_admin("admin@Platform.Example", "password of a third admin")
        .await
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "creating the platform admin: an account with this e-mail address exists already \
         (capital letters do not count)"
    );
    let admins = "SELECT COUNT(*) FROM users WHERE LOWER(email) = $1";
    assert_eq!(
        number(&platform, admins, &["admin@platform.example"]).await,
        1
    );

    let auditor = platform.person("auditor");
    let id = auditor.keystore().user_id;
    platform
        .admin
        .add_auditor(id, "auditor@example.org", &password("auditor"))
        .await
        .unwrap();
    let other = platform.person("auditor-two").keystore().user_id;
    let refused = platform
        .admin
        .add_auditor(other, "AUDITOR@example.org", &password("auditor-two"))
        .await
        .unwrap_err();
    let said = refused.to_string();
    assert!(said.contains("409"), "{said}");
    assert!(
        said.contains(
            "an account with this e-mail address exists already (capital letters do not count)"
        ),
        "{said}"
    );
    assert_eq!(number(&platform, admins, &["auditor@example.org"]).await, 1);
}

#[tokio::test]
async fn the_database_refuses_a_second_row_whose_address_differs_only_in_case() {
    let platform = Platform::start().await;
    let db = pool(&platform).await;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, password_hash, kind, status, created_at) \
         VALUES ($1, 'ADMIN@example.org', 'x', 'auditor', 'active', 0)",
    )
    .bind(vault_core::ids::UserId::new().to_string())
    .execute(&db)
    .await;
    let err = inserted.unwrap_err();
    let unique = err
        .as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation);
    assert!(unique, "{err}");
    db.close().await;
}

#[tokio::test]
async fn the_api_refuses_a_second_organisation_with_a_name_in_use() {
    let platform = Platform::start().await;
    platform
        .admin
        .create_org("Northshire Council")
        .await
        .unwrap();
    let (status, body) = api_login(&platform, "admin@example.org", "password of admin").await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let bearer = format!("Bearer {}", answer["token"].as_str().unwrap());
    let mut api = Browser::new(&platform.url);
    let body = serde_json::json!({ "name": "  northshire COUNCIL " }).to_string();
    let page = api
        .api(
            Method::POST,
            "/v1/orgs",
            Some(body),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    let error: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(
        error,
        serde_json::json!({ "error": {
            "code": "conflict",
            "message": "an organisation with this name exists already",
        } })
    );
    let orgs = "SELECT COUNT(*) FROM orgs WHERE LOWER(name) = $1";
    assert_eq!(number(&platform, orgs, &["northshire council"]).await, 1);

    // vaultctl org create says the server's sentence; another name is still fine.
    let Err(refused) = platform.admin.create_org("NORTHSHIRE Council").await else {
        panic!("a second Northshire Council was created");
    };
    let said = refused.to_string();
    assert!(
        said.contains("an organisation with this name exists already"),
        "{said}"
    );
    // Names that only look alike in a list are the same name: spaces doubled or no-break,
    // full-width letters (found when tried as a new user would).
    for alike in [
        "Northshire  Council",
        "Northshire\u{a0}Council",
        "\u{ff2e}orthshire Council",
    ] {
        let Err(refused) = platform.admin.create_org(alike).await else {
            panic!("{alike:?} was created beside Northshire Council");
        };
        assert!(
            refused
                .to_string()
                .contains("an organisation with this name exists already"),
            "{alike:?}: {refused}"
        );
    }
    platform
        .admin
        .create_org("Northshire Adoption")
        .await
        .unwrap();
}
