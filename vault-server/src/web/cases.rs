//! Case pages: the organisation's vault cases, and one case with its sealed documents, the
//! links of the profiles attached to it, its history and (for managers) its transfer offers.
//!
//! Document names, types and sizes are sealed metadata the server cannot read, so a document
//! shows as "sealed" with what the platform does know: the ciphertext's size, when it was
//! sealed and by whom. Each document's element carries its id and sealed metadata (base64)
//! in `data-` attributes, for the browser to open them with the member's own keys later; no
//! key ever reaches these pages. Only the owning organisation sees a case; a case shared with
//! another organisation through one document is not listed there as a case.

pub mod shares;
pub mod vault;
pub mod view;

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use vault_core::ids::CaseId;

use self::shares::CaseShare;
use self::vault::{Incoming, OrgOption};
use self::view::{CaseDocument, CaseLink, History, Transfer};
use super::form::Id;
use super::page::{render, when, Chrome, PageError, PageResult};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::session::{Role, Viewer};
use crate::state::AppState;

/// The case routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/{id}", get(show))
}

/// One case in the list.
pub struct CaseRow {
    href: String,
    reference: String,
    documents: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct ListPage {
    c: Chrome,
    cases: Vec<CaseRow>,
    pager: Pager,
    /// Transfer offers waiting for the organisation; `None` for practitioners.
    offers: Option<Vec<Incoming>>,
}

#[tracing::instrument(name = "GET /cases", skip_all, fields(user.id = %viewer.user_id))]
async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let org = viewer.staff_org()?;
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(state.db.reader())
        .await?;
    let pager = Pager::new(asked, total, PAGE_SIZE, "/cases");
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.reference, c.created_at, \
                (SELECT COUNT(*) FROM documents d WHERE d.case_id = c.id) \
         FROM cases c WHERE c.org_id = $1 ORDER BY c.created_at DESC, c.id \
         LIMIT $2 OFFSET $3",
    )
    .bind(org.to_string())
    .bind(pager.limit())
    .bind(pager.offset())
    .fetch_all(state.db.reader())
    .await?;
    let cases = rows
        .into_iter()
        .map(|(id, reference, created, documents)| CaseRow {
            href: format!("/cases/{id}"),
            reference,
            documents,
            created: when(created),
        })
        .collect();
    let offers = if viewer.role == Role::Manager {
        Some(vault::incoming(&state, org).await?)
    } else {
        None
    };
    render(&ListPage {
        c: Chrome::new(&viewer, "Cases", "/cases"),
        cases,
        pager,
        offers,
    })
}

#[derive(Template)]
#[template(path = "cases_show.html")]
struct ShowPage {
    c: Chrome,
    created: String,
    documents: Vec<CaseDocument>,
    links: Vec<CaseLink>,
    history: Vec<History>,
    /// `None` for practitioners, who do not see transfer offers.
    transfers: Option<Vec<Transfer>>,
    /// The case's id, for the vault script's forms.
    case_id: String,
    /// Organisations a document may be shared with or the case offered to.
    orgs: Vec<OrgOption>,
    /// Current shares of the case's documents.
    shares: Vec<CaseShare>,
}

#[tracing::instrument(
    name = "GET /cases/{id}",
    skip_all,
    fields(user.id = %viewer.user_id, case.id = %id)
)]
async fn show(State(state): State<AppState>, viewer: Viewer, Id(id): Id<CaseId>) -> PageResult {
    let org = viewer.staff_org()?;
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT reference, created_at FROM cases WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(state.db.reader())
            .await?;
    let (reference, created) = row.ok_or(PageError::NotFound)?;
    let transfers = if viewer.role == Role::Manager {
        Some(view::transfers(&state, id).await?)
    } else {
        None
    };
    render(&ShowPage {
        c: Chrome::new(&viewer, format!("Case {reference}"), "/cases"),
        created: when(created),
        documents: view::documents(&state, id).await?,
        links: view::links(&state, id, org).await?,
        history: view::history(&state, id, org).await?,
        transfers,
        case_id: id.to_string(),
        orgs: vault::receiving_orgs(&state, org).await?,
        shares: shares::of_case(&state, id).await?,
    })
}
