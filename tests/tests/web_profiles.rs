//! Child and family profiles in the web app, as their organisation's practitioners keep them:
//! a sibling group added, edited and archived with each change on the trail; forms that
//! answer bad input with a message next to the field and write nothing; photos checked by
//! their bytes and size; forms without their CSRF token refused.

#[path = "profiles/steps.rs"]
mod steps;

use steps::{
    child_form, create_child, create_family, did, fake_jpeg, family_form, photo, refused,
    stored_photo, upload,
};
use vault_tests::web_fixtures::{number, signed_in, this_year};

#[tokio::test]
async fn a_sibling_group_is_profiled_edited_and_archived_with_each_change_on_its_trail() {
    let mut w = steps::world().await;
    let form = child_form(w.ana_id);
    let id = create_child(&mut w.ana, &form).await;
    let n = number(
        &w.platform,
        "SELECT COUNT(*) FROM children WHERE profile_id = $1",
        &[&id],
    )
    .await;
    assert_eq!(n, 2, "one row per child of the sibling group");

    let page = w.ana.get(&format!("/children/{id}")).await;
    assert_eq!(page.status, 200);
    for text in [
        "Mia and Leo",
        "Placement order",
        "Northshire",
        "Weekly letterbox contact with their grandmother.",
        "Our organisation only",
        "Not viewed by other organisations yet.",
        "Find families for this child",
    ] {
        assert!(page.shows(text), "{text} missing: {}", page.body);
    }
    assert!(did(
        &page,
        "Ana Lee (Northshire Council)",
        "created the profile"
    ));
    assert!(page.body.contains(&format!("/search/families?child={id}")));
    let list = w.ana.get("/children").await;
    assert!(list.shows("Mia and Leo") && list.shows("Placement order"));
    assert!(list.shows("6 years, 4 years") || list.shows("5 years, 4 years"));

    let edit = w.ana.get(&format!("/children/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("value=\"Mia\"") && edit.body.contains("value=\"Leo\""));
    let edited = form
        .clone()
        .set("legal_status", "care_order")
        .set("region", "East Northshire")
        .post(&mut w.ana, &format!("/children/{id}/edit"))
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let page = w.ana.get(&format!("/children/{id}")).await;
    assert!(page.shows("Care order") && page.shows("East Northshire"));
    assert!(did(
        &page,
        "Ana Lee (Northshire Council)",
        "changed legal status, region"
    ));

    let archived = form
        .set("legal_status", "care_order")
        .set("region", "East Northshire")
        .set("status", "archived")
        .post(&mut w.ana, &format!("/children/{id}/edit"))
        .await;
    assert_eq!(archived.status, 303, "{}", archived.body);
    let page = w.ana.get(&format!("/children/{id}")).await;
    assert!(did(
        &page,
        "Ana Lee (Northshire Council)",
        "archived the profile"
    ));
    assert!(!page.shows("changed status"), "status has its own entry");
    let status = number(
        &w.platform,
        "SELECT COUNT(*) FROM child_profiles WHERE id = $1 AND status = 'archived'",
        &[&id],
    )
    .await;
    assert_eq!(status, 1);
    let entries = number(
        &w.platform,
        "SELECT COUNT(*) FROM activity WHERE subject_id = $1",
        &[&id],
    )
    .await;
    assert_eq!(entries, 3, "created, edited, archived");
}

/// Child forms each wrong in one field, with the field and the message expected next to it.
fn bad_children(w: &steps::World) -> Vec<(steps::Fields, &'static str, &'static str)> {
    let form = child_form(w.ana_id);
    let future = (this_year() + 1).to_string();
    let adult = (this_year() - 19).to_string();
    let rows = |rows: &[(&str, &str, &str)]| form.clone().rows(rows);
    let set = |name: &str, value: &str| form.clone().set(name, value);
    vec![
        (
            rows(&[]),
            "child_name_1",
            "Enter at least one child: a first name or label, and the month and year of birth.",
        ),
        (
            rows(&[("Mia", "3", &future)]),
            "birth_year_1",
            "The birth date cannot be in the future.",
        ),
        (
            rows(&[("Mia", "3", "2020"), ("Leo", "", "2021")]),
            "birth_month_2",
            "Choose the month of birth.",
        ),
        (
            rows(&[("Mia", "3", "20")]),
            "birth_year_1",
            "Enter the year of birth as four digits, such as 2019.",
        ),
        (
            rows(&[("", "3", "2020")]),
            "child_name_1",
            "This field is required.",
        ),
        (
            rows(&[("Mia", "3", &adult)]),
            "birth_year_1",
            "A profiled child must be under 18: enter a date less than 18 years ago.",
        ),
        (
            set("legal_status", "adopted already"),
            "legal_status",
            "Choose one of the options.",
        ),
        (
            set("need_health", "severe"),
            "need_health",
            "Choose none, low, medium or high.",
        ),
        (
            set("region", &"x".repeat(81)),
            "region",
            "Use at most 80 characters.",
        ),
        (
            set("social_worker", &w.ben_id.to_string()),
            "social_worker",
            "Choose a practitioner or manager of your organisation.",
        ),
        (
            set("case", &uuid::Uuid::new_v4().to_string()),
            "case",
            "Choose one of your organisation's case files, or none.",
        ),
        (
            set("visibility", "named"),
            "org",
            "Choose at least one organisation to show this profile to.",
        ),
        (
            set("visibility", "named").add("org", &w.north.to_string()),
            "org",
            "Choose organisations from the list.",
        ),
        (
            set("visibility", "everyone"),
            "visibility",
            "Choose who may see this profile.",
        ),
    ]
}

#[tokio::test]
async fn bad_child_input_is_answered_next_to_each_field_and_nothing_is_written() {
    let mut w = steps::world().await;
    w.ana.get("/children/new").await;
    let cases = bad_children(&w);
    refused(&mut w.ana, "/children/new", cases).await;
    let future = (this_year() + 1).to_string();
    let kept = child_form(w.ana_id)
        .rows(&[("Mia", "3", &future)])
        .post(&mut w.ana, "/children/new")
        .await;
    assert!(
        kept.body.contains("value=\"Mia\""),
        "what was typed is shown again"
    );
    let north = w.north.to_string();
    let profiles = "SELECT COUNT(*) FROM child_profiles WHERE org_id = $1";
    assert_eq!(number(&w.platform, profiles, &[&north]).await, 0);
    let trail = "SELECT COUNT(*) FROM activity WHERE org_id = $1";
    assert_eq!(number(&w.platform, trail, &[&north]).await, 0);
}

/// Family forms each wrong in one field, with the field and the message expected next to it.
fn bad_families(w: &steps::World) -> Vec<(steps::Fields, &'static str, &'static str)> {
    let set = |name: &str, value: &str| family_form(w.ben_id).set(name, value);
    vec![
        (set("name", "  "), "name", "This field is required."),
        (
            set("family_kind", "both"),
            "family_kind",
            "Choose one of the options.",
        ),
        (
            set("adults", "0"),
            "adults",
            "Enter a whole number from 1 to 6.",
        ),
        (
            set("children_at_home", "eleven"),
            "children_at_home",
            "Enter a whole number from 0 to 10.",
        ),
        (
            set("age_min", "18"),
            "age_min",
            "Enter a whole number from 0 to 17.",
        ),
        (
            set("age_min", "7"),
            "age_max",
            "The oldest age must be at least the youngest age.",
        ),
        (
            set("children_max", "5"),
            "children_max",
            "Enter a whole number from 1 to 4.",
        ),
        (
            set("approval_status", "maybe"),
            "approval_status",
            "Choose one of the options.",
        ),
        (
            set("meet_contact", ""),
            "meet_contact",
            "Choose none, low, medium or high.",
        ),
        (
            set("household", "a\u{202e}b"),
            "household",
            "Remove the control or invisible formatting characters.",
        ),
        (
            set("account", &w.ana_id.to_string()),
            "account",
            "Choose an adopter's or foster carer's account, or none.",
        ),
    ]
}

#[tokio::test]
async fn bad_family_input_is_answered_next_to_each_field_and_nothing_is_written() {
    let mut w = steps::world().await;
    w.ben.get("/families/new").await;
    let cases = bad_families(&w);
    refused(&mut w.ben, "/families/new", cases).await;
    let profiles = "SELECT COUNT(*) FROM family_profiles WHERE org_id = $1";
    assert_eq!(
        number(&w.platform, profiles, &[&w.south.to_string()]).await,
        0
    );
}

#[tokio::test]
async fn a_family_profile_is_added_and_edited_with_its_trail() {
    let mut w = steps::world().await;
    let form = family_form(w.ben_id);
    let id = create_family(&mut w.ben, &form).await;
    let page = w.ben.get(&format!("/families/{id}")).await;
    for text in [
        "Sam and Alex",
        "Adoption",
        "2 adults, no children at home",
        "Approved: approved for 1–2 children aged 0–6",
        "ages 0 to 6, up to 2 children",
        "A terraced house with a garden and a calm old dog.",
        "Find children for this family",
    ] {
        assert!(page.shows(text), "{text} missing: {}", page.body);
    }
    let ben = "Ben Okafor (Southby Adoption Agency)";
    assert!(did(&page, ben, "created the profile"));
    let edited = form
        .set("approval_status", "on_hold")
        .set("age_max", "9")
        .post(&mut w.ben, &format!("/families/{id}/edit"))
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let page = w.ben.get(&format!("/families/{id}")).await;
    assert!(did(&page, ben, "changed oldest age, approval status"));
    let list = w.ben.get("/families").await;
    assert!(list.shows("Sam and Alex") && list.shows("On hold"));
}

#[tokio::test]
async fn photos_are_checked_by_decoding_and_size_and_served_privately() {
    let mut w = steps::world().await;
    let id = create_child(&mut w.ana, &child_form(w.ana_id)).await;
    let path = format!("/children/{id}/photo");
    w.ana.get(&format!("/children/{id}")).await;

    let sent = upload(&mut w.ana, &path, photo(), "image/jpeg").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/children/{id}").as_str())
    );
    let served = w.ana.get(&path).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert_eq!(served.headers["cache-control"], "private, no-store");
    let stored = stored_photo(&w.platform, "child_profiles", &id).await;
    assert_eq!(
        served.body,
        String::from_utf8_lossy(&stored),
        "the bytes stored"
    );
    let picture = image::load_from_memory(&stored).unwrap();
    assert_eq!((picture.width(), picture.height()), (24, 16));
    let page = w.ana.get(&format!("/children/{id}")).await;
    assert!(page.body.contains(&format!(
        "<img class=\"photo\" src=\"{path}\" alt=\"Photo of Mia and Leo\">"
    )));
    assert!(did(&page, "Ana Lee (Northshire Council)", "added a photo"));

    let gif = upload(&mut w.ana, &path, b"GIF89a\x01\x00".to_vec(), "image/jpeg").await;
    assert_eq!(gif.status, 422);
    assert_eq!(
        gif.field_error("photo").as_deref(),
        Some("This file is not a JPEG or PNG picture.")
    );
    let empty = upload(&mut w.ana, &path, Vec::new(), "image/png").await;
    assert_eq!(
        empty.field_error("photo").as_deref(),
        Some("Choose a JPEG or PNG photo to upload.")
    );
    let big = upload(
        &mut w.ana,
        &path,
        fake_jpeg(2 * 1024 * 1024 + 1),
        "image/jpeg",
    )
    .await;
    assert_eq!(big.status, 413);
    assert!(big.shows("the photo is larger than 2 MB"), "{}", big.body);
    let huge = upload(&mut w.ana, &path, fake_jpeg(5 * 1024 * 1024), "image/jpeg").await;
    assert_eq!(huge.status, 413, "beyond the form's limit too");
    let kept = w.ana.get(&path).await;
    assert_eq!(
        kept.body,
        String::from_utf8_lossy(&stored),
        "the first photo is kept"
    );

    assert_eq!(w.ben.get(&path).await.status, 404);
    w.ben.get("/dashboard").await;
    let theirs = upload(&mut w.ben, &path, photo(), "image/jpeg").await;
    assert_eq!(theirs.status, 404);
    assert_eq!(w.ben.post(&format!("{path}/remove"), &[]).await.status, 404);

    w.ana.get(&format!("/children/{id}")).await;
    let removed = w.ana.post(&format!("{path}/remove"), &[]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(w.ana.get(&path).await.status, 404);
    let page = w.ana.get(&format!("/children/{id}")).await;
    assert!(did(
        &page,
        "Ana Lee (Northshire Council)",
        "removed the photo"
    ));
}

#[tokio::test]
async fn forms_without_their_token_are_refused_and_write_nothing() {
    let mut w = steps::world().await;
    let form = child_form(w.ana_id);
    let pairs: Vec<(&str, &str)> = form
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let forged = w.ana.post_raw("/children/new", &pairs).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let north = w.north.to_string();
    assert_eq!(
        number(
            &w.platform,
            "SELECT COUNT(*) FROM child_profiles WHERE org_id = $1",
            &[&north]
        )
        .await,
        0
    );

    let id = create_child(&mut w.ana, &form).await;
    // Signed in, but holding only the sign-in page's token: no page of this session was
    // opened, as when a form is posted from another site.
    let mut stale = signed_in(&w.platform, "ana@north.example").await;
    let path = format!("/children/{id}/photo");
    let forged = upload(&mut stale, &path, photo(), "image/jpeg").await;
    assert_eq!(forged.status, 403);
    let forged = stale.post(&format!("/children/{id}/edit"), &pairs).await;
    assert_eq!(forged.status, 403);
    let photos = number(
        &w.platform,
        "SELECT COUNT(*) FROM child_profiles WHERE photo IS NOT NULL AND id = $1",
        &[&id],
    )
    .await;
    assert_eq!(photos, 0);
}
