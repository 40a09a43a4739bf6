//! The dashboard: where a practitioner's day starts.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::routing::get;
use axum::Router;

use super::page::{render, Chrome, PageResult};
use super::session::{Role, Viewer};
use crate::state::AppState;

/// The dashboard route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// Counts a practitioner or manager sees first.
#[derive(Default)]
pub struct Counts {
    children: i64,
    families: i64,
    open_links: i64,
    pending_members: i64,
}

/// One recent notification; opening it goes through `/notifications/{id}/open`, which marks
/// it read on the way to its page. Listed newest first, by time then time-ordered id, as on
/// the notifications page.
pub struct Recent {
    id: String,
    text: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    role: Role,
    counts: Counts,
    recent: Vec<Recent>,
    /// The organisation's licence is off or past its last day, so others cannot see its
    /// profiles nor it theirs: staff must know why search went quiet.
    licence_lapsed: bool,
}

async fn count(state: &AppState, sql: &str, org: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(org)
        .fetch_one(state.db.reader())
        .await?;
    Ok(n)
}

#[tracing::instrument(name = "GET /dashboard", skip_all, fields(user.id = %viewer.user_id))]
async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    if viewer.role == Role::PlatformAdmin {
        return Ok(Redirect::to("/admin/orgs").into_response());
    }
    let mut counts = Counts::default();
    let mut licence_lapsed = false;
    if let (Role::Manager | Role::Practitioner, Some(org)) = (viewer.role, viewer.org_id) {
        licence_lapsed = !super::licence::load(&state, org).await?.is_current();
        let org = org.to_string();
        counts.children = count(
            &state,
            "SELECT COUNT(*) FROM child_profiles WHERE org_id = $1 AND status = 'active'",
            &org,
        )
        .await?;
        counts.families = count(
            &state,
            "SELECT COUNT(*) FROM family_profiles WHERE org_id = $1 AND status = 'active'",
            &org,
        )
        .await?;
        counts.open_links = count(
            &state,
            "SELECT COUNT(*) FROM links WHERE (child_org = $1 OR family_org = $1) \
             AND status NOT IN ('placed', 'declined', 'withdrawn', 'closed')",
            &org,
        )
        .await?;
        counts.pending_members = count(
            &state,
            "SELECT COUNT(*) FROM users WHERE org_id = $1 AND status = 'pending'",
            &org,
        )
        .await?;
    }
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, text, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 5",
    )
    .bind(viewer.user_id.to_string())
    .fetch_all(state.db.reader())
    .await?;
    let recent = rows
        .into_iter()
        .map(|(id, text, at, read_at)| Recent {
            id,
            text,
            when: super::page::when(at),
            unread: read_at.is_none(),
        })
        .collect();
    let title = format!("Welcome, {}", viewer.name);
    render(&DashboardPage {
        c: Chrome::new(&viewer, title, "/dashboard"),
        role: viewer.role,
        counts,
        recent,
        licence_lapsed,
    })
}
