//! The registration form's throttle: one client address may register at most ten times an
//! hour; the eleventh answers 429 with a plain sentence and writes nothing, so nobody can
//! flood an organisation's members page with pending registrations.

#[path = "accounts/steps.rs"]
mod steps;

use steps::register;
use vault_tests::platform::Platform;
use vault_tests::web::Browser;
use vault_tests::web_fixtures::{north_with_manager, number};

/// Rows a refused registration could have written: accounts, e-mails, counted attempts.
const WRITTEN: &str = "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM outbox) \
                       + (SELECT COUNT(*) FROM login_failures)";

#[tokio::test]
async fn the_eleventh_registration_from_one_address_in_an_hour_is_refused() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    for i in 0..10 {
        let email = format!("person{i}@home.example");
        let mut browser = Browser::new(&platform.url);
        let page = register(&mut browser, org, "family", "A Person", &email, "").await;
        assert_eq!(page.status, 303, "registration {i}: {}", page.body);
        assert_eq!(page.location.as_deref(), Some("/register/received"));
    }
    let pending = "SELECT COUNT(*) FROM users WHERE status = 'pending'";
    assert_eq!(number(&platform, pending, &[]).await, 10);
    let before = number(&platform, WRITTEN, &[]).await;

    let mut browser = Browser::new(&platform.url);
    let refused = register(
        &mut browser,
        org,
        "family",
        "One More",
        "more@home.example",
        "",
    )
    .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.shows(
        "Too many registrations have come from your network in the last hour, so this one \
         was not made."
    ));
    assert_eq!(
        number(&platform, WRITTEN, &[]).await,
        before,
        "nothing written"
    );
    let more = "SELECT COUNT(*) FROM users WHERE email = $1";
    assert_eq!(number(&platform, more, &["more@home.example"]).await, 0);

    // A taken address counts too: it writes an e-mail to the owner, so it is refused alike.
    let mut again = Browser::new(&platform.url);
    let taken = register(&mut again, org, "staff", "Mo", "mo@north.example", "").await;
    assert_eq!(taken.status, 429);
    assert_eq!(number(&platform, WRITTEN, &[]).await, before);
}

#[tokio::test]
async fn registrations_older_than_an_hour_no_longer_count() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    for i in 0..10 {
        let email = format!("person{i}@home.example");
        let page = register(
            &mut Browser::new(&platform.url),
            org,
            "family",
            "P",
            &email,
            "",
        )
        .await;
        assert_eq!(page.status, 303, "registration {i}");
    }
    let mut late = Browser::new(&platform.url);
    let refused = register(&mut late, org, "family", "Late", "late@home.example", "").await;
    assert_eq!(refused.status, 429);

    // The hour passes: the counted attempts are moved back by just over an hour.
    let hour_ago = "UPDATE login_failures SET at = at - 3601 WHERE scope = 'register'";
    vault_tests::web_fixtures::exec(&platform, hour_ago, &[]).await;
    let accepted = register(&mut late, org, "family", "Late", "late@home.example", "").await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let counted = "SELECT COUNT(*) FROM login_failures WHERE scope = 'register'";
    assert_eq!(number(&platform, counted, &[]).await, 1, "old rows pruned");
}

#[tokio::test]
async fn a_first_manager_with_the_code_gets_through_and_the_api_counts_alike() {
    let platform = Platform::start().await;
    let (org, _) = north_with_manager(&platform).await;
    for i in 0..10 {
        let email = format!("person{i}@home.example");
        let mut browser = Browser::new(&platform.url);
        let page = register(&mut browser, org, "family", "A Person", &email, "").await;
        assert_eq!(page.status, 303, "registration {i}: {}", page.body);
    }

    // The API's registration is refused from this address too, so it is no way round.
    let mut person = platform.person("round");
    let refused = person
        .register(org, None, &vault_tests::platform::password("round"))
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("too many registrations from this address"),
        "{refused}"
    );

    // A wrong code is still refused as a wrong code, and writes nothing.
    let created = platform
        .admin
        .create_org("Harbour Fostering")
        .await
        .unwrap();
    let harbour = created.org.org_id;
    let mut wrong = Browser::new(&platform.url);
    let page = register(
        &mut wrong,
        harbour,
        "staff",
        "Hal",
        "hal@harbour.example",
        "0000",
    )
    .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.field_error("invite").as_deref(),
        Some("This invitation code is not valid for this organisation.")
    );
    // The first manager, with the code, is not held up by the others' registrations.
    let mut hal = Browser::new(&platform.url);
    let code = created.invite_code.clone();
    let page = register(
        &mut hal,
        harbour,
        "staff",
        "Hal",
        "hal@harbour.example",
        &code,
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/register/first-manager"));
}
