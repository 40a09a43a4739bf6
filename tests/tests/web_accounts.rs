//! Accounts in the web app: registering with an organisation, waiting for approval, a
//! manager approving, refusing and removing, the first manager by invitation code, and the
//! answers that must not tell whether an e-mail address already has an account.

#[path = "accounts/steps.rs"]
mod steps;

use steps::{account, mail_to, register, NEW_PASSWORD};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account, Browser, PASSWORD};
use vault_tests::web_fixtures::{north_with_manager, north_with_practitioner, pool, signed_in};

const WAITING: &str = "Your registration is waiting for a manager of your organisation";

#[tokio::test]
async fn a_registration_waits_until_a_manager_approves_it() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    let pool = pool(&platform).await;

    let mut ana = Browser::new(&platform.url);
    let sent = register(&mut ana, org, "staff", "Ana Lee", "ana@north.example", "").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location.as_deref(), Some("/register/received"));
    let received = ana.get("/register/received").await;
    assert!(received.shows("a manager of the organisation will review it"));
    let (id, status, kind, role) = account(&pool, "ana@north.example").await.unwrap();
    assert_eq!(
        (status.as_str(), kind.as_str(), role),
        ("pending", "staff", None)
    );

    let waiting = ana.try_sign_in("ana@north.example", NEW_PASSWORD).await;
    assert_eq!(waiting.status, 403);
    assert!(waiting.shows(WAITING), "{}", waiting.body);

    let mut mo = signed_in(&platform, "mo@north.example").await;
    let members = mo.get("/members").await;
    assert_eq!(members.status, 200);
    assert!(members.shows("Ana Lee") && members.shows("ana@north.example"));
    assert!(members.shows("practitioner or manager"));
    let review = mo.get(&format!("/members/{id}")).await;
    assert_eq!(review.status, 200);
    assert!(review.shows("Approve Ana Lee"));
    let approved = mo
        .post(
            &format!("/members/{id}/approve"),
            &[("role", "practitioner")],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(approved.location.as_deref(), Some("/members"));
    let (_, status, _, role) = account(&pool, "ana@north.example").await.unwrap();
    assert_eq!(
        (status.as_str(), role.as_deref()),
        ("active", Some("practitioner"))
    );

    let trail: Vec<(String,)> = sqlx::query_as(
        "SELECT summary FROM activity WHERE subject_kind = 'org' AND subject_id = $1 \
         ORDER BY seq",
    )
    .bind(org.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    let trail: Vec<&str> = trail.iter().map(|(s,)| s.as_str()).collect();
    assert_eq!(
        trail,
        [
            "registered as a practitioner or manager, waiting for approval",
            "approved Ana Lee as a practitioner"
        ]
    );
    let (events,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE object_id = $1 \
         AND action IN ('user.registered', 'user.approved')",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 2);

    ana.sign_in("ana@north.example", NEW_PASSWORD).await;
    let dashboard = ana.get("/dashboard").await;
    assert!(dashboard.shows("Welcome, Ana Lee"));
    assert!(dashboard.shows("Your registration with Northshire Council was approved"));
    let list = mo.get("/members").await;
    assert!(list.shows("Waiting for approval") && list.shows("Nobody is waiting"));
    assert!(list.shows("Mo Reid (Northshire Council)</strong> approved Ana Lee as a practitioner"));
    assert!(list.shows("Ana Lee (Northshire Council)</strong> registered as a practitioner"));
}

#[tokio::test]
async fn a_family_is_approved_with_its_profile_and_a_bad_choice_is_named() {
    let platform = Platform::start().await;
    let (org, mo) = north_with_manager(&platform).await;
    let pool = pool(&platform).await;
    let profile = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO family_profiles (id, org_id, social_worker, name, family_kind, adults, \
           children_at_home, household, approval_status, approval_terms, meet_health, \
           meet_development, meet_education, meet_contact, age_min, age_max, children_max, \
           region, description, visibility, status, views, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, 'Sam and Alex', 'adoption', 2, 0, '', 'approved', '', 'low', \
           'low', 'low', 'low', 0, 4, 2, 'North', '', 'own', 'active', 0, $3, 0, 0)",
    )
    .bind(&profile)
    .bind(org.to_string())
    .bind(mo.to_string())
    .execute(&pool)
    .await
    .unwrap();

    let mut sam = Browser::new(&platform.url);
    let sent = register(&mut sam, org, "family", "Sam Ortiz", "sam@home.example", "").await;
    assert_eq!(sent.status, 303);
    let (id, _, kind, _) = account(&pool, "sam@home.example").await.unwrap();
    assert_eq!(kind, "family");

    let mut manager = signed_in(&platform, "mo@north.example").await;
    let review = manager.get(&format!("/members/{id}")).await;
    assert!(review.shows("adopter or foster carer") && review.shows("Sam and Alex"));
    let stranger = uuid::Uuid::new_v4().to_string();
    let bad = manager
        .post(&format!("/members/{id}/approve"), &[("profile", &stranger)])
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.field_error("profile").as_deref(),
        Some("Choose one of your organisation's family profiles without an account, or none.")
    );
    assert_eq!(
        account(&pool, "sam@home.example").await.unwrap().1,
        "pending"
    );

    let ok = manager
        .post(&format!("/members/{id}/approve"), &[("profile", &profile)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let (holder,): (Option<String>,) =
        sqlx::query_as("SELECT account_user_id FROM family_profiles WHERE id = $1")
            .bind(&profile)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(holder.as_deref(), Some(id.as_str()));
    sam.sign_in("sam@home.example", NEW_PASSWORD).await;
    let again = manager.post(&format!("/members/{id}/approve"), &[]).await;
    assert_eq!(again.status, 409, "an approval is made once");
}

#[tokio::test]
async fn a_refused_registration_cannot_sign_in_and_is_told_by_e_mail() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    let pool = pool(&platform).await;
    let mut eve = Browser::new(&platform.url);
    register(&mut eve, org, "staff", "Eve Ward", "eve@else.example", "").await;
    let (id, ..) = account(&pool, "eve@else.example").await.unwrap();

    let mut mo = signed_in(&platform, "mo@north.example").await;
    mo.get(&format!("/members/{id}")).await;
    let refused = mo.post(&format!("/members/{id}/refuse"), &[]).await;
    assert_eq!(refused.status, 303);
    assert_eq!(
        account(&pool, "eve@else.example").await.unwrap().1,
        "removed"
    );
    let closed = eve.try_sign_in("eve@else.example", NEW_PASSWORD).await;
    assert_eq!(closed.status, 403);
    assert!(closed.shows("This account has been closed"));
    let mail = mail_to(&pool, "eve@else.example").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "Your registration was not approved");
    let list = mo.get("/members").await;
    assert!(!list.shows("Review Eve Ward") && !list.shows("eve@else.example"));
    assert!(list.shows("refused the registration of Eve Ward"));
}

#[tokio::test]
async fn the_first_manager_joins_with_the_invitation_code_once() {
    let platform = Platform::start().await;
    let north = platform
        .admin
        .create_org("Northshire Council")
        .await
        .unwrap();
    let bright = platform.admin.create_org("Brightwater").await.unwrap();
    let org = north.org.org_id;
    let pool = pool(&platform).await;
    let (hash_before,): (String,) = sqlx::query_as("SELECT invite_hash FROM orgs WHERE id = $1")
        .bind(org.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();

    let mut mo = Browser::new(&platform.url);
    for code in ["not-the-code", bright.invite_code.as_str()] {
        let refused = register(&mut mo, org, "staff", "Mo Reid", "mo@north.example", code).await;
        assert_eq!(refused.status, 422, "{code}");
        assert_eq!(
            refused.field_error("invite").as_deref(),
            Some("This invitation code is not valid for this organisation.")
        );
        assert!(!refused.body.contains(code), "a code is never shown back");
        assert!(account(&pool, "mo@north.example").await.is_none());
    }

    let founded = register(
        &mut mo,
        org,
        "staff",
        "Mo Reid",
        "mo@north.example",
        &north.invite_code,
    )
    .await;
    assert_eq!(founded.status, 303, "{}", founded.body);
    assert_eq!(founded.location.as_deref(), Some("/register/first-manager"));
    let page = mo.get("/register/first-manager").await;
    assert!(page.shows("You are now the manager of your organisation"));
    assert!(page.shows("vaultctl register --org"));
    let (_, status, kind, role) = account(&pool, "mo@north.example").await.unwrap();
    assert_eq!(
        (status.as_str(), kind.as_str(), role.as_deref()),
        ("active", "staff", Some("manager"))
    );
    mo.sign_in("mo@north.example", NEW_PASSWORD).await;
    let members = mo.get("/members").await;
    assert_eq!(members.status, 200);
    assert!(members.shows(&format!("asks for: <code>{org}</code>")));

    let mut second = Browser::new(&platform.url);
    let again = register(
        &mut second,
        org,
        "staff",
        "Al Fox",
        "al@north.example",
        &north.invite_code,
    )
    .await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.field_error("invite").as_deref(),
        Some("This invitation code is not valid for this organisation.")
    );
    assert!(account(&pool, "al@north.example").await.is_none());

    let (hash_after,): (String,) = sqlx::query_as("SELECT invite_hash FROM orgs WHERE id = $1")
        .bind(org.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        hash_after, hash_before,
        "vaultctl register --invite still needs the code"
    );
    let mut keys_holder = platform.person("keys-founder");
    keys_holder
        .register(
            org,
            Some(&north.invite_code),
            &vault_tests::platform::password("keys-founder"),
        )
        .await
        .expect("the code still founds the vault keys");

    // Spent now: founding again with it gets the same answer as a wrong code, nothing made.
    let mut second = platform.person("second-founder");
    let refused = second
        .register(
            org,
            Some(&north.invite_code),
            &vault_tests::platform::password("second-founder"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "server refused the request (403, forbidden): the invitation code is not valid"
    );
    assert!(account(&pool, "second-founder@example.org").await.is_none());
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_its_owner_an_e_mail() {
    let platform = Platform::start().await;
    let (org, _) = north_with_practitioner(&platform).await;
    let pool = pool(&platform).await;

    let mut new = Browser::new(&platform.url);
    let fresh = register(&mut new, org, "staff", "Bo Hart", "bo@north.example", "").await;
    let mut other = Browser::new(&platform.url);
    let taken = register(
        &mut other,
        org,
        "family",
        "Someone",
        "Ana@North.example",
        "",
    )
    .await;
    assert_eq!((fresh.status, taken.status), (303, 303));
    assert_eq!(fresh.location, taken.location);
    assert_eq!(
        new.get("/register/received").await.body,
        other.get("/register/received").await.body
    );

    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE LOWER(email) = 'ana@north.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(count, 1, "no second account");
    let (_, status, kind, role) = account(&pool, "ana@north.example").await.unwrap();
    assert_eq!(
        (status.as_str(), kind.as_str(), role.as_deref()),
        ("active", "staff", Some("practitioner")),
        "the existing account is unchanged"
    );
    let mail = mail_to(&pool, "ana@north.example").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "Registration attempt with your e-mail address");
    assert!(mail[0].1.contains("no account was made"));
    assert!(!mail[0].1.contains(NEW_PASSWORD));
    assert!(mail_to(&pool, "Ana@North.example").await.is_empty());
    let mut third = Browser::new(&platform.url);
    let again = register(&mut third, org, "staff", "Someone", "ana@north.example", "").await;
    assert_eq!(again.location.as_deref(), Some("/register/received"));
    assert_eq!(
        mail_to(&pool, "ana@north.example").await.len(),
        1,
        "one e-mail an hour at most"
    );
    other.sign_in("ana@north.example", PASSWORD).await;
}

/// Fields changed from a good registration, the field named, and its message.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[tokio::test]
async fn bad_fields_are_named_beside_the_field_and_nothing_is_written() {
    let platform = Platform::start().await;
    let org = web::organisation(&platform, "Northshire Council").await;
    let pool = pool(&platform).await;
    let mut browser = Browser::new(&platform.url);
    browser.get("/register").await;
    let org = org.to_string();
    let cases: [Case<'_>; 7] = [
        (&[("name", "")], "name", "This field is required."),
        (
            &[("name", "Ana\u{202e}Lee")],
            "name",
            "Remove the control or invisible formatting characters.",
        ),
        (
            &[("email", "ana at north")],
            "email",
            "Enter an e-mail address such as name@example.org.",
        ),
        (
            &[("password", "short"), ("confirm", "short")],
            "password",
            "Use at least 12 characters.",
        ),
        (
            &[("confirm", "something else entirely")],
            "confirm",
            "The two passwords are not the same.",
        ),
        (
            &[("org", "not-an-org")],
            "org",
            "Choose your organisation from the list.",
        ),
        (&[("kind", "admin")], "kind", "Choose who you are."),
    ];
    for (changes, field, message) in cases {
        let mut fields = vec![
            ("org", org.as_str()),
            ("kind", "staff"),
            ("name", "Ana Lee"),
            ("email", "ana@north.example"),
            ("password", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ];
        for (name, value) in changes {
            fields.retain(|(n, _)| n != name);
            fields.push((name, value));
        }
        let page = browser.post("/register", &fields).await;
        assert_eq!(page.status, 422, "{field}: {}", page.body);
        assert_eq!(page.field_error(field).as_deref(), Some(message), "{field}");
        assert!(
            page.body.contains(&format!("id=\"{field}\"")),
            "the summary links to {field}"
        );
        assert!(
            !page.body.contains(NEW_PASSWORD),
            "a password is never shown back"
        );
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind("ana@north.example")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let forged = browser
        .post_raw("/register", &[("org", &org), ("name", "Ana Lee")])
        .await;
    assert_eq!(
        forged.status, 403,
        "a registration without its token is refused"
    );
}

#[tokio::test]
async fn managers_see_and_change_only_their_own_organisation() {
    let platform = Platform::start().await;
    let (north, _) = north_with_manager(&platform).await;
    let bright = web::organisation(&platform, "Brightwater").await;
    web::account(
        &platform,
        bright,
        "bea@bright.example",
        "Bea Cole",
        Account::Manager,
    )
    .await;
    let ana = web::account(
        &platform,
        north,
        "ana@north.example",
        "Ana Lee",
        Account::Practitioner,
    )
    .await;
    web::account(
        &platform,
        north,
        "fay@home.example",
        "Fay Dunn",
        Account::Family,
    )
    .await;
    let pool = pool(&platform).await;
    register(
        &mut Browser::new(&platform.url),
        north,
        "staff",
        "Cy Park",
        "cy@north.example",
        "",
    )
    .await;
    let (cy, ..) = account(&pool, "cy@north.example").await.unwrap();

    let mut bea = signed_in(&platform, "bea@bright.example").await;
    assert!(!bea.get("/members").await.shows("Cy Park"));
    assert_eq!(bea.get(&format!("/members/{cy}")).await.status, 404);
    assert_eq!(bea.get(&format!("/members/{ana}")).await.status, 404);
    assert_eq!(bea.get("/members/not-an-id").await.status, 404);
    for (action, fields) in [("approve", &[("role", "manager")][..]), ("refuse", &[][..])] {
        let page = bea.post(&format!("/members/{cy}/{action}"), fields).await;
        assert_eq!(page.status, 404, "{action}");
    }
    assert_eq!(
        bea.post(&format!("/members/{ana}/remove"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        account(&pool, "cy@north.example").await.unwrap().1,
        "pending"
    );
    assert_eq!(
        account(&pool, "ana@north.example").await.unwrap().1,
        "active"
    );

    for (email, who) in [
        ("ana@north.example", "practitioner"),
        ("fay@home.example", "family"),
    ] {
        let mut browser = Browser::new(&platform.url);
        browser.sign_in(email, PASSWORD).await;
        assert_eq!(browser.get("/members").await.status, 403, "{who}");
        assert_eq!(
            browser.get(&format!("/members/{cy}")).await.status,
            403,
            "{who}"
        );
    }
}

#[tokio::test]
async fn a_removed_member_is_signed_out_at_once_and_a_manager_cannot_remove_themselves() {
    let platform = Platform::start().await;
    let (org, mo) = north_with_manager(&platform).await;
    let ana = web::account(
        &platform,
        org,
        "ana@north.example",
        "Ana Lee",
        Account::Practitioner,
    )
    .await;
    let pool = pool(&platform).await;
    let mut ana_browser = signed_in(&platform, "ana@north.example").await;
    assert_eq!(ana_browser.get("/dashboard").await.status, 200);

    let mut manager = signed_in(&platform, "mo@north.example").await;
    let list = manager.get("/members").await;
    assert!(list.shows("Manage Ana Lee") && !list.shows("Manage Mo Reid"));
    let own = manager.get(&format!("/members/{mo}")).await;
    assert!(own.shows("This is you") && !own.shows("Remove Mo Reid"));
    let forged = manager
        .post_raw(&format!("/members/{ana}/remove"), &[])
        .await;
    assert_eq!(forged.status, 403, "no token, no removal");
    assert_eq!(
        account(&pool, "ana@north.example").await.unwrap().1,
        "active"
    );

    assert_eq!(
        manager
            .post(&format!("/members/{mo}/remove"), &[])
            .await
            .status,
        409
    );
    manager.get("/members").await;
    let removed = manager.post(&format!("/members/{ana}/remove"), &[]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(
        account(&pool, "ana@north.example").await.unwrap().1,
        "removed"
    );
    assert_eq!(
        ana_browser.get("/dashboard").await.location.as_deref(),
        Some("/login?ended=1"),
        "the removed member's session ended, and the sign-in page says so"
    );
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM web_sessions WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(ana.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(open, 0);
}

#[tokio::test]
async fn vault_members_are_left_to_vaultctl_which_handles_their_keys() {
    let platform = Platform::start().await;
    let (org, _) = platform
        .organisation("Northshire Council", "keys-manager")
        .await;
    web::account(
        &platform,
        org,
        "mo@north.example",
        "Mo Reid",
        Account::Manager,
    )
    .await;
    let waiting = platform.waiting("pat", org).await;
    let pat = waiting.keystore().user_id;
    let pool = pool(&platform).await;

    let mut mo = signed_in(&platform, "mo@north.example").await;
    let list = mo.get("/members").await;
    assert!(list.shows("pat@example.org"));
    assert!(list.shows(
        "your device compares it with their keys and approves only if it matches, or with \
         <code>vaultctl org approve"
    ));
    assert!(!list.shows("Review pat"));
    let founder_row = list
        .body
        .split("<tr>")
        .find(|row| row.contains("keys-manager@example.org"))
        .unwrap();
    assert!(
        founder_row.contains("data-label=\"Vault keys\">yes<"),
        "{founder_row}"
    );
    let page = mo.get(&format!("/members/{pat}")).await;
    assert!(page.shows(&format!("vaultctl org approve {pat}")));
    assert!(!page.shows("Approve pat"));
    let refused = mo
        .post(&format!("/members/{pat}/approve"), &[("role", "manager")])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.shows(
        "a vault member is approved with their fingerprint on the Members page or with \
         vaultctl, and removed with vaultctl, which handle their keys"
    ));
    assert_eq!(
        account(&pool, "pat@example.org").await.unwrap().1,
        "pending"
    );
}
