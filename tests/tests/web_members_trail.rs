//! The members page's activity trail shows what vaultctl and the browser vault do through the
//! API (registering with vault keys, founding the organisation's keys, approving with a
//! certificate, removing with a key rotation) beside what the web app's own forms do, each in
//! the words a manager reads; a vault member's page says how they are removed without
//! claiming how they registered; and a vault registration that waits is refused on its page.

use vault_core::statement::Role;
use vault_tests::platform::{password, Platform};
use vault_tests::web::{Browser, Page};
use vault_tests::web_fixtures::{number, says};

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
                 turn the registration away, refuse it below: they have not been given the \
                 organisation key, so no key changes."
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

const TIA_REFUSED: &str = "north-manager (Northshire Council) refused the registration of tia";
const TIA_WAITS: &str = "tia (Northshire Council) registered with vault keys, waiting for approval";

#[tokio::test]
async fn a_vault_registration_waiting_is_refused_on_its_page_and_changes_no_key() {
    let platform = Platform::start().await;
    let (org, manager) = platform
        .organisation("Northshire Council", "north-manager")
        .await;
    let tia = platform.waiting("tia", org).await;
    let tia_id = tia.keystore().user_id;
    let key_version = "SELECT org_key_version FROM orgs WHERE id = $1";
    let status = "SELECT CASE status WHEN 'removed' THEN 1 ELSE 0 END FROM users WHERE id = $1";

    // A removal on the log needs a certified member: vaultctl's is refused, nothing changes.
    match manager.remove_member(tia_id).await {
        Err(vault_client::ClientError::Api {
            status: 409,
            message,
            ..
        }) => assert_eq!(
            message,
            "the member was never approved: refuse the registration on the Members page instead"
        ),
        other => panic!("removing a registration that waits: {other:?}"),
    }
    assert_eq!(number(&platform, key_version, &[&org.to_string()]).await, 1);
    assert_eq!(number(&platform, status, &[&tia_id.to_string()]).await, 0);

    let (mut browser, page) = members_page(&platform).await;
    assert_eq!(trail(&page), [TIA_WAITS, FOUNDED]);
    let path = format!("/members/{tia_id}");
    let pending = browser.get(&path).await;
    assert!(
        says(
            &pending,
            "To turn the registration away, refuse it below: they have not \
        been given the organisation key, so no key changes."
        ),
        "{}",
        pending.body
    );
    assert!(
        says(&pending, "Refuse this registration"),
        "{}",
        pending.body
    );
    let refused = browser.post(&format!("{path}/refuse"), &[]).await;
    assert_eq!(
        (refused.status, refused.location.as_deref()),
        (303, Some("/members"))
    );

    assert_eq!(number(&platform, status, &[&tia_id.to_string()]).await, 1);
    assert_eq!(number(&platform, key_version, &[&org.to_string()]).await, 1);
    let (mut browser, page) = members_page(&platform).await;
    assert_eq!(trail(&page), [TIA_REFUSED, TIA_WAITS, FOUNDED]);
    // Signed out everywhere, and refusing twice is a conflict, not a second change.
    assert!(tia.whoami().await.is_err());
    let again = browser.post(&format!("{path}/refuse"), &[]).await;
    assert_eq!(again.status, 409, "{}", again.body);

    // The log never certified tia, and the directory lists them without a certificate: the
    // auditor's checks still pass.
    let auditor = platform.auditor("auditor").await;
    let home = platform.dir.path().join("people/auditor");
    let report = vault_client::audit::live::verify_live(
        &auditor,
        &home,
        &vault_client::audit::Options::default(),
    )
    .await
    .unwrap();
    assert!(report.passed(), "{}", report.to_text());
}
