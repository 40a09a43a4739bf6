//! The members page's activity trail shows what vaultctl and the browser vault do through the
//! API (registering with vault keys, founding the organisation's keys, approving with a
//! certificate, removing with a key rotation) beside what the web app's own forms do, each in
//! the words a manager reads; and a vault member's page says how they are removed without
//! claiming how they registered.

use vault_core::statement::Role;
use vault_tests::platform::{password, Platform};
use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::says;

/// The members page as the founding manager `north-manager` sees it.
async fn members_page(platform: &Platform) -> (Browser, Page) {
    let mut browser = Browser::new(&platform.url);
    let secret = password("north-manager");
    let secret = secrecy::ExposeSecret::expose_secret(&secret).to_owned();
    browser.sign_in("north-manager@example.org", &secret).await;
    let page = browser.get("/members").await;
    assert_eq!(page.status, 200, "{}", page.body);
    (browser, page)
}

/// The trail's entries, newest first, as "who summary" (the time left out).
fn trail(page: &Page) -> Vec<String> {
    let text = vault_tests::web::html_text(&page.body);
    let Some(start) = text.find("<ol class=\"trail\">") else {
        return Vec::new();
    };
    let list = &text[start..text[start..].find("</ol>").unwrap() + start];
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let after_time = &item[item.find("</time>").unwrap() + "</time>".len()..];
            let entry = after_time.replace("<strong>", "").replace("</strong>", "");
            let entry = entry.split("</li>").next().unwrap();
            entry.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

const FOUNDED: &str = "north-manager (Northshire Council) registered as the organisation's \
                       first manager with its invitation code and set up its vault keys";
const SAM_WAITS: &str = "sam (Northshire Council) registered with vault keys, waiting for approval";
const SAM_APPROVED: &str = "north-manager (Northshire Council) approved sam as a practitioner, \
                            certifying their vault keys";
const SAM_REMOVED: &str = "north-manager (Northshire Council) removed sam from the \
                           organisation and changed the organisation key to version 2";

#[tokio::test]
async fn registrations_approvals_and_removals_through_the_api_appear_on_the_trail() {
    let platform = Platform::start().await;
    let (org, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let (_, page) = members_page(&platform).await;
    assert_eq!(trail(&page), [FOUNDED]);

    let sam = platform.waiting("sam", org).await;
    let sam_id = sam.keystore().user_id;
    let (mut browser, page) = members_page(&platform).await;
    assert_eq!(trail(&page), [SAM_WAITS, FOUNDED]);
    let pending = browser.get(&format!("/members/{sam_id}")).await;
    assert!(
        says(
            &pending,
            &format!(
                "sam holds vault keys. Approve them on Members once your vault keys are \
                 unlocked, with the fingerprint they read out to you in person or by phone (or \
                 with vaultctl org approve {sam_id} --role practitioner --fingerprint …). To \
                 turn the registration away, use vaultctl org remove {sam_id}, which also \
                 changes the organisation key."
            )
        ),
        "{}",
        pending.body
    );

    let read_out = sam.fingerprints().member;
    manager
        .approve(sam_id, Role::Practitioner, read_out)
        .await
        .unwrap();
    let (mut browser, page) = members_page(&platform).await;
    assert_eq!(trail(&page), [SAM_APPROVED, SAM_WAITS, FOUNDED]);
    let active = browser.get(&format!("/members/{sam_id}")).await;
    let said = format!(
        "sam holds vault keys. Removing them changes the organisation key they held, so it is \
         done with vaultctl org remove {sam_id}. A manager whose vault keys were made in the \
         browser first brings them into vaultctl with vaultctl keys fetch --email …."
    );
    assert!(says(&active, &said), "{}", active.body);
    assert!(
        !says(&active, "registered with vaultctl"),
        "{}",
        active.body
    );

    manager.remove_member(sam_id).await.unwrap();
    let (_, page) = members_page(&platform).await;
    assert_eq!(
        trail(&page),
        [SAM_REMOVED, SAM_APPROVED, SAM_WAITS, FOUNDED]
    );
}
