//! An organisation's members, for its managers: pending registrations to approve or refuse,
//! and active members to remove.
//!
//! Only web accounts (kind `staff` and `family`) are approved and removed here. Vault members
//! (kind `member`, holding keys made in the browser or with `vaultctl`) are approved after
//! comparing their fingerprint, and removed with `vaultctl org remove`, which
//! rotates the organisation key: the web app holds no key and cannot certify or rotate yet.
//! Every id is looked up within the manager's own organisation, so another organisation's
//! people answer "not found".

use askama::Template;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use vault_core::ids::{OrgId, UserId};

use super::activity::{self, Subject};
use super::form::{Empty, Form, Id};
use super::notify;
use super::page::PageResult;
use super::page::{render, render_invalid, see_other, when, Chrome, FieldErrors, PageError};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::session::Viewer;
use crate::db::audit::{self, Event};
use crate::db::{now, Tx};
use crate::state::AppState;

mod approve;

/// The member routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members", get(list))
        .route("/members/{id}", get(person_page))
        .route("/members/{id}/approve", post(approve::approve))
        .route("/members/{id}/refuse", post(refuse))
        .route("/members/{id}/remove", post(remove))
}

/// One person of the organisation, as the pages show them.
pub struct Person {
    id: String,
    name: String,
    email: String,
    /// `staff`, `family` or `member`.
    kind: String,
    /// `pending`, `active` or `removed`.
    status: String,
    member_role: Option<String>,
    registered: String,
    /// For a pending vault member, the fingerprint the server computes from their keys. It
    /// marks the row as a vault member's and is never shown: a manager who could copy it
    /// would not compare what the member reads out, as vaultctl never shows it either.
    fingerprint: Option<String>,
}

impl Person {
    /// What they asked to be, or are, in words.
    fn role_words(&self) -> &'static str {
        match (self.kind.as_str(), self.member_role.as_deref()) {
            ("family", _) => "adopter or foster carer",
            (_, Some("manager")) => "manager",
            (_, Some("practitioner")) => "practitioner",
            ("member", None) => "vault member (holds keys)",
            _ => "practitioner or manager",
        }
    }

    /// Whether the person holds vault keys (made in the browser or with `vaultctl`).
    fn has_keys(&self) -> bool {
        self.kind == "member"
    }

    /// Whether this page may approve, refuse or remove them (web accounts only).
    fn web_account(&self) -> bool {
        matches!(self.kind.as_str(), "staff" | "family")
    }
}

type PersonRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
);

const PERSON_COLUMNS: &str =
    "SELECT id, email, display_name, kind, status, member_role, created_at FROM users";

fn person(row: PersonRow) -> Person {
    let (id, email, display, kind, status, member_role, at) = row;
    let name = display.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
    Person {
        id,
        name,
        email,
        kind,
        status,
        member_role,
        registered: when(at),
        fingerprint: None,
    }
}

/// A family profile of the organisation that has no account attached yet.
pub struct FreeProfile {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    c: Chrome,
    pending: Vec<Person>,
    active: Vec<Person>,
    pager: Pager,
    me: String,
    org_id: String,
    activity: Vec<activity::Shown>,
}

#[derive(Template)]
#[template(path = "members_person.html")]
struct PersonPage {
    c: Chrome,
    p: Person,
    me: bool,
    profiles: Vec<FreeProfile>,
    role: String,
    profile: String,
    errors: FieldErrors,
}

#[tracing::instrument(name = "GET /members", skip_all, fields(user.id = %viewer.user_id))]
async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let org = viewer.manager_org()?;
    // Registrations waiting are few and all need an answer, so they are never paged.
    let sql = format!("{PERSON_COLUMNS} WHERE org_id = $1 AND status = $2 ORDER BY created_at, id");
    let pending: Vec<PersonRow> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind("pending")
        .fetch_all(state.db.reader())
        .await?;
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE org_id = $1 AND status = 'active'")
            .bind(org.to_string())
            .fetch_one(state.db.reader())
            .await?;
    let pager = Pager::new(asked, total, PAGE_SIZE, "/members");
    let sql = format!("{sql} LIMIT $3 OFFSET $4");
    let active: Vec<PersonRow> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind("active")
        .bind(pager.limit())
        .bind(pager.offset())
        .fetch_all(state.db.reader())
        .await?;
    let mut prints = super::vault_pages::claimed_fingerprints(&state, org).await?;
    let pending = pending.into_iter().map(person).map(|mut p| {
        p.fingerprint = prints.remove(&p.id);
        p
    });
    render(&MembersPage {
        c: Chrome::new(&viewer, "Members", "/members"),
        pending: pending.collect(),
        active: active.into_iter().map(person).collect(),
        pager,
        me: viewer.user_id.to_string(),
        org_id: org.to_string(),
        activity: activity::trail(&state, Subject::Org, &org.to_string(), org).await?,
    })
}

/// The person `user` of organisation `org`, or "not found".
async fn load(state: &AppState, org: OrgId, user: UserId) -> PageResult<Person> {
    let sql = format!("{PERSON_COLUMNS} WHERE id = $1 AND org_id = $2");
    let row: Option<PersonRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(org.to_string())
        .fetch_optional(state.db.reader())
        .await?;
    row.map(person).ok_or(PageError::NotFound)
}

async fn free_profiles(state: &AppState, org: OrgId) -> sqlx::Result<Vec<FreeProfile>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, name FROM family_profiles WHERE org_id = $1 AND account_user_id IS NULL \
         AND status = 'active' ORDER BY name, id",
    )
    .bind(org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| FreeProfile { id, name })
        .collect())
}

async fn person_answer(
    state: &AppState,
    viewer: &Viewer,
    p: Person,
    chosen: Option<(&str, &str)>,
    errors: FieldErrors,
) -> PageResult {
    let org = viewer.manager_org()?;
    let profiles = if p.kind == "family" && p.status == "pending" {
        free_profiles(state, org).await?
    } else {
        Vec::new()
    };
    let invalid = !errors.is_empty();
    let page = PersonPage {
        c: Chrome::new(viewer, p.name.clone(), "/members"),
        me: p.id == viewer.user_id.to_string(),
        p,
        profiles,
        role: chosen.map(|(role, _)| role.to_owned()).unwrap_or_default(),
        profile: chosen
            .map(|(_, profile)| profile.to_owned())
            .unwrap_or_default(),
        errors,
    };
    if invalid {
        render_invalid(&page)
    } else {
        render(&page)
    }
}

#[tracing::instrument(name = "GET /members/{id}", skip_all, fields(user.id = %viewer.user_id))]
async fn person_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(user): Id<UserId>,
) -> PageResult {
    let org = viewer.manager_org()?;
    let p = load(&state, org, user).await?;
    person_answer(&state, &viewer, p, None, FieldErrors::new()).await
}

/// The person `user` of the manager's organisation (404 otherwise), who must be a web
/// account in state `status` (409 otherwise): what approving and removing start from.
async fn web_account(
    state: &AppState,
    viewer: &Viewer,
    user: UserId,
    status: &str,
) -> PageResult<(OrgId, Person)> {
    dealt_with(state, viewer, user, status, false).await
}

/// As [`web_account`], and with `vault_too` a vault member as well: refusing a registration
/// that waits changes no key, since a member is given the organisation key only when approved.
async fn dealt_with(
    state: &AppState,
    viewer: &Viewer,
    user: UserId,
    status: &str,
    vault_too: bool,
) -> PageResult<(OrgId, Person)> {
    let org = viewer.manager_org()?;
    let p = load(state, org, user).await?;
    if !p.web_account() && !vault_too {
        return Err(PageError::Conflict(
            "a vault member is approved with their fingerprint on the Members page or with \
             vaultctl, and removed with vaultctl, which handle their keys",
        ));
    }
    if p.status != status {
        return Err(PageError::Conflict(
            "this person's registration has already been dealt with",
        ));
    }
    Ok((org, p))
}

/// Moves `user` from status `from` to `to` (with `role` as member role), or 409 when another
/// manager was quicker.
async fn set_status(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    from: &str,
    to: &str,
    role: Option<&str>,
) -> PageResult<()> {
    // Only a refusal ('pending' to 'removed') may touch a vault member here; their approval
    // and removal go through the vault, which handles their keys.
    let done = sqlx::query(
        "UPDATE users SET status = $1, member_role = COALESCE($2, member_role) \
         WHERE id = $3 AND org_id = $4 AND status = $5 \
         AND (kind IN ('staff', 'family') OR (kind = 'member' AND $5 = 'pending' \
         AND $1 = 'removed'))",
    )
    .bind(to)
    .bind(role)
    .bind(user.to_string())
    .bind(org.to_string())
    .bind(from)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(PageError::Conflict(
            "this person's registration has already been dealt with",
        ))
    }
}

/// The audit row and the organisation's activity entry of a change to a member.
async fn record(
    tx: &mut Tx,
    viewer: &Viewer,
    org: OrgId,
    user: UserId,
    action: &str,
    summary: &str,
) -> sqlx::Result<()> {
    let event = Event {
        actor: Some(viewer.user_id),
        org_id: Some(org),
        action,
        object_kind: "user",
        object_id: user.to_string(),
        case_id: None,
    };
    audit::record(tx, event).await?;
    activity::record_org(tx, viewer.user_id, org, summary).await
}

/// Signs `user` out everywhere: web sessions and API tokens (vaultctl, the browser vault).
async fn end_sessions(tx: &mut Tx, user: UserId) -> sqlx::Result<()> {
    let at = now();
    for sql in [
        "UPDATE web_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    ] {
        sqlx::query(sql)
            .bind(at)
            .bind(user.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(
    name = "POST /members/{id}/refuse",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
async fn refuse(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(user): Id<UserId>,
    Form(Empty {}): Form<Empty>,
) -> PageResult {
    let (org, p) = dealt_with(&state, &viewer, user, "pending", true).await?;
    let mut tx = state.db.begin().await?;
    set_status(&mut tx, org, user, "pending", "removed", None).await?;
    end_sessions(&mut tx, user).await?;
    let org_name = viewer.org_name.clone().unwrap_or_default();
    let body = format!(
        "Your registration with {org_name} in the case vault was not approved. If you think \
         this is a mistake, contact the organisation.\n"
    );
    notify::email(
        &mut tx,
        &p.email,
        "Your registration was not approved",
        &body,
    )
    .await?;
    let summary = format!("refused the registration of {}", p.name);
    record(&mut tx, &viewer, org, user, "user.refused", &summary).await?;
    tx.commit().await?;
    tracing::info!(member.id = %user, "registration refused");
    Ok(see_other("/members"))
}

#[tracing::instrument(
    name = "POST /members/{id}/remove",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(user): Id<UserId>,
    Form(Empty {}): Form<Empty>,
) -> PageResult {
    viewer.manager_org()?;
    if user == viewer.user_id {
        return Err(PageError::Conflict(
            "you cannot remove yourself; ask another manager",
        ));
    }
    let (org, p) = web_account(&state, &viewer, user, "active").await?;
    let mut tx = state.db.begin().await?;
    set_status(&mut tx, org, user, "active", "removed", None).await?;
    end_sessions(&mut tx, user).await?;
    let summary = format!("removed {} from the organisation", p.name);
    record(&mut tx, &viewer, org, user, "user.removed", &summary).await?;
    tx.commit().await?;
    tracing::info!(member.id = %user, "web account removed");
    Ok(see_other("/members"))
}
