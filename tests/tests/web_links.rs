//! Links (expressions of interest) through the pages: a link goes from sent to matched
//! through every step, each by the side allowed to take it, with messages on the way;
//! the wrong side is refused with 403, a skipped or stale step with 409; decline needs a
//! reason; the family's side withdraws; the cap and the one-open-link-per-child rule
//! engage; a third organisation gets 404 everywhere. The adopter's side is in
//! `web_links_family.rs`.

use vault_core::ids::{ChildProfileId, FamilyProfileId, OrgId, UserId};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account, Browser, Page};
use vault_tests::web_fixtures::{
    self, assert_at_cap, assert_not_our_family, child_profile, post_link, says, send, signed_in,
    Child,
};

struct World {
    platform: Platform,
    north: OrgId,
    bright: OrgId,
    child: ChildProfileId,
    family: FamilyProfileId,
    nia: UserId,
    bo: UserId,
    nia_browser: Browser,
    bo_browser: Browser,
}

/// Northshire (Nia, the child's social worker) has Amy and Ben; Brightwater (Bo, the
/// family's social worker) has Sam and Alex.
async fn world() -> World {
    let s = web_fixtures::two_sides().await;
    let nia_browser = signed_in(&s.platform, "nia@north.example").await;
    let bo_browser = signed_in(&s.platform, "bo@bright.example").await;
    World {
        platform: s.platform,
        north: s.north,
        bright: s.bright,
        child: s.child,
        family: s.family,
        nia: s.nia,
        bo: s.bo,
        nia_browser,
        bo_browser,
    }
}

/// Posts a step from `from` to `to` on the link at `path`.
async fn step(browser: &mut Browser, path: &str, from: &str, to: &str) -> Page {
    browser.get(path).await;
    browser
        .post(&format!("{path}/status"), &[("from", from), ("to", to)])
        .await
}

/// Moves the link at `path` from `from` to `to` and checks the page then shows the new status.
async fn moved(browser: &mut Browser, path: &str, from: &str, to: &str) {
    let page = step(browser, path, from, to).await;
    assert_eq!(page.status, 303, "{from} -> {to}: {}", page.body);
    let after = browser.get(path).await;
    let shown = to.replace('_', " ");
    assert!(says(&after, &format!("Status: {shown}.")), "{}", after.body);
}

#[tokio::test]
async fn a_link_goes_from_sent_to_matched_each_step_by_its_side() {
    let mut w = world().await;
    let path = send(&mut w.bo_browser, w.child, w.family).await;
    let seen_by_bo = w.bo_browser.get(&path).await;
    assert!(
        says(&seen_by_bo, "Status: sent."),
        "the family's side opening it changes nothing"
    );
    assert!(says(&seen_by_bo, "Sam and Alex would love to hear more."));
    assert!(says(&seen_by_bo, "You act for the family's organisation."));

    let opened = w.nia_browser.get(&path).await;
    assert_eq!(opened.status, 200);
    assert!(
        says(&opened, "Status: viewed."),
        "the child's side opening it marks it viewed"
    );
    assert!(says(
        &opened,
        "Bo Bright (Brightwater Adoption Agency) sent an expression of interest"
    ));
    assert!(says(
        &opened,
        "Nia North (Northshire Council) changed the status to viewed"
    ));
    assert!(says(&opened, "Move on to: in discussion"));

    let wrong = step(&mut w.bo_browser, &path, "viewed", "in_discussion").await;
    assert_eq!(wrong.status, 403);
    assert!(says(
        &wrong,
        "only the child's organisation takes that step"
    ));
    moved(&mut w.nia_browser, &path, "viewed", "in_discussion").await;

    exchange_messages(&mut w, &path).await;

    // Reports are exchanged by either side; here the family's.
    moved(
        &mut w.bo_browser,
        &path,
        "in_discussion",
        "reports_exchanged",
    )
    .await;
    let skip = step(&mut w.nia_browser, &path, "reports_exchanged", "matched").await;
    assert_eq!(skip.status, 409);
    assert!(says(&skip, "that step skips ahead"));
    let family_visit = step(&mut w.bo_browser, &path, "reports_exchanged", "visit").await;
    assert_eq!(family_visit.status, 403);
    moved(&mut w.nia_browser, &path, "reports_exchanged", "visit").await;
    let stale = step(&mut w.nia_browser, &path, "reports_exchanged", "visit").await;
    assert_eq!(stale.status, 409, "the page showed an older status");
    assert!(says(
        &stale,
        "the link changed while you were looking at it"
    ));
    moved(&mut w.nia_browser, &path, "visit", "matching_panel").await;
    let back = step(&mut w.nia_browser, &path, "matching_panel", "visit").await;
    assert_eq!(back.status, 409);
    moved(&mut w.nia_browser, &path, "matching_panel", "matched").await;
    let late = step(&mut w.bo_browser, &path, "matched", "withdrawn").await;
    assert_eq!(late.status, 409);

    let page = w.bo_browser.get(&path).await;
    assert!(says(
        &page,
        "Nia North (Northshire Council) changed the status to matched"
    ));
    assert!(says(
        &page,
        "Bo Bright (Brightwater Adoption Agency) changed the status to reports exchanged"
    ));
    let first = page.body.find("Could we share reports?").unwrap();
    let reply = page.body.find("Yes, sending ours today.").unwrap();
    assert!(
        first < reply,
        "messages of the same second keep their order"
    );
    check_records(&w, &path).await;
}

/// Nia writes, Bo's empty and too long messages are refused next to the field, Bo replies.
async fn exchange_messages(w: &mut World, path: &str) {
    let said = w
        .nia_browser
        .post(
            &format!("{path}/messages"),
            &[("body", "Could we share reports?")],
        )
        .await;
    assert_eq!(said.status, 303);
    let empty = w
        .bo_browser
        .post(&format!("{path}/messages"), &[("body", "  ")])
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(
        empty.field_error("body").as_deref(),
        Some("This field is required.")
    );
    let long = "x".repeat(5001);
    let too_long = w
        .bo_browser
        .post(&format!("{path}/messages"), &[("body", &long)])
        .await;
    assert_eq!(
        too_long.field_error("body").as_deref(),
        Some("Use at most 5000 characters.")
    );
    w.bo_browser.get(path).await;
    let reply = w
        .bo_browser
        .post(
            &format!("{path}/messages"),
            &[("body", "Yes, sending ours today.")],
        )
        .await;
    assert_eq!(reply.status, 303);
}

/// The trail has one entry per change, Bo was told of each change made by the other side,
/// and no message text went into e-mail.
async fn check_records(w: &World, path: &str) {
    let link_id = path.trim_start_matches("/links/");
    let trail = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM activity WHERE subject_kind = 'link' AND subject_id = $1",
        &[link_id],
    )
    .await;
    assert_eq!(
        trail, 7,
        "sent, viewed and five steps: no entry for refused ones"
    );
    let told = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND path = $2",
        &[&w.bo.to_string(), path],
    )
    .await;
    assert_eq!(
        told, 6,
        "viewed, four child-side steps and Nia's message; not Bo's own"
    );
    let mail = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM outbox WHERE body LIKE '%Yes, sending%'",
        &[],
    )
    .await;
    assert_eq!(mail, 0, "message text never goes into e-mail");
}

#[tokio::test]
async fn decline_needs_a_reason_and_withdraw_is_the_familys() {
    let mut w = world().await;
    let path = send(&mut w.bo_browser, w.child, w.family).await;
    w.nia_browser.get(&path).await;
    let empty = w
        .nia_browser
        .post(
            &format!("{path}/status"),
            &[("from", "viewed"), ("to", "declined"), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(
        empty.field_error("reason").as_deref(),
        Some("This field is required.")
    );
    let declined = w
        .nia_browser
        .post(
            &format!("{path}/status"),
            &[
                ("from", "viewed"),
                ("to", "declined"),
                ("reason", "The children need to stay local."),
            ],
        )
        .await;
    assert_eq!(declined.status, 303);
    let seen = w.bo_browser.get(&path).await;
    assert!(says(&seen, "Status: declined."));
    assert!(says(
        &seen,
        "Reason given for declining: The children need to stay local."
    ));
    moved(&mut w.bo_browser, &path, "declined", "closed").await;
    assert!(w
        .bo_browser
        .get(&path)
        .await
        .body
        .contains("closed the link"));

    let other = Child {
        children: &[("Cal", 2)],
        ..Child::default()
    };
    let child = child_profile(&w.platform, w.north, w.nia, other).await;
    let path = send(&mut w.bo_browser, child, w.family).await;
    let refused = step(&mut w.nia_browser, &path, "viewed", "withdrawn").await;
    assert_eq!(refused.status, 403);
    assert!(says(
        &refused,
        "only the family's organisation takes that step"
    ));
    moved(&mut w.bo_browser, &path, "viewed", "withdrawn").await;
}

#[tokio::test]
async fn the_cap_and_one_open_link_per_child_are_shown_next_to_the_family() {
    let mut w = world().await;
    web_fixtures::exec(
        &w.platform,
        "UPDATE org_settings SET open_link_cap = 2 WHERE org_id = $1",
        &[&w.bright.to_string()],
    )
    .await;
    send(&mut w.bo_browser, w.child, w.family).await;
    let again = post_link(&mut w.bo_browser, w.child, w.family).await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.field_error("family").as_deref(),
        Some("This family already has an open link with this child.")
    );
    let cal = Child {
        children: &[("Cal", 2)],
        ..Child::default()
    };
    let second = child_profile(&w.platform, w.north, w.nia, cal).await;
    send(&mut w.bo_browser, second, w.family).await;
    let dee = Child {
        children: &[("Dee", 3)],
        ..Child::default()
    };
    let third = child_profile(&w.platform, w.north, w.nia, dee).await;
    let capped = post_link(&mut w.bo_browser, third, w.family).await;
    assert_at_cap(&capped, "2 open links");
    let links = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM links WHERE family_profile_id = $1",
        &[&w.family.to_string()],
    )
    .await;
    assert_eq!(links, 2, "the refused links were not written");

    let none = w
        .bo_browser
        .post("/links", &[("child", &third.to_string()), ("family", "")])
        .await;
    assert_not_our_family(&none, "no family chosen");
}

#[tokio::test]
async fn a_third_organisation_gets_not_found_on_every_link_page_and_form() {
    let mut w = world().await;
    let path = send(&mut w.bo_browser, w.child, w.family).await;
    let harbour = web::organisation(&w.platform, "Harbour Fostering").await;
    web::account(
        &w.platform,
        harbour,
        "hal@harbour.example",
        "Hal",
        Account::Manager,
    )
    .await;
    let mut hal = signed_in(&w.platform, "hal@harbour.example").await;

    assert_eq!(hal.get(&path).await.status, 404);
    hal.get("/dashboard").await; // a page whose forms carry Hal's token
    let status = hal
        .post(
            &format!("{path}/status"),
            &[("from", "sent"), ("to", "declined"), ("reason", "x")],
        )
        .await;
    assert_eq!(status.status, 404);
    let message = hal
        .post(&format!("{path}/messages"), &[("body", "Hello")])
        .await;
    assert_eq!(message.status, 404);
    let list = hal.get("/links").await;
    assert_eq!(list.status, 200);
    assert!(!says(&list, "Amy and Ben"));
    let unknown = format!("/links/{}", uuid::Uuid::new_v4());
    assert_eq!(hal.get(&unknown).await.status, 404);
    assert_eq!(hal.get("/links/not-a-link").await.status, 404);
    let status = web_fixtures::text(
        &w.platform,
        "SELECT status FROM links WHERE id = $1",
        &[path.trim_start_matches("/links/")],
    )
    .await;
    assert_eq!(status, "sent", "nothing Harbour posted changed the link");
    let messages =
        web_fixtures::number(&w.platform, "SELECT COUNT(*) FROM link_messages", &[]).await;
    assert_eq!(messages, 1, "only Bo's first message");
}

#[tokio::test]
async fn a_child_we_may_not_see_cannot_be_linked() {
    let mut w = world().await;
    let private = Child {
        children: &[("Eve", 5)],
        visibility: "own",
        ..Child::default()
    };
    let hidden = child_profile(&w.platform, w.north, w.nia, private).await;
    assert_eq!(
        w.bo_browser
            .get(&format!("/links/new?child={hidden}"))
            .await
            .status,
        404
    );
    w.bo_browser.get("/links").await;
    let posted = post_link(&mut w.bo_browser, hidden, w.family).await;
    assert_eq!(posted.status, 404);
}

#[tokio::test]
async fn link_forms_without_their_csrf_token_are_refused() {
    let mut w = world().await;
    let path = send(&mut w.bo_browser, w.child, w.family).await;
    let forged = w
        .nia_browser
        .post_raw(
            &format!("{path}/status"),
            &[("from", "sent"), ("to", "viewed")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let forged = w
        .bo_browser
        .post_raw(&format!("{path}/messages"), &[("body", "forged")])
        .await;
    assert_eq!(forged.status, 403);
    let (child, family) = (w.child.to_string(), w.family.to_string());
    let forged = w
        .bo_browser
        .post_raw("/links", &[("child", &child), ("family", &family)])
        .await;
    assert_eq!(forged.status, 403);
    let messages =
        web_fixtures::number(&w.platform, "SELECT COUNT(*) FROM link_messages", &[]).await;
    assert_eq!(messages, 1);
}
