//! The adopter's side of links: an adopter or foster carer follows the links of their own
//! family (status and trail, not the practitioners' messages) and changes none, another
//! family of the same organisation sees none of them, and an adopter may express interest
//! for their own family in a child their organisation may see, within the same cap, their
//! social worker being told.

use vault_tests::web::{self, Account, Browser};
use vault_tests::web_fixtures::{
    self, assert_at_cap, assert_not_our_family, child_profile, post_link, says, send, signed_in,
    Child, Sides,
};

/// [`Sides`], with Bo (the family's social worker) signed in.
async fn sides_with_bo() -> (Sides, Browser) {
    let sides = web_fixtures::two_sides().await;
    let bo = signed_in(&sides.platform, "bo@bright.example").await;
    (sides, bo)
}

/// Sam, the adopter of `w.family`, signed in.
async fn sam(w: &Sides) -> Browser {
    let sam = web::account(
        &w.platform,
        w.bright,
        "sam@family.example",
        "Sam",
        Account::Family,
    );
    let sam = sam.await;
    web_fixtures::exec(
        &w.platform,
        "UPDATE family_profiles SET account_user_id = $1 WHERE id = $2",
        &[&sam.to_string(), &w.family.to_string()],
    )
    .await;
    let browser = signed_in(&w.platform, "sam@family.example").await;
    browser
}

#[tokio::test]
async fn the_adopter_follows_their_own_link_and_changes_nothing() {
    let (w, mut bo) = sides_with_bo().await;
    let path = send(&mut bo, w.child, w.family).await;
    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    nia.get(&path).await;
    let mut sam_browser = sam(&w).await;

    let list = sam_browser.get("/links").await;
    assert_eq!(list.status, 200);
    assert!(says(&list, "Amy and Ben (Ages 4 and 6)"), "{}", list.body);
    let page = sam_browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(says(&page, "Status: viewed."));
    assert!(says(
        &page,
        "Nia North (Northshire Council) changed the status to viewed"
    ));
    assert!(
        !says(&page, "Sam and Alex would love to hear more."),
        "practitioners' messages"
    );
    assert!(!page.body.contains("/status\""), "no step buttons");
    let refused = sam_browser
        .post(
            &format!("{path}/status"),
            &[("from", "viewed"), ("to", "withdrawn")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let said = sam_browser
        .post(&format!("{path}/messages"), &[("body", "Hi")])
        .await;
    assert_eq!(said.status, 403);

    web::account(
        &w.platform,
        w.bright,
        "kim@family.example",
        "Kim",
        Account::Family,
    )
    .await;
    let mut kim = signed_in(&w.platform, "kim@family.example").await;
    assert_eq!(
        kim.get(&path).await.status,
        404,
        "another family of the same organisation"
    );
    assert!(!says(&kim.get("/links").await, "Amy and Ben"));
}

#[tokio::test]
async fn an_adopter_expresses_interest_for_their_own_family_within_the_cap() {
    let (w, mut bo) = sides_with_bo().await;
    let mut sam = sam(&w).await;
    web_fixtures::exec(
        &w.platform,
        "UPDATE org_settings SET open_link_cap = 1 WHERE org_id = $1",
        &[&w.bright.to_string()],
    )
    .await;

    let form = sam.get(&format!("/links/new?child={}", w.child)).await;
    assert_eq!(form.status, 200);
    assert!(says(&form, "Your own social worker sees this link"));
    assert!(
        !form.body.contains("/children/"),
        "the child's full profile is for staff"
    );
    let path = send(&mut sam, w.child, w.family).await;
    let made_by = web_fixtures::text(
        &w.platform,
        "SELECT u.display_name FROM links l JOIN users u ON u.id = l.created_by WHERE l.id = $1",
        &[path.trim_start_matches("/links/")],
    )
    .await;
    assert_eq!(made_by, "Sam");
    let told = web_fixtures::number(
        &w.platform,
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND path = $2",
        &[&w.bo.to_string(), &path],
    )
    .await;
    assert_eq!(told, 1, "the family's social worker hears of it");
    let seen = bo.get(&path).await;
    assert!(says(
        &seen,
        "Sam (Brightwater Adoption Agency) sent an expression of interest"
    ));
    assert!(says(&seen, "Sam and Alex would love to hear more."));

    let cal = Child {
        children: &[("Cal", 2)],
        ..Child::default()
    };
    let second = child_profile(&w.platform, w.north, w.nia, cal).await;
    sam.get(&format!("/links/new?child={second}")).await;
    let capped = post_link(&mut sam, second, w.family).await;
    assert_at_cap(&capped, "1 open link");
    let other = web_fixtures::family_profile(
        &w.platform,
        w.bright,
        w.bo,
        web_fixtures::Family {
            name: "Another Family",
            ..web_fixtures::Family::default()
        },
    )
    .await;
    let theirs = post_link(&mut sam, second, other).await;
    assert_not_our_family(&theirs, "only their own family");
    let private = Child {
        children: &[("Eve", 5)],
        visibility: "own",
        ..Child::default()
    };
    let hidden = child_profile(&w.platform, w.north, w.nia, private).await;
    assert_eq!(
        sam.get(&format!("/links/new?child={hidden}")).await.status,
        404
    );
}
