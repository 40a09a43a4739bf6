//! Child profiles: the organisation's list, the form to add or edit one (a child or a sibling
//! group of up to four), and the profile page.
//!
//! Only practitioners and managers of the owning organisation add and edit; another
//! organisation's staff open a profile only when the visibility rule lets them, and every
//! other id answers 404. Each change is written with its activity entry in one transaction.

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use vault_core::ids::{ChildProfileId, OrgId};

use super::activity::Shown;
use super::form::Id;
use super::page::{render, Chrome, FieldErrors, PageResult};
use super::paging::{Asked, Pager};
use super::profile_child::{age_text, this_month, ChildValues, RowView};
use super::profile_edit::{self, Editable};
use super::profile_fields::{Choices, SharingView};
use super::profile_page::{self, Common};
use super::profile_store;
use super::profile_words::{label, options, LevelView, Opt, LEGAL_STATUSES, MONTHS};
use super::session::Viewer;
use super::visibility::{self, Kind};
use crate::state::AppState;

/// The child profile routes; photos are in [`super::photos`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children", get(list))
        .route("/children/{id}", get(show))
        .merge(profile_edit::routes::<ChildValues, ChildProfileId>())
}

/// One profile in the list.
struct ListRow {
    id: String,
    names: String,
    ages: String,
    legal_status: String,
    region: String,
    status: String,
    views: i64,
}

#[derive(Template)]
#[template(path = "children_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ListRow>,
    pager: Pager,
}

type ListSql = (String, String, String, String, i64, String, i64, i64);

/// One row per profile from the query's one row per child, names and ages joined.
fn list_rows(found: Vec<ListSql>) -> Vec<ListRow> {
    let today = this_month();
    let mut rows: Vec<(ListRow, Vec<String>, Vec<String>)> = Vec::new();
    for (id, legal, region, status, views, name, month, year) in found {
        let age = age_text((month, year), today);
        match rows.last_mut() {
            Some((row, names, ages)) if row.id == id => {
                names.push(name);
                ages.push(age);
            }
            _ => rows.push((
                ListRow {
                    id,
                    names: String::new(),
                    ages: String::new(),
                    legal_status: label(LEGAL_STATUSES, &legal).to_owned(),
                    region,
                    status: label(super::profile_words::STATUSES, &status).to_owned(),
                    views,
                },
                vec![name],
                vec![age],
            )),
        }
    }
    rows.into_iter()
        .map(|(mut row, names, ages)| {
            row.names = super::profile_fields::join_names(&names);
            row.ages = ages.join(", ");
            row
        })
        .collect()
}

async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let org = viewer.staff_org()?;
    let visible = visibility::profile_visible(Kind::Child, "$1", "$2");
    let pager = profile_store::own_pager(&state, Kind::Child, org, asked, "/children").await?;
    // The page is a window of profiles, then each profile's children joined to it.
    let sql = format!(
        "SELECT p.id, p.legal_status, p.region, p.status, p.views, c.name, c.birth_month, \
         c.birth_year FROM (SELECT p.id, p.legal_status, p.region, p.status, p.views, \
         p.updated_at FROM child_profiles p WHERE p.org_id = $1 AND {visible} \
         ORDER BY p.status, p.updated_at DESC, p.id LIMIT $3 OFFSET $4) p \
         JOIN children c ON c.profile_id = p.id \
         ORDER BY p.status, p.updated_at DESC, p.id, c.position"
    );
    let found: Vec<ListSql> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind(visibility::today())
        .bind(pager.limit())
        .bind(pager.offset())
        .fetch_all(state.db.reader())
        .await?;
    let rows = list_rows(found);
    render(&ListPage {
        c: Chrome::new(&viewer, "Children", "/children"),
        rows,
        pager,
    })
}

/// The add and edit form.
#[derive(Template)]
#[template(path = "children_form.html")]
pub struct FormPage {
    c: Chrome,
    action: String,
    cancel: String,
    errors: FieldErrors,
    rows: Vec<RowView>,
    legal: Vec<Opt>,
    needs: Vec<LevelView>,
    needs_notes: String,
    likes: String,
    personality: String,
    sharing: SharingView,
}

fn form_page(
    viewer: &Viewer,
    id: Option<&str>,
    values: &ChildValues,
    choices: &Choices,
    errors: FieldErrors,
) -> FormPage {
    let (title, action, cancel) = match id {
        Some(id) => (
            format!("Edit the profile of {}", values.names()),
            format!("/children/{id}/edit"),
            format!("/children/{id}"),
        ),
        None => (
            "Add a child profile".to_owned(),
            "/children/new".to_owned(),
            "/children".to_owned(),
        ),
    };
    FormPage {
        c: Chrome::new(viewer, title, "/children"),
        action,
        cancel,
        errors,
        rows: values.row_views(),
        legal: options(LEGAL_STATUSES, &values.legal_status),
        needs: values.needs.view(),
        needs_notes: values.needs_notes.clone(),
        likes: values.likes.clone(),
        personality: values.personality.clone(),
        sharing: values.sharing.view(choices, id.is_some()),
    }
}

impl Editable for ChildValues {
    const KIND: Kind = Kind::Child;
    const BASE: &'static str = "children";
    type Page = FormPage;
    type Offer = Choices;

    async fn offer(state: &AppState, org: OrgId, id: &str) -> PageResult<Choices> {
        Ok(profile_store::choices(state, Kind::Child, org, id).await?)
    }

    fn check_with(&mut self, choices: &Choices) -> FieldErrors {
        self.check(choices, this_month())
    }

    fn page(
        &self,
        viewer: &Viewer,
        id: Option<&str>,
        choices: &Self::Offer,
        errors: FieldErrors,
    ) -> FormPage {
        form_page(viewer, id, self, choices, errors)
    }
}

/// One child on the profile page.
struct Kid {
    name: String,
    age: String,
    born: String,
}

#[derive(Template)]
#[template(path = "children_show.html")]
struct ShowPage {
    c: Chrome,
    p: Common,
    names: String,
    kids: Vec<Kid>,
    legal_status: String,
    needs: Vec<(&'static str, &'static str)>,
    needs_notes: String,
    likes: String,
    personality: String,
    region: String,
    activity: Vec<Shown>,
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<ChildProfileId>,
) -> PageResult {
    let (values, p, activity): (ChildValues, _, _) =
        profile_page::open(&state, &viewer, Kind::Child, id).await?;
    let today = this_month();
    let kids = values
        .rows
        .iter()
        .map(|row| Kid {
            name: row.name.clone(),
            age: age_text(row.born(), today),
            born: format!("{} {}", label(MONTHS, &row.month), row.year),
        })
        .collect();
    let names = values.names();
    render(&ShowPage {
        c: Chrome::new(&viewer, names.clone(), "/children"),
        p,
        names,
        kids,
        legal_status: label(LEGAL_STATUSES, &values.legal_status).to_owned(),
        needs: values.needs.words(),
        needs_notes: values.needs_notes,
        likes: values.likes,
        personality: values.personality,
        region: values.sharing.region,
        activity,
    })
}
