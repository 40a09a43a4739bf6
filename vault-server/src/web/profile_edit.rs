//! Adding and editing a profile: the same steps for a child profile and a family profile, so
//! both kinds check the owner, refuse bad input and write their trail the same way.
//!
//! A post is checked field by field first; with any message the form comes back (422) and
//! nothing is written. Otherwise the profile and its trail entries are written in one
//! transaction: "created the profile", or one entry naming the fields changed and one for a
//! status change. An edit that changes nothing writes nothing.

use std::fmt::Display;
use std::future::Future;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;
use vault_core::ids::OrgId;

use super::form::{Form, Id};
use super::page::{render, render_invalid, see_other, FieldErrors, PageResult};
use super::profile_fields::{edit_summaries, Fields, ProfileValues};
use super::profile_page::{self, CREATED};
use super::profile_store::{self, ProfileStore};
use super::session::Viewer;
use super::visibility::Kind;
use crate::state::AppState;

/// What a kind of profile provides for [`new`], [`create`], [`edit`] and [`update`]. The
/// futures are `Send` so that the generic page handlers of [`routes`] can serve them.
pub(crate) trait Editable: ProfileValues + ProfileStore + Send + Sync + 'static {
    /// Which kind.
    const KIND: Kind;
    /// First part of the profile's paths: `children` or `families`.
    const BASE: &'static str;
    /// What the form offers to choose from (organisations to name, accounts to give), which
    /// checking a post needs too.
    type Offer: Send + Sync;
    /// The form page.
    type Page: askama::Template;

    /// The offer of the form of profile `id` ("" for a new one) of organisation `org`.
    fn offer(
        state: &AppState,
        org: OrgId,
        id: &str,
    ) -> impl Future<Output = PageResult<Self::Offer>> + Send;
    /// Normalises the values and answers the messages of the fields that are wrong.
    fn check_with(&mut self, offer: &Self::Offer) -> FieldErrors;
    /// The form page of profile `id` (or a new one) showing `errors`.
    fn page(
        &self,
        viewer: &Viewer,
        id: Option<&str>,
        offer: &Self::Offer,
        errors: FieldErrors,
    ) -> Self::Page;
}

/// The add and edit pages of kind `P`, whose ids are `I`: `/{base}/new` and
/// `/{base}/{id}/edit`, each shown (GET) and posted to (POST).
pub(crate) fn routes<P, I>() -> Router<AppState>
where
    P: Editable,
    I: DeserializeOwned + Display + Send + 'static,
{
    Router::new()
        .route(
            &format!("/{}/new", P::BASE),
            get(new_page::<P>).post(create_page::<P>),
        )
        .route(
            &format!("/{}/{{id}}/edit", P::BASE),
            get(edit_page::<P, I>).post(update_page::<P, I>),
        )
}

async fn new_page<P: Editable>(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    new::<P>(&state, &viewer).await
}

async fn create_page<P: Editable>(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> PageResult {
    create::<P>(&state, &viewer, &fields).await
}

async fn edit_page<P: Editable, I: Display>(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<I>,
) -> PageResult {
    edit::<P>(&state, &viewer, &id.to_string()).await
}

async fn update_page<P: Editable, I: Display>(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<I>,
    Form(fields): Form<Fields>,
) -> PageResult {
    update::<P>(&state, &viewer, &id.to_string(), &fields).await
}

/// The form page of `values` (profile `id`, or a new one) with `errors`.
async fn form<P: Editable>(
    state: &AppState,
    viewer: &Viewer,
    values: &P,
    id: Option<&str>,
    errors: FieldErrors,
) -> PageResult {
    let org = viewer.staff_org()?;
    let offer = P::offer(state, org, id.unwrap_or("")).await?;
    show(values, viewer, id, &offer, errors)
}

/// Renders the form page of `values`: 200, or 422 when it shows messages.
fn show<P: Editable>(
    values: &P,
    viewer: &Viewer,
    id: Option<&str>,
    offer: &P::Offer,
    errors: FieldErrors,
) -> PageResult {
    let invalid = !errors.is_empty();
    let page = values.page(viewer, id, offer, errors);
    if invalid {
        render_invalid(&page)
    } else {
        render(&page)
    }
}

/// The posted values once every field is right; otherwise the form again with its messages.
async fn submitted<P: Editable>(
    state: &AppState,
    viewer: &Viewer,
    id: Option<&str>,
    fields: &Fields,
) -> PageResult<Result<P, Response>> {
    let org = viewer.staff_org()?;
    let mut values = P::read(fields);
    let offer = P::offer(state, org, id.unwrap_or("")).await?;
    let errors = values.check_with(&offer);
    if errors.is_empty() {
        Ok(Ok(values))
    } else {
        Ok(Err(show(&values, viewer, id, &offer, errors)?))
    }
}

/// The form of a new profile.
async fn new<P: Editable>(state: &AppState, viewer: &Viewer) -> PageResult {
    let org = viewer.staff_org()?;
    let region = super::licence::load(state, org).await?.region;
    let values = P::blank(viewer.user_id, region);
    form(state, viewer, &values, None, FieldErrors::new()).await
}

/// Adds a profile from a posted form.
async fn create<P: Editable>(state: &AppState, viewer: &Viewer, fields: &Fields) -> PageResult {
    let org = viewer.staff_org()?;
    let values = match submitted::<P>(state, viewer, None, fields).await? {
        Ok(values) => values,
        Err(page) => return Ok(page),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.begin().await?;
    values.insert(&mut tx, &id, org, viewer.user_id).await?;
    profile_page::record(&mut tx, P::KIND, viewer.user_id, org, &id, CREATED).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/{}/{id}", P::BASE)))
}

/// The form of profile `id`, for its own organisation's staff only.
async fn edit<P: Editable>(state: &AppState, viewer: &Viewer, id: &str) -> PageResult {
    let org = viewer.staff_org()?;
    profile_store::owned(state, P::KIND, id, org).await?;
    let values = P::load(state, id, org).await?;
    form(state, viewer, &values, Some(id), FieldErrors::new()).await
}

/// Saves a posted edit of profile `id`.
async fn update<P: Editable>(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    fields: &Fields,
) -> PageResult {
    let org = viewer.staff_org()?;
    profile_store::owned(state, P::KIND, id, org).await?;
    let old = P::load(state, id, org).await?;
    let values = match submitted::<P>(state, viewer, Some(id), fields).await? {
        Ok(values) => values,
        Err(page) => return Ok(page),
    };
    let summaries = edit_summaries(values.changes(&old), old.shared(), values.shared());
    if !summaries.is_empty() {
        let mut tx = state.db.begin().await?;
        values.update(&mut tx, id, org).await?;
        for summary in &summaries {
            profile_page::record(&mut tx, P::KIND, viewer.user_id, org, id, summary).await?;
        }
        tx.commit().await?;
    }
    Ok(see_other(&format!("/{}/{id}", P::BASE)))
}
