//! Search from both sides: another organisation's visible profiles are found and ranked with
//! their reasons, profiles kept to their own organisation or of an unlicensed one are not,
//! bad filters come back next to their field, and another organisation's profile cannot be
//! the one a search is ranked for.

use vault_core::ids::{ChildProfileId, OrgId};
use vault_tests::platform::Platform;
use vault_tests::web::{self, Account};
use vault_tests::web_fixtures::{self, family_profile, says, signed_in, Family};

struct World {
    platform: Platform,
    north: OrgId,
    child: ChildProfileId,
    bright_family: String,
}

/// Northshire has Amy and Ben; Brightwater two families seen by all and one kept to itself;
/// Harbour, whose licence is off, one family seen by all.
async fn world() -> World {
    let web_fixtures::Sides {
        platform,
        north,
        bright,
        bo,
        child,
        family: good,
        ..
    } = web_fixtures::two_sides().await;
    let harbour = web::organisation(&platform, "Harbour Fostering").await;
    let hal = web::account(
        &platform,
        harbour,
        "hal@harbour.example",
        "Hal",
        Account::Practitioner,
    )
    .await;
    let misfit = Family {
        name: "Jo Misfit",
        meet: ["low", "low", "none", "none"],
        children_max: 1,
        region: "Yorkshire",
        ..Family::default()
    };
    family_profile(&platform, bright, bo, misfit).await;
    let hidden = Family {
        name: "Kept Private",
        visibility: "own",
        ..Family::default()
    };
    family_profile(&platform, bright, bo, hidden).await;
    let unlicensed = Family {
        name: "Unlicensed Family",
        ..Family::default()
    };
    family_profile(&platform, harbour, hal, unlicensed).await;
    web_fixtures::exec(
        &platform,
        "UPDATE org_settings SET licence_active = 0 WHERE org_id = $1",
        &[&harbour.to_string()],
    )
    .await;
    World {
        platform,
        north,
        child,
        bright_family: good.to_string(),
    }
}

#[tokio::test]
async fn families_are_ranked_for_our_child_with_their_reasons() {
    let w = world().await;
    let mut nia = signed_in(&w.platform, "nia@north.example").await;

    let page = nia
        .get(&format!("/search/families?child={}", w.child))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        says(&page, "2 results, ranked for Amy and Ben"),
        "{}",
        page.body
    );
    let good = page
        .body
        .find("Sam and Alex")
        .expect("the good match is listed");
    let misfit = page
        .body
        .find("Jo Misfit")
        .expect("the misfit is listed too");
    assert!(good < misfit, "the better match comes first");
    assert!(page
        .body
        .contains("aria-label=\"Score 100 out of 100\">100<"));
    assert!(says(&page, "Can meet high health needs (+5)"));
    assert!(says(
        &page,
        "Sibling group of 2, more than the 1 child they hope for (-40)"
    ));
    assert!(says(
        &page,
        "Cannot meet high health needs (up to low) (-25)"
    ));
    assert!(says(&page, "Region differs: North West vs Yorkshire (-5)"));
    assert!(says(&page, "Brightwater Adoption Agency"));
    assert!(
        !says(&page, "Kept Private"),
        "a profile kept to its organisation"
    );
    assert!(
        !says(&page, "Unlicensed Family"),
        "a profile of an unlicensed organisation"
    );
    assert!(page
        .body
        .contains(&format!("href=\"/families/{}\"", w.bright_family)));

    let plain = nia.get("/search/families?region=yorkshire").await;
    assert_eq!(plain.status, 200);
    assert!(says(&plain, "1 result"));
    assert!(says(&plain, "Jo Misfit") && !says(&plain, "Sam and Alex"));
    assert!(!says(&plain, "Score"), "no profile chosen, no score");
}

#[tokio::test]
async fn children_are_found_for_our_family_and_filters_narrow_them() {
    let w = world().await;
    let mut bo = signed_in(&w.platform, "bo@bright.example").await;

    let page = bo
        .get(&format!("/search/children?family={}", w.bright_family))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        says(&page, "1 result, ranked for Sam and Alex"),
        "{}",
        page.body
    );
    assert!(says(&page, "Amy and Ben"));
    assert!(says(
        &page,
        "Sibling group of 2: Ages 4 and 6. Placement order. Region: North West"
    ));
    assert!(says(&page, "Northshire Council"));
    assert!(says(
        &page,
        "Ages 4 and 6 within their 0\u{2013}6 range (+15)"
    ));
    assert!(page
        .body
        .contains(&format!("href=\"/links/new?child={}\"", w.child)));

    let young = bo.get("/search/children?age_max=3").await;
    assert_eq!(young.status, 200);
    assert!(says(&young, "0 results"));
    assert!(!says(&young, "Amy and Ben"));
    let pair = bo
        .get("/search/children?siblings=2&legal_status=placement_order")
        .await;
    assert!(says(&pair, "Amy and Ben"));
    let three = bo.get("/search/children?siblings=3").await;
    assert!(!says(&three, "Amy and Ben"));
    let needs = bo.get("/search/children?health=medium").await;
    assert!(
        !says(&needs, "Amy and Ben"),
        "Amy and Ben's health needs are high"
    );
}

#[tokio::test]
async fn bad_filters_are_shown_next_to_their_field() {
    let w = world().await;
    let mut nia = signed_in(&w.platform, "nia@north.example").await;

    let page = nia
        .get("/search/families?age_min=abc&siblings=0&health=extreme")
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.field_error("age_min").as_deref(),
        Some("Enter a whole number from 0 to 18.")
    );
    assert_eq!(
        page.field_error("siblings").as_deref(),
        Some("Enter a whole number from 1 to 10.")
    );
    assert_eq!(
        page.field_error("health").as_deref(),
        Some("Choose one of the options in the list.")
    );
    let order = nia.get("/search/children?age_min=8&age_max=3").await;
    assert_eq!(order.status, 422);
    assert_eq!(
        order.field_error("age_max").as_deref(),
        Some("Enter an age no lower than the youngest age.")
    );
    let kind = nia.get("/search/children?legal_status=adopted").await;
    assert_eq!(kind.status, 422);
    assert!(kind.field_error("legal_status").is_some());
}

#[tokio::test]
async fn a_search_is_ranked_only_for_our_own_profiles_and_only_for_staff() {
    let w = world().await;
    let mut bo = signed_in(&w.platform, "bo@bright.example").await;
    let theirs = bo.get(&format!("/search/families?child={}", w.child)).await;
    assert_eq!(
        theirs.status, 404,
        "Northshire's child is not Brightwater's to rank for"
    );
    assert_eq!(bo.get("/search/families?child=not-an-id").await.status, 404);
    let mut nia = signed_in(&w.platform, "nia@north.example").await;
    let family = nia
        .get(&format!("/search/children?family={}", w.bright_family))
        .await;
    assert_eq!(family.status, 404);

    web::account(
        &w.platform,
        w.north,
        "fay@family.example",
        "Fay",
        Account::Family,
    )
    .await;
    let mut fay = signed_in(&w.platform, "fay@family.example").await;
    assert_eq!(fay.get("/search").await.status, 403);
    assert_eq!(fay.get("/search/children").await.status, 403);
}
