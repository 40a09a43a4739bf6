//! Who sees which profile: another organisation gets 404 for a profile kept to its owner, sees
//! one shown to all (counting a view) or to it by name, and nothing once either licence is off
//! or past its date; the links section names the other end; an adopter sees their own profile,
//! edits it only when their organisation allows, and nothing else of the organisation.

#[path = "profiles/steps.rs"]
mod steps;

use steps::{child_form, create_child, create_family, did, family_form, upload};
use vault_tests::web::{self, Account, Browser};
use vault_tests::web_fixtures::{exec, number, signed_in};

const VIEWS: &str = "SELECT views FROM child_profiles WHERE id = $1";

/// Ana's sibling group with a photo, and the paths of its page, edit form and photo.
async fn profile_with_photo(w: &mut steps::World) -> (steps::Fields, String, [String; 3]) {
    let form = child_form(w.ana_id);
    let id = create_child(&mut w.ana, &form).await;
    let paths = ["", "/edit", "/photo"].map(|end| format!("/children/{id}{end}"));
    w.ana.get(&paths[0]).await;
    let sent = upload(&mut w.ana, &paths[2], steps::photo(), "image/jpeg").await;
    assert_eq!(sent.status, 303);
    (form, id, paths)
}

#[tokio::test]
async fn a_profile_kept_to_its_organisation_is_not_found_by_another() {
    let mut w = steps::world().await;
    let (form, id, [show, edit, photo]) = profile_with_photo(&mut w).await;
    for path in [&show, &edit, &photo] {
        assert_eq!(w.ben.get(path).await.status, 404, "{path}");
    }
    w.ben.get("/dashboard").await;
    let forged = form.set("region", "Southby");
    assert_eq!(forged.post(&mut w.ben, &edit).await.status, 404);
    let theirs = upload(&mut w.ben, &photo, steps::photo(), "image/jpeg").await;
    assert_eq!(theirs.status, 404);
    let removed = w.ben.post(&format!("{photo}/remove"), &[]).await;
    assert_eq!(removed.status, 404);
    let unknown = format!("/children/{}", uuid::Uuid::new_v4());
    assert_eq!(w.ben.get(&unknown).await.status, 404, "as an id never made");
    assert_eq!(w.ben.get("/children/not-an-id").await.status, 404);
    assert_eq!(number(&w.platform, VIEWS, &[&id]).await, 0);
    let kept = "SELECT COUNT(*) FROM child_profiles WHERE id = $1 AND region = 'Northshire' \
                AND photo IS NOT NULL";
    assert_eq!(number(&w.platform, kept, &[&id]).await, 1);
}

#[tokio::test]
async fn a_profile_shown_to_all_or_by_name_is_seen_and_its_views_counted() {
    let mut w = steps::world().await;
    let (form, id, [show, edit, photo]) = profile_with_photo(&mut w).await;
    let all = form.clone().set("visibility", "all");
    assert_eq!(all.post(&mut w.ana, &edit).await.status, 303);
    let seen = w.ben.get(&show).await;
    assert_eq!(seen.status, 200);
    assert!(seen.shows("Mia and Leo") && seen.shows("Northshire Council"));
    assert!(seen.shows("Express interest for one of our families"));
    assert!(seen
        .body
        .contains(&format!("href=\"/links/new?child={id}\"")));
    assert!(
        !seen.shows("created the profile"),
        "the trail is the owner's"
    );
    assert!(!seen.shows("Edit the profile"));
    assert_eq!(w.ben.get(&photo).await.status, 200);
    assert_eq!(w.ben.get(&edit).await.status, 404, "seeing is not editing");
    assert_eq!(number(&w.platform, VIEWS, &[&id]).await, 1);
    let own = w.ana.get(&show).await;
    assert!(own.shows("Viewed 1 time by other organisations."));
    assert_eq!(
        number(&w.platform, VIEWS, &[&id]).await,
        1,
        "the owner's own views do not count"
    );

    let east = web::organisation(&w.platform, "Eastvale Fostering").await;
    let named_east = form
        .set("visibility", "named")
        .add("org", &east.to_string());
    assert_eq!(named_east.post(&mut w.ana, &edit).await.status, 303);
    assert_eq!(w.ben.get(&show).await.status, 404, "named, but not Southby");
    let named_south = named_east.add("org", &w.south.to_string());
    assert_eq!(named_south.post(&mut w.ana, &edit).await.status, 303);
    assert_eq!(w.ben.get(&show).await.status, 200);
    let own = w.ana.get(&show).await;
    assert!(own.shows("Named organisations: Eastvale Fostering, Southby Adoption Agency"));
    assert!(own.shows("Viewed 2 times by other organisations."));
}

#[tokio::test]
async fn licences_off_or_expired_and_archiving_hide_a_profile_from_others() {
    let mut w = steps::world().await;
    let (form, id, [show, edit, _]) = profile_with_photo(&mut w).await;
    let all = form.set("visibility", "all");
    assert_eq!(all.post(&mut w.ana, &edit).await.status, 303);
    assert_eq!(w.ben.get(&show).await.status, 200);
    let (south, north) = (w.south.to_string(), w.north.to_string());
    let active =
        |on: u8| format!("UPDATE org_settings SET licence_active = {on} WHERE org_id = $1");
    exec(&w.platform, &active(0), &[&south]).await;
    assert_eq!(
        w.ben.get(&show).await.status,
        404,
        "the viewer's licence is off"
    );
    exec(&w.platform, &active(1), &[&south]).await;
    assert_eq!(w.ben.get(&show).await.status, 200);
    let until = |day: &str| {
        format!("UPDATE org_settings SET licence_expires_on = '{day}' WHERE org_id = $1")
    };
    exec(&w.platform, &until("2020-01-31"), &[&north]).await;
    assert_eq!(
        w.ben.get(&show).await.status,
        404,
        "the owner's licence expired"
    );
    assert_eq!(
        w.ana.get(&show).await.status,
        200,
        "the owner still sees its own"
    );
    exec(&w.platform, &until("2999-12-31"), &[&north]).await;
    assert_eq!(w.ben.get(&show).await.status, 200);

    let archived = all.set("status", "archived");
    w.ana.get(&show).await;
    assert_eq!(archived.post(&mut w.ana, &edit).await.status, 303);
    assert_eq!(
        w.ben.get(&show).await.status,
        404,
        "archived profiles are hidden"
    );
    assert_eq!(number(&w.platform, VIEWS, &[&id]).await, 3);
}

#[tokio::test]
async fn each_profile_page_lists_the_links_of_the_viewers_organisation() {
    let mut w = steps::world().await;
    let child = create_child(&mut w.ana, &child_form(w.ana_id).set("visibility", "all")).await;
    let family = create_family(&mut w.ben, &family_form(w.ben_id).set("visibility", "all")).await;
    let link = uuid::Uuid::new_v4().to_string();
    let (north, south, ben) = (
        w.north.to_string(),
        w.south.to_string(),
        w.ben_id.to_string(),
    );
    exec(
        &w.platform,
        "INSERT INTO links (id, child_profile_id, family_profile_id, child_org, family_org, \
         status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'in_discussion', $6, 0, 0)",
        &[&link, &child, &family, &north, &south, &ben],
    )
    .await;

    let page = w.ana.get(&format!("/children/{child}")).await;
    assert!(page
        .body
        .contains(&format!("<a href=\"/links/{link}\">Sam and Alex</a>")));
    assert!(page.shows("In discussion"));
    let page = w.ben.get(&format!("/families/{family}")).await;
    assert!(page
        .body
        .contains(&format!("<a href=\"/links/{link}\">Mia and Leo</a>")));
    let page = w.ben.get(&format!("/children/{child}")).await;
    assert!(
        page.body.contains(&format!("/links/{link}")),
        "Southby is a side of it"
    );

    let east = web::organisation(&w.platform, "Eastvale Fostering").await;
    web::account(
        &w.platform,
        east,
        "cy@east.example",
        "Cy Dale",
        Account::Practitioner,
    )
    .await;
    let mut cy = signed_in(&w.platform, "cy@east.example").await;
    let page = cy.get(&format!("/children/{child}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(&link),
        "Eastvale is no side of the link"
    );
    assert!(page.shows("No expressions of interest involving your organisation yet."));
}

/// Sam Green's account at Southby, Ben's family profile naming it, and Sam signed in.
async fn adopter(w: &mut steps::World) -> (Browser, String) {
    let sam = web::account(
        &w.platform,
        w.south,
        "sam@home.example",
        "Sam Green",
        Account::Family,
    );
    let form = family_form(w.ben_id).set("account", &sam.await.to_string());
    let id = create_family(&mut w.ben, &form).await;
    (signed_in(&w.platform, "sam@home.example").await, id)
}

/// What Sam posts: one adult now, and a new household text.
const OWN: [(&str, &str); 7] = [
    ("adults", "1"),
    ("children_at_home", "0"),
    ("household", "Just me now."),
    ("age_min", "0"),
    ("age_max", "6"),
    ("children_max", "2"),
    ("description", "We love long walks and reading together."),
];

#[tokio::test]
async fn an_adopter_sees_only_their_own_profile_and_edits_it_only_when_allowed() {
    let mut w = steps::world().await;
    let (mut home, id) = adopter(&mut w).await;
    let mine = home.get("/my/profile").await;
    assert_eq!(mine.status, 200);
    assert!(mine.shows("Sam and Alex") && mine.shows("Ben Okafor"));
    assert!(mine.shows("To change anything on this profile, ask your social worker."));
    assert_eq!(home.get("/my/profile/edit").await.status, 403);
    assert_eq!(home.post("/my/profile/edit", &OWN).await.status, 403);
    let photo = upload(&mut home, "/my/profile/photo", steps::photo(), "image/jpeg").await;
    assert_eq!(photo.status, 403);
    let child = create_child(&mut w.ana, &child_form(w.ana_id).set("visibility", "all")).await;
    let theirs = [format!("/families/{id}"), format!("/children/{child}")];
    for path in [
        "/children",
        "/families",
        "/children/new",
        &theirs[0],
        &theirs[1],
    ] {
        assert_eq!(home.get(path).await.status, 403, "{path}");
    }
    let kim = web::account(
        &w.platform,
        w.south,
        "kim@home.example",
        "Kim Ray",
        Account::Family,
    );
    kim.await;
    let mut waiting = signed_in(&w.platform, "kim@home.example").await;
    let none = waiting.get("/my/profile").await;
    assert_eq!(none.status, 200);
    assert!(none.shows("Your social worker has not set up your family profile in this app yet."));
    assert_eq!(waiting.get("/my/profile/photo").await.status, 404);
    let unchanged = "SELECT COUNT(*) FROM family_profiles WHERE id = $1 AND adults = 2 \
                     AND photo IS NULL";
    assert_eq!(number(&w.platform, unchanged, &[&id]).await, 1);
}

#[tokio::test]
async fn an_adopter_allowed_to_edit_changes_household_and_hopes_and_is_seen_doing_it() {
    let mut w = steps::world().await;
    let (mut home, id) = adopter(&mut w).await;
    let allow = "UPDATE org_settings SET families_edit_own = 1 WHERE org_id = $1";
    exec(&w.platform, allow, &[&w.south.to_string()]).await;
    let form_page = home.get("/my/profile/edit").await;
    assert_eq!(form_page.status, 200);
    assert!(
        !form_page.body.contains("approval_status"),
        "approval stays with the worker"
    );
    let bad = [("adults", "0"), ("age_min", "9"), ("age_max", "3")];
    let bad = home.post("/my/profile/edit", &bad).await;
    assert_eq!(bad.status, 422);
    let error = |field| bad.field_error(field);
    assert_eq!(
        error("adults").as_deref(),
        Some("Enter a whole number from 1 to 6.")
    );
    let order = "The oldest age must be at least the youngest age.";
    assert_eq!(error("age_max").as_deref(), Some(order));

    let mut sneaky = OWN.to_vec();
    sneaky.extend([
        ("approval_status", "on_hold"),
        ("name", "Someone"),
        ("visibility", "all"),
    ]);
    let saved = home.post("/my/profile/edit", &sneaky).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let only = "SELECT COUNT(*) FROM family_profiles WHERE id = $1 AND adults = 1 \
                AND name = 'Sam and Alex' AND visibility = 'own' AND approval_status = 'approved'";
    assert_eq!(
        number(&w.platform, only, &[&id]).await,
        1,
        "only household and hopes changed"
    );
    let sam = "Sam Green (Southby Adoption Agency)";
    let page = w.ben.get(&format!("/families/{id}")).await;
    assert!(
        did(&page, sam, "changed adults, household"),
        "{}",
        page.body
    );
    let told = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND path LIKE '/families/%' \
                AND text = 'A family you support changed their own profile: adults, household'";
    assert_eq!(number(&w.platform, told, &[&w.ben_id.to_string()]).await, 1);

    home.get("/my/profile").await;
    let sent = upload(&mut home, "/my/profile/photo", steps::photo(), "image/jpeg").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(home.get("/my/profile/photo").await.status, 200);
    let page = w.ben.get(&format!("/families/{id}")).await;
    assert!(did(&page, sam, "added a photo"));
    let all = "SELECT COUNT(*) FROM notifications WHERE user_id = $1";
    assert_eq!(number(&w.platform, all, &[&w.ben_id.to_string()]).await, 2);
}
