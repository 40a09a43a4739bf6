//! The pages around documents shared between organisations: "Shared with us" lists what
//! another organisation shared with a vault member's organisation (and nothing of anyone
//! else's), the case page lists its documents' shares with a Revoke hook, and a revoked share
//! leaves both lists. Also the small promises of those pages: empty alert lines ship hidden and
//! the seal form takes several files.

mod web_vault;

use vault_tests::platform::{seal_text, Platform};
use vault_tests::web::{self, Account};
use web_vault::member;

/// The rows of the "Shared with us" table, by their document id attribute.
fn shared_rows(body: &str) -> usize {
    body.matches("data-vault-shared>").count()
}

/// How many `role="alert"` elements the page has, and how many of them carry `hidden` in the
/// same tag (the pages checked have no alert with text, so every one must).
fn alert_lines(body: &str) -> (usize, usize) {
    let starts: Vec<usize> = body
        .match_indices(r#"role="alert""#)
        .map(|(i, _)| i)
        .collect();
    let hidden = starts
        .iter()
        .filter(|&&i| {
            let tag_end = body[i..].find('>').map_or(body.len(), |end| i + end);
            body[i..tag_end]
                .split_whitespace()
                .any(|word| word == "hidden")
        })
        .count();
    (starts.len(), hidden)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_document_is_listed_for_the_receiving_organisation_until_it_is_revoked() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let case = orgs
        .north_practitioner
        .create_case("NC-2026-0301")
        .await
        .unwrap();
    let dir = platform.plain_files("north");
    let document = seal_text(&orgs.north_practitioner, case, &dir, "plan.txt", 20).await;
    let (mut bea, _) = member(&platform, "bright-manager").await;
    let (mut nia, _) = member(&platform, "north-practitioner").await;

    // Nothing shared yet: the page says so, and the link sits next to the cases.
    let page = bea.get("/shared").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.shows("No document is shared with your organisation at the moment."));
    let cases = r#"<li><a href="/cases">Cases</a></li>"#;
    let shared = r#"<li><a href="/shared" aria-current="page">Shared with us</a></li>"#;
    let after_cases = page.body.find(cases).expect("a cases link") + cases.len();
    assert!(
        page.body[after_cases..].trim_start().starts_with(shared),
        "{}",
        page.body
    );

    orgs.north_practitioner
        .share(document, orgs.bright)
        .await
        .unwrap();
    let page = bea.get("/shared").await;
    assert_eq!(shared_rows(&page.body), 1, "{}", page.body);
    assert!(page.body.contains(&format!(
        r#"data-document-id="{document}" data-vault-shared>"#
    )));
    assert!(page.shows("Northshire Council"), "{}", page.body);
    assert!(page.body.contains(r#"data-vault-action="open""#));
    // The sharing organisation lists none shared with it, and sees the share on its case.
    assert_eq!(shared_rows(&nia.get("/shared").await.body), 0);
    let case_page = nia.get(&format!("/cases/{case}")).await;
    assert!(case_page.body.contains(&format!(
        r#"data-share-document="{document}" data-share-org="{}""#,
        orgs.bright
    )));
    assert!(case_page.shows("Revoke the share with Brightwater Adoption Agency"));

    orgs.north_practitioner
        .revoke(document, orgs.bright)
        .await
        .unwrap();
    let page = bea.get("/shared").await;
    assert_eq!(shared_rows(&page.body), 0);
    assert!(page.shows("No document is shared with your organisation at the moment."));
    let case_page = nia.get(&format!("/cases/{case}")).await;
    assert!(!case_page.body.contains("data-share-document="));
    assert!(case_page.shows("No document of this case is shared with another organisation."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_vault_members_have_the_shared_page() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    web::account(
        &platform,
        orgs.north,
        "mo@north.example",
        "Mo Reid",
        Account::Manager,
    )
    .await;
    let mut mo = web::Browser::new(&platform.url);
    mo.sign_in("mo@north.example", web::PASSWORD).await;
    let page = mo.get("/shared").await;
    assert_eq!(page.status, 403);
    assert!(!mo.get("/cases").await.body.contains(r#"href="/shared""#));
    let mut anonymous = web::Browser::new(&platform.url);
    assert_eq!(anonymous.get("/shared").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_alerts_ship_hidden_and_the_seal_form_takes_several_files() {
    let platform = Platform::start().await;
    let orgs = platform.north_and_bright().await;
    let case = orgs
        .north_practitioner
        .create_case("NC-2026-0302")
        .await
        .unwrap();
    let dir = platform.plain_files("north");
    seal_text(&orgs.north_practitioner, case, &dir, "plan.txt", 3).await;
    let (mut mia, _) = member(&platform, "north-manager").await;
    for path in [
        format!("/cases/{case}"),
        "/cases".to_owned(),
        "/members".to_owned(),
        "/dashboard".to_owned(),
    ] {
        let page = mia.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let (alerts, hidden) = alert_lines(&page.body);
        assert!(alerts > 0, "{path} has no alert line");
        assert_eq!(alerts, hidden, "{path}: an empty alert is not hidden");
    }
    let mut visitor = web::Browser::new(&platform.url);
    let page = visitor.get("/register").await;
    assert!(page
        .body
        .contains(r#"<p id="vault-register-error" role="alert" hidden></p>"#));
    let page = mia.get(&format!("/cases/{case}")).await;
    assert!(page
        .body
        .contains(r#"<input id="vault-seal-file" type="file" multiple"#));
}
