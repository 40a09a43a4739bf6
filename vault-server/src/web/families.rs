//! Family profiles: the organisation's list of prospective adopters and foster carers, the
//! form to add or edit one, and the profile page.
//!
//! Only practitioners and managers of the owning organisation add and edit; another
//! organisation's staff open a profile only when the visibility rule lets them, and every
//! other id answers 404. Each change is written with its activity entry in one transaction.

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use vault_core::ids::{FamilyProfileId, OrgId};

use super::activity::Shown;
use super::form::Id;
use super::page::{render, Chrome, FieldErrors, PageResult};
use super::paging::{Asked, Pager};
use super::profile_edit::{self, Editable};
use super::profile_family::{FamilyValues, OwnView};
use super::profile_family_db as family_db;
use super::profile_fields::{Choices, SharingView};
use super::profile_page::{self, Common};
use super::profile_store;
use super::profile_words::{
    label, options, options_of, LevelView, Opt, APPROVAL_STATUSES, FAMILY_KINDS, STATUSES,
};
use super::session::Viewer;
use super::visibility::{self, Kind};
use crate::state::AppState;

/// The family profile routes; photos are in [`super::photos`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/families", get(list))
        .route("/families/{id}", get(show))
        .merge(profile_edit::routes::<FamilyValues, FamilyProfileId>())
}

/// One profile in the list.
struct ListRow {
    id: String,
    name: String,
    kind: String,
    approval: String,
    household: String,
    region: String,
    status: String,
    views: i64,
}

#[derive(Template)]
#[template(path = "families_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ListRow>,
    pager: Pager,
}

type ListSql = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    i64,
);

async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let org = viewer.staff_org()?;
    let pager = profile_store::own_pager(&state, Kind::Family, org, asked, "/families").await?;
    let sql = format!(
        "SELECT p.id, p.name, p.family_kind, p.approval_status, p.adults, p.children_at_home, \
         p.region, p.status, p.views FROM family_profiles p WHERE p.org_id = $1 AND {} \
         ORDER BY p.status, p.updated_at DESC, p.id LIMIT $3 OFFSET $4",
        visibility::profile_visible(Kind::Family, "$1", "$2")
    );
    let found: Vec<ListSql> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind(visibility::today())
        .bind(pager.limit())
        .bind(pager.offset())
        .fetch_all(state.db.reader())
        .await?;
    let rows = found
        .into_iter()
        .map(
            |(id, name, kind, approval, adults, at_home, region, status, views)| ListRow {
                id,
                name,
                kind: label(FAMILY_KINDS, &kind).to_owned(),
                approval: label(APPROVAL_STATUSES, &approval).to_owned(),
                household: household_words(adults, at_home),
                region,
                status: label(STATUSES, &status).to_owned(),
                views,
            },
        )
        .collect();
    render(&ListPage {
        c: Chrome::new(&viewer, "Families", "/families"),
        rows,
        pager,
    })
}

/// "2 adults, 1 child at home".
#[must_use]
pub fn household_words(adults: i64, at_home: i64) -> String {
    let adults = if adults == 1 {
        "1 adult".to_owned()
    } else {
        format!("{adults} adults")
    };
    match at_home {
        0 => format!("{adults}, no children at home"),
        1 => format!("{adults}, 1 child at home"),
        n => format!("{adults}, {n} children at home"),
    }
}

/// The add and edit form.
#[derive(Template)]
#[template(path = "families_form.html")]
pub struct FormPage {
    c: Chrome,
    action: String,
    cancel: String,
    errors: FieldErrors,
    name: String,
    kinds: Vec<Opt>,
    own: OwnView,
    approval: Vec<Opt>,
    approval_terms: String,
    needs: Vec<LevelView>,
    accounts: Vec<Opt>,
    sharing: SharingView,
}

/// What a family form offers: the sharing choices and the family accounts.
pub struct Offer {
    /// Social workers, case files and organisations to choose from.
    choices: Choices,
    /// Family accounts the profile may be given: (id, name).
    accounts: Vec<(String, String)>,
}

fn form_page(
    viewer: &Viewer,
    id: Option<&str>,
    values: &FamilyValues,
    offer: &Offer,
    errors: FieldErrors,
) -> FormPage {
    let (title, action, cancel) = match id {
        Some(id) => (
            format!("Edit the profile of {}", values.name),
            format!("/families/{id}/edit"),
            format!("/families/{id}"),
        ),
        None => (
            "Add a family profile".to_owned(),
            "/families/new".to_owned(),
            "/families".to_owned(),
        ),
    };
    let mut accounts = vec![Opt {
        value: String::new(),
        label: "No account yet".to_owned(),
        selected: values.account.is_empty(),
    }];
    accounts.extend(options_of(
        &offer.accounts,
        std::slice::from_ref(&values.account),
    ));
    FormPage {
        c: Chrome::new(viewer, title, "/families"),
        action,
        cancel,
        errors,
        name: values.name.clone(),
        kinds: options(FAMILY_KINDS, &values.family_kind),
        own: values.own_view(),
        approval: options(APPROVAL_STATUSES, &values.approval_status),
        approval_terms: values.approval_terms.clone(),
        needs: values.meets.view(),
        accounts,
        sharing: values.sharing.view(&offer.choices, id.is_some()),
    }
}

impl Editable for FamilyValues {
    const KIND: Kind = Kind::Family;
    const BASE: &'static str = "families";
    type Page = FormPage;
    type Offer = Offer;

    async fn offer(state: &AppState, org: OrgId, id: &str) -> PageResult<Offer> {
        Ok(Offer {
            choices: profile_store::choices(state, Kind::Family, org, id).await?,
            accounts: family_db::accounts(state, org, id).await?,
        })
    }

    fn check_with(&mut self, offer: &Offer) -> FieldErrors {
        self.check(&offer.choices, &offer.accounts)
    }

    fn page(
        &self,
        viewer: &Viewer,
        id: Option<&str>,
        offer: &Self::Offer,
        errors: FieldErrors,
    ) -> FormPage {
        form_page(viewer, id, self, offer, errors)
    }
}

/// The facts of a family profile as its page shows them.
pub struct Facts {
    /// "Sam and Alex".
    pub name: String,
    /// Adoption or fostering.
    pub kind: String,
    /// "2 adults, no children at home".
    pub household_size: String,
    /// Household and preferences.
    pub own: OwnView,
    /// Approval status in words.
    pub approval: String,
    /// Approval terms.
    pub approval_terms: String,
    /// Needs they can meet, in words.
    pub needs: Vec<(&'static str, &'static str)>,
    /// Region.
    pub region: String,
}

/// The facts of `values`, for the staff page and the family's own page.
#[must_use]
pub fn facts(values: &FamilyValues) -> Facts {
    let own = values.own_view();
    Facts {
        name: values.name.clone(),
        kind: label(FAMILY_KINDS, &values.family_kind).to_owned(),
        household_size: household_words(
            own.adults.parse().unwrap_or(0),
            own.children_at_home.parse().unwrap_or(0),
        ),
        own,
        approval: label(APPROVAL_STATUSES, &values.approval_status).to_owned(),
        approval_terms: values.approval_terms.clone(),
        needs: values.meets.words(),
        region: values.sharing.region.clone(),
    }
}

#[derive(Template)]
#[template(path = "families_show.html")]
struct ShowPage {
    c: Chrome,
    p: Common,
    f: Facts,
    activity: Vec<Shown>,
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<FamilyProfileId>,
) -> PageResult {
    let (values, p, activity): (FamilyValues, _, _) =
        profile_page::open(&state, &viewer, Kind::Family, id).await?;
    render(&ShowPage {
        c: Chrome::new(&viewer, values.name.clone(), "/families"),
        p,
        f: facts(&values),
        activity,
    })
}
