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
use vault_core::ids::{OrgId, UserId};

use super::form::{Form, Id};
use super::page::{render, render_invalid, see_other, FieldErrors, PageResult};
use super::profile_fields::{edit_summaries, Fields, Sharing};
use super::profile_page::{self, CREATED};
use super::profile_store;
use super::session::Viewer;
use super::visibility::Kind;
use crate::db::Tx;
use crate::state::AppState;

/// What a kind of profile provides for [`new`], [`create`], [`edit`] and [`update`]. The
/// futures are `Send` so that the generic page handlers of [`routes`] can serve them.
pub(crate) trait Editable: Sized + Send + Sync + 'static {
    /// Which kind.
    const KIND: Kind;
    /// First part of the profile's paths: `children` or `families`.
    const BASE: &'static str;

    /// A new profile's values: `creator` as social worker, the organisation's region.
    fn fresh(creator: UserId, region: String) -> Self;
    /// The posted values, unchecked.
    fn posted(fields: &Fields) -> Self;
    /// Region, social worker, visibility and status.
    fn shared(&self) -> &Sharing;
    /// The trail's words for the fields that differ from `old`, status apart.
    fn changed_from(&self, old: &Self) -> Option<String>;
    /// Normalises the values and answers the messages of the fields that are wrong.
    fn checked(
        &mut self,
        state: &AppState,
        org: OrgId,
        id: &str,
    ) -> impl Future<Output = PageResult<FieldErrors>> + Send;
    /// The form page of profile `id` (or a new one) showing `errors`.
    fn form(
        &self,
        state: &AppState,
        viewer: &Viewer,
        id: Option<&str>,
        errors: FieldErrors,
    ) -> impl Future<Output = PageResult> + Send;
    /// Profile `id` as organisation `org` may see it.
    fn stored(
        state: &AppState,
        id: &str,
        org: OrgId,
    ) -> impl Future<Output = PageResult<Self>> + Send;
    /// Writes a new profile.
    fn insert(
        &self,
        tx: &mut Tx,
        id: &str,
        org: OrgId,
        creator: UserId,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;
    /// Replaces the fields of an existing profile.
    fn replace(
        &self,
        tx: &mut Tx,
        id: &str,
        org: OrgId,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;
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

/// Renders a form page: 200, or 422 when it shows messages.
pub(crate) fn show<T: askama::Template>(page: &T, errors: &FieldErrors) -> PageResult {
    if errors.is_empty() {
        render(page)
    } else {
        render_invalid(page)
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
    let mut values = P::posted(fields);
    let errors = values.checked(state, org, id.unwrap_or("")).await?;
    if errors.is_empty() {
        Ok(Ok(values))
    } else {
        Ok(Err(values.form(state, viewer, id, errors).await?))
    }
}

/// The form of a new profile.
async fn new<P: Editable>(state: &AppState, viewer: &Viewer) -> PageResult {
    let org = viewer.staff_org()?;
    let region = super::licence::load(state, org).await?.region;
    let values = P::fresh(viewer.user_id, region);
    values.form(state, viewer, None, FieldErrors::new()).await
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
    let values = P::stored(state, id, org).await?;
    values
        .form(state, viewer, Some(id), FieldErrors::new())
        .await
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
    let old = P::stored(state, id, org).await?;
    let values = match submitted::<P>(state, viewer, Some(id), fields).await? {
        Ok(values) => values,
        Err(page) => return Ok(page),
    };
    let summaries = edit_summaries(values.changed_from(&old), old.shared(), values.shared());
    if !summaries.is_empty() {
        let mut tx = state.db.begin().await?;
        values.replace(&mut tx, id, org).await?;
        for summary in &summaries {
            profile_page::record(&mut tx, P::KIND, viewer.user_id, org, id, summary).await?;
        }
        tx.commit().await?;
    }
    Ok(see_other(&format!("/{}/{id}", P::BASE)))
}
