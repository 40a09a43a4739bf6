//! The platform admin's pages: organisations, their licences and rules, the first manager's
//! invitation code, and the e-mail outbox.
//!
//! An organisation is created by the same function as `POST /v1/orgs`
//! ([`crate::routes::admin::insert_org`]), with the licence the form gives. Its invitation code
//! is shown once, on the answer to the form, and is never put in a URL nor logged: only its
//! hash is stored. A new code can be issued while the organisation's vault keys are not set up
//! (`orgs.root_signing_key` still empty); after that its managers invite members themselves.

use askama::Template;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use secrecy::ExposeSecret;
use vault_core::ids::OrgId;

use super::activity::{self, Subject};
use super::form::{Empty, Form, Id};
use super::licence::{self, DEFAULT_OPEN_LINK_CAP};
use super::page::PageResult;
use super::page::{render, render_invalid, see_other, when, Chrome, FieldErrors, PageError};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::session::Viewer;
use crate::auth;
use crate::db::audit::{self, Event};
use crate::state::AppState;

mod licence_form;
mod outbox_page;

use licence_form::{check, licence_summary, licence_words, LicenceForm};

/// The platform admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/orgs", get(orgs))
        .route("/admin/orgs/new", get(new_org_page).post(create_org))
        .route("/admin/orgs/{id}", get(org_page).post(update_org))
        .route("/admin/orgs/{id}/invite", post(new_invite))
        .route("/admin/outbox", get(outbox_page::outbox))
}

/// One organisation in the list.
pub struct OrgRow {
    id: String,
    name: String,
    licence: String,
    members: i64,
    has_manager: bool,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct OrgsPage {
    c: Chrome,
    orgs: Vec<OrgRow>,
    pager: Pager,
}

type ListRow = (String, String, Option<i64>, Option<String>, i64, i64);

#[tracing::instrument(name = "GET /admin/orgs", skip_all, fields(user.id = %viewer.user_id))]
async fn orgs(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    viewer.platform_admin()?;
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orgs")
        .fetch_one(state.db.reader())
        .await?;
    let pager = Pager::new(asked, total, PAGE_SIZE, "/admin/orgs");
    let rows: Vec<ListRow> = sqlx::query_as(
        "SELECT o.id, o.name, s.licence_active, s.licence_expires_on, \
           (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id AND u.status = 'active'), \
           (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id AND u.status = 'active' \
              AND u.member_role = 'manager') \
         FROM orgs o LEFT JOIN org_settings s ON s.org_id = o.id ORDER BY o.name, o.id \
         LIMIT $1 OFFSET $2",
    )
    .bind(pager.limit())
    .bind(pager.offset())
    .fetch_all(state.db.reader())
    .await?;
    let orgs = rows
        .into_iter()
        .map(|(id, name, active, expires, members, managers)| OrgRow {
            id,
            name,
            licence: licence_words(active, expires.as_deref()),
            members,
            has_manager: managers > 0,
        })
        .collect();
    render(&OrgsPage {
        c: Chrome::new(&viewer, "Organisations", "/admin/orgs"),
        orgs,
        pager,
    })
}

#[derive(Template)]
#[template(path = "admin_org_form.html")]
struct OrgFormPage {
    c: Chrome,
    /// `None` for a new organisation.
    org: Option<OrgFacts>,
    f: LicenceForm,
    errors: FieldErrors,
    activity: Vec<activity::Shown>,
}

/// What the edit page says about an organisation besides its licence.
pub struct OrgFacts {
    id: String,
    keys_set_up: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_org_code.html")]
struct CodePage {
    c: Chrome,
    org_id: String,
    org_name: String,
    code: String,
    created: bool,
}

#[tracing::instrument(name = "GET /admin/orgs/new", skip_all, fields(user.id = %viewer.user_id))]
async fn new_org_page(viewer: Viewer) -> PageResult {
    viewer.platform_admin()?;
    let f = LicenceForm {
        expires: crate::web::licence::default_expiry(),
        active: Some("1".to_owned()),
        cap: DEFAULT_OPEN_LINK_CAP.to_string(),
        ..LicenceForm::default()
    };
    render(&OrgFormPage {
        c: Chrome::new(&viewer, "New organisation", "/admin/orgs"),
        org: None,
        f,
        errors: FieldErrors::new(),
        activity: Vec::new(),
    })
}

#[tracing::instrument(name = "POST /admin/orgs/new", skip_all, fields(user.id = %viewer.user_id))]
async fn create_org(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<LicenceForm>,
) -> PageResult {
    viewer.platform_admin()?;
    let invalid = |f, errors| {
        render_invalid(&OrgFormPage {
            c: Chrome::new(&viewer, "New organisation", "/admin/orgs"),
            org: None,
            f,
            errors,
            activity: Vec::new(),
        })
    };
    let (name, settings) = match check(&f, true) {
        Ok(checked) => checked,
        Err(errors) => return invalid(f, errors),
    };
    let mut tx = state.db.begin().await?;
    // Also what keeps a reloaded answer page (which posts the form again) from making a
    // second organisation with a second code.
    if crate::routes::admin::org_name_taken(&mut tx, &name).await? {
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.add("name", "An organisation with this name exists already.");
        return invalid(f, errors);
    }
    let (org, code) = crate::routes::admin::insert_org(&mut tx, viewer.user_id, &name).await?;
    licence::save(&mut tx, org, &settings).await?;
    let summary = format!(
        "created the organisation with {}",
        licence_summary(&settings)
    );
    activity::record_org(&mut tx, viewer.user_id, org, &summary).await?;
    tx.commit().await?;
    tracing::info!(org.id = %org, "organisation created");
    // Shown on this answer only: a redirect would need the code in a URL or stored.
    render(&CodePage {
        c: Chrome::new(&viewer, format!("{name} is ready"), "/admin/orgs"),
        org_id: org.to_string(),
        org_name: name,
        code: code.expose_secret().to_owned(),
        created: true,
    })
}

/// Name, whether the vault keys are set up, and creation time of `org`; or "not found".
async fn org_facts(state: &AppState, org: OrgId) -> PageResult<(String, OrgFacts)> {
    let row: Option<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT name, root_signing_key, created_at FROM orgs WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(state.db.reader())
            .await?;
    let (name, root, at) = row.ok_or(PageError::NotFound)?;
    let facts = OrgFacts {
        id: org.to_string(),
        keys_set_up: root.is_some(),
        created: when(at),
    };
    Ok((name, facts))
}

async fn org_form(
    state: &AppState,
    viewer: &Viewer,
    org: OrgId,
    f: Option<LicenceForm>,
    errors: FieldErrors,
) -> PageResult {
    let (name, facts) = org_facts(state, org).await?;
    let f = match f {
        Some(mut f) => {
            f.name.clone_from(&name);
            f
        }
        None => LicenceForm::of(&name, &licence::load(state, org).await?),
    };
    let page = OrgFormPage {
        c: Chrome::new(viewer, name, "/admin/orgs"),
        org: Some(facts),
        f,
        activity: activity::trail(state, Subject::Org, &org.to_string(), org).await?,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_invalid(&page)
    }
}

#[tracing::instrument(name = "GET /admin/orgs/{id}", skip_all, fields(user.id = %viewer.user_id))]
async fn org_page(State(state): State<AppState>, viewer: Viewer, Id(org): Id<OrgId>) -> PageResult {
    viewer.platform_admin()?;
    org_form(&state, &viewer, org, None, FieldErrors::new()).await
}

#[tracing::instrument(name = "POST /admin/orgs/{id}", skip_all, fields(user.id = %viewer.user_id))]
async fn update_org(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(org): Id<OrgId>,
    Form(f): Form<LicenceForm>,
) -> PageResult {
    viewer.platform_admin()?;
    let settings = match check(&f, false) {
        Ok((_, settings)) => settings,
        Err(errors) => return org_form(&state, &viewer, org, Some(f), errors).await,
    };
    org_facts(&state, org).await?;
    let mut tx = state.db.begin().await?;
    licence::save(&mut tx, org, &settings).await?;
    let summary = format!("changed the {}", licence_summary(&settings));
    activity::record_org(&mut tx, viewer.user_id, org, &summary).await?;
    tx.commit().await?;
    tracing::info!(org.id = %org, "licence changed");
    Ok(see_other("/admin/orgs"))
}

#[tracing::instrument(
    name = "POST /admin/orgs/{id}/invite",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
async fn new_invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(org): Id<OrgId>,
    Form(Empty {}): Form<Empty>,
) -> PageResult {
    viewer.platform_admin()?;
    let (name, facts) = org_facts(&state, org).await?;
    if facts.keys_set_up {
        return Err(PageError::Conflict(
            "this organisation's vault keys are set up, so its managers invite members",
        ));
    }
    let (code, hash) = auth::new_secret();
    let mut tx = state.db.begin().await?;
    let done =
        sqlx::query("UPDATE orgs SET invite_hash = $1 WHERE id = $2 AND root_signing_key IS NULL")
            .bind(hash)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() != 1 {
        return Err(PageError::Conflict(
            "this organisation's vault keys were set up meanwhile",
        ));
    }
    let event = Event {
        actor: Some(viewer.user_id),
        org_id: None,
        action: "org.invite_reissued",
        object_kind: "org",
        object_id: org.to_string(),
        case_id: None,
    };
    audit::record(&mut tx, event).await?;
    activity::record_org(&mut tx, viewer.user_id, org, "issued a new invitation code").await?;
    tx.commit().await?;
    tracing::info!(org.id = %org, "invitation code reissued");
    render(&CodePage {
        c: Chrome::new(
            &viewer,
            format!("New invitation code for {name}"),
            "/admin/orgs",
        ),
        org_id: org.to_string(),
        org_name: name,
        code: code.expose_secret().to_owned(),
        created: false,
    })
}
