//! The platform admin's pages: organisations with their licences and rules, the invitation
//! code shown once, and the outbox; and that nobody else may open them.

#[path = "accounts/steps.rs"]
mod steps;

use steps::{register, shown_code, ADMIN};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Browser};
use vault_tests::web_fixtures::{north_with_manager, pool, signed_in};

/// A last day of licence far ahead, and one long past.
const LATER: &str = "2099-12-31";
const PAST: &str = "2001-01-31";

async fn admin(platform: &Platform) -> Browser {
    let mut browser = Browser::new(&platform.url);
    browser.sign_in(ADMIN.0, ADMIN.1).await;
    browser
}

#[tokio::test]
async fn only_the_platform_admin_opens_the_admin_pages() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    let mut mo = signed_in(&platform, "mo@north.example").await;
    for path in [
        "/admin/orgs".to_owned(),
        "/admin/orgs/new".to_owned(),
        format!("/admin/orgs/{org}"),
        "/admin/outbox".to_owned(),
    ] {
        let page = mo.get(&path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(
            page.shows("only a platform admin may use this page"),
            "{path}"
        );
    }
    mo.get("/dashboard").await;
    let fields = [("name", "Sneaky"), ("expires", "2099-01-01"), ("cap", "3")];
    assert_eq!(mo.post("/admin/orgs/new", &fields).await.status, 403);
    assert_eq!(
        mo.post(&format!("/admin/orgs/{org}/invite"), &[])
            .await
            .status,
        403
    );
    let anonymous = Browser::new(&platform.url).get("/admin/orgs").await;
    assert_eq!(anonymous.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn the_admin_creates_an_organisation_whose_code_is_shown_once_and_works() {
    let platform = Platform::start().await;
    let pool = pool(&platform).await;
    let mut admin = admin(&platform).await;
    assert_eq!(admin.get("/admin/orgs/new").await.status, 200);
    let expires = LATER.to_owned();
    let fields = [
        ("name", "Harbour Fostering"),
        ("expires", expires.as_str()),
        ("active", "1"),
        ("cap", "5"),
        ("families_edit_own", "1"),
        ("region", "South West"),
    ];
    let created = admin.post("/admin/orgs/new", &fields).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.location.is_none(), "the code is never put in a URL");
    assert!(created.shows("Harbour Fostering was created"));
    assert!(created.shows("This code is shown only now"));
    let shown = shown_code(&created);
    assert_eq!(shown.len(), 79, "16 groups of 4 for reading out: {shown}");
    let code = vault_server::auth::typed_code(&shown);
    assert_eq!(code.len(), 64, "{code}");

    let (org, hash): (String, String) =
        sqlx::query_as("SELECT id, invite_hash FROM orgs WHERE name = 'Harbour Fostering'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hash, vault_server::auth::secret_hash(&code));
    let settings: (i64, String, i64, i64, String) = sqlx::query_as(
        "SELECT licence_active, licence_expires_on, open_link_cap, families_edit_own, region \
         FROM org_settings WHERE org_id = $1",
    )
    .bind(&org)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        settings,
        (1, expires.clone(), 5, 1, "South West".to_owned())
    );
    let (logged,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'org.created' AND object_id = $1",
    )
    .bind(&org)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(logged, 1);

    let again = admin.post("/admin/orgs/new", &fields).await;
    assert_eq!(
        again.status, 422,
        "a reloaded answer makes no second organisation"
    );
    assert_eq!(
        again.field_error("name").as_deref(),
        Some("An organisation with this name exists already.")
    );
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orgs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    let list = admin.get("/admin/orgs").await;
    assert!(list.shows("Harbour Fostering"));
    assert!(list.shows(&format!("active until {expires}")));
    assert!(list.shows("none yet"));
    let edit = admin.get(&format!("/admin/orgs/{org}")).await;
    assert_eq!(edit.status, 200);
    assert!(!edit.body.contains(&code), "shown once only");
    assert!(!edit.body.contains(&shown), "shown once only");
    assert!(edit.shows("created the organisation with licence active"));

    let mut founder = Browser::new(&platform.url);
    let org_id = org.parse().unwrap();
    let joined = register(
        &mut founder,
        org_id,
        "staff",
        "Hal Moss",
        "hal@harbour.example",
        // Typed as read out, in capitals with its groups: the same code.
        &shown.to_uppercase(),
    )
    .await;
    assert_eq!(joined.location.as_deref(), Some("/register/first-manager"));
    let list = admin.get("/admin/orgs").await;
    assert!(!list.shows("none yet"), "{}", list.body);
}

#[tokio::test]
async fn the_organisation_form_names_each_bad_field() {
    let platform = Platform::start().await;
    let pool = pool(&platform).await;
    let mut admin = admin(&platform).await;
    admin.get("/admin/orgs/new").await;
    let good = LATER;
    let yesterday = PAST;
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        ("", good, "3", "name", "Enter a name of 1 to 200 characters"),
        (
            "Harbour",
            yesterday,
            "3",
            "expires",
            "Choose today or a later day.",
        ),
        (
            "Harbour",
            "31/12/2030",
            "3",
            "expires",
            "Enter a date as YYYY-MM-DD",
        ),
        (
            "Harbour",
            good,
            "0",
            "cap",
            "Enter a whole number from 1 to 20.",
        ),
        (
            "Harbour",
            good,
            "21",
            "cap",
            "Enter a whole number from 1 to 20.",
        ),
        (
            "Harbour",
            good,
            "three",
            "cap",
            "Enter a whole number from 1 to 20.",
        ),
    ];
    for (name, expires, cap, field, message) in cases {
        let fields = [("name", name), ("expires", expires), ("cap", cap)];
        let page = admin.post("/admin/orgs/new", &fields).await;
        assert_eq!(page.status, 422, "{field} {expires} {cap}");
        let shown = page.field_error(field).unwrap_or_default();
        assert!(shown.starts_with(message), "{field}: {shown}");
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orgs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing half-written");
    let forged = admin
        .post_raw("/admin/orgs/new", &[("name", "Harbour"), ("expires", good)])
        .await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn licence_changes_show_on_the_list_and_hide_the_organisation_from_registration() {
    let platform = Platform::start().await;
    let org = web::organisation(&platform, "Northshire Council").await;
    let mut admin = admin(&platform).await;
    assert!(Browser::new(&platform.url)
        .get("/register")
        .await
        .shows("Northshire Council"));
    admin.get(&format!("/admin/orgs/{org}")).await;
    let until = "2098-06-30";
    let changed = admin
        .post(
            &format!("/admin/orgs/{org}"),
            &[("expires", until), ("cap", "2"), ("region", "North")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location.as_deref(), Some("/admin/orgs"));
    let list = admin.get("/admin/orgs").await;
    assert!(
        list.shows(&format!("switched off (until {until})")),
        "{}",
        list.body
    );
    assert!(!Browser::new(&platform.url)
        .get("/register")
        .await
        .shows("Northshire Council"));
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.shows(&format!(
        "changed the licence off until {until}, at most 2 open links per family, families \
         edit their own profile: no, region: North"
    )));
    let bad = admin
        .post(
            &format!("/admin/orgs/{org}"),
            &[("expires", until), ("cap", "99")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.field_error("cap").as_deref(),
        Some("Enter a whole number from 1 to 20.")
    );
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        admin.get(&format!("/admin/orgs/{missing}")).await.status,
        404
    );
}

#[tokio::test]
async fn a_new_invitation_code_replaces_the_old_until_the_vault_keys_are_set_up() {
    let platform = Platform::start().await;
    let created = platform
        .admin
        .create_org("Northshire Council")
        .await
        .unwrap();
    let org = created.org.org_id;
    let mut admin = admin(&platform).await;
    admin.get(&format!("/admin/orgs/{org}")).await;
    let issued = admin.post(&format!("/admin/orgs/{org}/invite"), &[]).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let code = shown_code(&issued);
    assert_ne!(code, created.invite_code);

    let mut old = Browser::new(&platform.url);
    let refused = register(
        &mut old,
        org,
        "staff",
        "Mo Reid",
        "mo@north.example",
        &created.invite_code,
    )
    .await;
    assert_eq!(refused.status, 422);
    let mut founder = platform.person("founder");
    founder
        .register(
            org,
            Some(&code),
            &vault_tests::platform::password("founder"),
        )
        .await
        .expect("the new code founds the vault keys");
    let page = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(page.shows("set up by its first manager"));
    assert!(!page.shows("Issue a new invitation code"));
    let late = admin.post(&format!("/admin/orgs/{org}/invite"), &[]).await;
    assert_eq!(late.status, 409);
}

#[tokio::test]
async fn without_smtp_the_outbox_keeps_e_mail_for_the_admin_to_see() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    let mut other = Browser::new(&platform.url);
    register(&mut other, org, "staff", "Mo again", "mo@north.example", "").await;
    let mut admin = admin(&platform).await;
    let outbox = admin.get("/admin/outbox").await;
    assert_eq!(outbox.status, 200);
    assert!(outbox.shows("No SMTP server is configured"));
    assert!(outbox.shows("mo@north.example"));
    assert!(outbox.shows("Registration attempt with your e-mail address"));
    assert!(outbox.shows("waiting to be sent"));
}
