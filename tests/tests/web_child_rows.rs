//! The child rows of a child profile form are taken whole or not at all: a fifth row, or
//! names, months and years that differ in number, answer 422 with a message above the rows,
//! and neither a new profile nor a change of an existing one is written.

#[path = "profiles/steps.rs"]
mod steps;

use steps::{child_form, create_child, Fields};
use vault_tests::web_fixtures::{number, this_year};

const TOO_MANY: &str =
    "A profile holds at most 4 children: the form sent more rows, so nothing was saved.";
const MISMATCHED: &str = "Each child needs a name, a month and a year in one row: the form \
                          sent rows that do not line up, so nothing was saved.";

/// The valid form of `w` with a fifth child row after the four the form has.
fn five_rows(w: &steps::World) -> Fields {
    let year = (this_year() - 2).to_string();
    child_form(w.ana_id)
        .add("child_name", "Ava")
        .add("birth_month", "5")
        .add("birth_year", &year)
}

/// The valid form of `w` with its last year of birth left out, so one row has two fields.
fn one_year_short(w: &steps::World) -> Fields {
    let mut form = child_form(w.ana_id);
    let last = form.0.iter().rposition(|(k, _)| k == "birth_year").unwrap();
    form.0.remove(last);
    form
}

/// Posts `form` to `path`, expecting 422 with `message` above the rows and in the summary.
async fn refused(w: &mut steps::World, path: &str, form: &Fields, message: &str) {
    let page = form.post(&mut w.ana, path).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_eq!(page.field_error("children").as_deref(), Some(message));
    assert!(
        page.body.contains("<a href=\"#children\">"),
        "linked from the summary"
    );
    assert!(page.body.contains("<fieldset id=\"children\">"));
}

#[tokio::test]
async fn a_new_profile_with_more_than_four_or_uneven_rows_is_refused() {
    let mut w = steps::world().await;
    w.ana.get("/children/new").await;
    let form = five_rows(&w);
    refused(&mut w, "/children/new", &form, TOO_MANY).await;
    let form = one_year_short(&w);
    refused(&mut w, "/children/new", &form, MISMATCHED).await;
    let extra_month = child_form(w.ana_id).add("birth_month", "");
    refused(&mut w, "/children/new", &extra_month, TOO_MANY).await;
    let north = w.north.to_string();
    let profiles = "SELECT COUNT(*) FROM child_profiles WHERE org_id = $1";
    assert_eq!(number(&w.platform, profiles, &[&north]).await, 0);
    assert_eq!(
        number(&w.platform, "SELECT COUNT(*) FROM children", &[]).await,
        0
    );
}

#[tokio::test]
async fn an_edit_with_more_than_four_or_uneven_rows_changes_nothing() {
    let mut w = steps::world().await;
    let id = create_child(&mut w.ana, &child_form(w.ana_id)).await;
    let path = format!("/children/{id}/edit");
    w.ana.get(&path).await;
    let form = five_rows(&w).set("likes", "Drawing");
    refused(&mut w, &path, &form, TOO_MANY).await;
    let form = one_year_short(&w).set("likes", "Drawing");
    refused(&mut w, &path, &form, MISMATCHED).await;

    let children = "SELECT COUNT(*) FROM children WHERE profile_id = $1";
    assert_eq!(number(&w.platform, children, &[&id]).await, 2);
    let liked =
        "SELECT COUNT(*) FROM child_profiles WHERE id = $1 AND likes = 'Swimming, dinosaurs'";
    assert_eq!(number(&w.platform, liked, &[&id]).await, 1);
    let trail = "SELECT COUNT(*) FROM activity WHERE subject_id = $1";
    assert_eq!(
        number(&w.platform, trail, &[&id]).await,
        1,
        "only 'created'"
    );

    let four = child_form(w.ana_id).set("likes", "Drawing");
    let saved = four.post(&mut w.ana, &path).await;
    assert_eq!(
        saved.status, 303,
        "the form as it is still saves: {}",
        saved.body
    );
}
