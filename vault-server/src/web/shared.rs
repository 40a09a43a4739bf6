//! "Shared with us": the documents other organisations shared with the viewer's organisation,
//! one at a time (`vaultctl doc shared` lists the same). Each row names the sharing
//! organisation and when it shared; the document's name is sealed metadata the server cannot
//! read, so the vault script opens it in the page and, on Open, checks the sharer's signed
//! statements and the digests before handing the file over, as `vaultctl doc open` does.
//!
//! Only vault members see the page: a web-only account has no keys to open anything with. A
//! revoked share is deleted by the API, so it simply stops being listed; so does a share whose
//! case has since been transferred to the viewer's organisation (its row is kept: if the case
//! moves on again, the share gives access once more and is listed again).

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::cases::view::size_words;
use super::page::{render, when, Chrome, PageError, PageResult};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::session::Viewer;
use crate::routes::shares::STILL_A_SHARE;
use crate::state::AppState;

/// Where the page lives, also its navigation link.
pub const PATH: &str = "/shared";

/// The route of the page.
pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(list))
}

/// One shared document as the page lists it.
pub struct SharedRow {
    /// The document's id, for the Open button.
    pub id: String,
    /// The organisation that shared it.
    pub from: String,
    /// When, in words.
    pub shared: String,
    /// Seconds, for `<time datetime>`.
    pub at: i64,
    /// Size of the ciphertext in words.
    pub size: String,
}

#[derive(Template)]
#[template(path = "shared_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<SharedRow>,
    pager: Pager,
}

type Row = (String, String, i64, i64);

/// The shares the page counts and lists: those to the viewer's organisation (`$1`) of documents
/// whose case another organisation owns. A share made before the case came to the viewer's
/// organisation is its own document now, not one shared with it.
fn from_shared() -> String {
    format!(
        "FROM shares s JOIN documents d ON d.id = s.document_id \
         JOIN cases c ON c.id = d.case_id JOIN orgs o ON o.id = s.from_org \
         WHERE s.to_org = $1 AND {STILL_A_SHARE}"
    )
}

#[tracing::instrument(name = "GET /shared", skip_all, fields(user.id = %viewer.user_id))]
async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let org = viewer.staff_org()?;
    if !viewer.keys {
        return Err(PageError::Forbidden(
            "only vault members, who hold keys, may open documents shared with the organisation",
        ));
    }
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) {}", from_shared()))
        .bind(org.to_string())
        .fetch_one(state.db.reader())
        .await?;
    let pager = Pager::new(asked, total, PAGE_SIZE, PATH);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT s.document_id, o.name, s.created_at, d.ciphertext_size {} \
         ORDER BY s.created_at DESC, s.document_id LIMIT $2 OFFSET $3",
        from_shared()
    ))
    .bind(org.to_string())
    .bind(pager.limit())
    .bind(pager.offset())
    .fetch_all(state.db.reader())
    .await?;
    let rows = rows
        .into_iter()
        .map(|(id, from, at, bytes)| SharedRow {
            id,
            from,
            shared: when(at),
            at,
            size: size_words(bytes),
        })
        .collect();
    render(&ListPage {
        c: Chrome::new(&viewer, "Shared with us", PATH),
        rows,
        pager,
    })
}
