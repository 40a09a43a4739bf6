//! An adopter's or foster carer's own family profile: what they see of it, and the household
//! and preferences they may change themselves when their organisation allows it.
//!
//! A family account sees only the profile whose `account_user_id` is theirs, never another
//! profile or the organisation's lists. Their changes are recorded on the trail with them as
//! author, and their social worker is told in the same transaction, so nothing a family
//! changes goes unseen by the practitioner responsible.

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use vault_core::ids::{OrgId, UserId};

use super::families::{self, Facts};
use super::form::Form;
use super::page::{render, render_invalid, see_other, Chrome, FieldErrors, PageError, PageResult};
use super::profile_family::{FamilyValues, OwnView};
use super::profile_family_db as family_db;
use super::profile_fields::{Fields, ProfileValues};
use super::profile_page::{self, Common};
use super::profile_store::ProfileStore;
use super::session::Viewer;
use super::visibility::{self, Kind};
use super::{licence, notify};
use crate::state::AppState;

/// The routes of a family's own profile; its photo routes are in [`super::photos`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/profile", get(show))
        .route("/my/profile/edit", get(edit).post(update))
}

/// The family profile of the signed-in adopter or foster carer.
pub struct Mine {
    /// Profile id.
    pub id: String,
    /// Their organisation.
    pub org: OrgId,
    /// The family's social worker.
    pub social_worker: UserId,
}

/// The viewer's own family profile: 403 for staff, 404 while no profile names their account.
pub async fn find(state: &AppState, viewer: &Viewer) -> PageResult<Mine> {
    lookup(state, viewer).await?.ok_or(PageError::NotFound)
}

async fn lookup(state: &AppState, viewer: &Viewer) -> PageResult<Option<Mine>> {
    let org = viewer.family_org()?;
    let sql = format!(
        "SELECT p.id, p.social_worker FROM family_profiles p WHERE p.account_user_id = $3 \
         AND p.org_id = $1 AND {}",
        visibility::profile_visible(Kind::Family, "$1", "$2")
    );
    let row: Option<(String, String)> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind(visibility::today())
        .bind(viewer.user_id.to_string())
        .fetch_optional(state.db.reader())
        .await?;
    match row {
        Some((id, worker)) => Ok(Some(Mine {
            id,
            org,
            social_worker: crate::db::codec::parse(&worker)?,
        })),
        None => Ok(None),
    }
}

/// 403 unless organisation `org` lets its families edit their own profile.
pub async fn may_edit(state: &AppState, org: OrgId) -> PageResult<()> {
    if licence::load(state, org).await?.families_edit_own {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "your organisation asks families to send changes through their social worker",
        ))
    }
}

/// The notification a social worker gets: what changed, never the new values.
#[must_use]
pub fn changed_text(what: &str) -> String {
    format!("A family you support changed their own profile: {what}")
}

#[derive(Template)]
#[template(path = "my_profile.html")]
struct ShowPage {
    c: Chrome,
    profile: Option<(Common, Facts)>,
    can_edit: bool,
}

async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let c = Chrome::new(&viewer, "Our family profile", "/my/profile");
    let Some(mine) = lookup(&state, &viewer).await? else {
        return render(&ShowPage {
            c,
            profile: None,
            can_edit: false,
        });
    };
    let values = FamilyValues::load(&state, &mine.id, mine.org).await?;
    let mut p = profile_page::common(
        &state,
        Kind::Family,
        &mine.id,
        mine.org,
        mine.org,
        &values.sharing,
    )
    .await?;
    "/my/profile/photo".clone_into(&mut p.photo_path);
    render(&ShowPage {
        c,
        profile: Some((p, families::facts(&values))),
        can_edit: licence::load(&state, mine.org).await?.families_edit_own,
    })
}

#[derive(Template)]
#[template(path = "my_profile_form.html")]
struct FormPage {
    c: Chrome,
    errors: FieldErrors,
    own: OwnView,
}

fn form_page(viewer: &Viewer, own: OwnView, errors: FieldErrors) -> FormPage {
    FormPage {
        c: Chrome::new(viewer, "Change our household and hopes", "/my/profile"),
        errors,
        own,
    }
}

async fn edit(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let mine = find(&state, &viewer).await?;
    may_edit(&state, mine.org).await?;
    let values = FamilyValues::load(&state, &mine.id, mine.org).await?;
    render(&form_page(&viewer, values.own_view(), FieldErrors::new()))
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> PageResult {
    let mine = find(&state, &viewer).await?;
    may_edit(&state, mine.org).await?;
    let old = FamilyValues::load(&state, &mine.id, mine.org).await?;
    let mut values = old.read_own(&fields);
    let mut errors = FieldErrors::new();
    values.check_own(&mut errors);
    if !errors.is_empty() {
        return render_invalid(&form_page(&viewer, values.own_view(), errors));
    }
    if let Some(summary) = values.changes(&old) {
        let mut tx = state.db.begin().await?;
        family_db::update_own(&mut tx, &mine.id, mine.org, &values).await?;
        profile_page::record(
            &mut tx,
            Kind::Family,
            viewer.user_id,
            mine.org,
            &mine.id,
            &summary,
        )
        .await?;
        let what = summary.trim_start_matches("changed ");
        let path = format!("/families/{}", mine.id);
        notify::tell(
            &mut tx,
            &state,
            &[mine.social_worker],
            &changed_text(what),
            &path,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(see_other("/my/profile"))
}
