//! The shares of a case's documents, as the case page lists them beside the share form: which
//! document went to which organisation and when, with a Revoke button for the vault script
//! (`vaultctl doc revoke` does the same). Shares a previous owner made before transferring the
//! case are listed too, since the current owner may revoke them, except a share to the
//! current owner itself: the case already gives it the document.

use vault_core::ids::CaseId;

use crate::routes::shares::STILL_A_SHARE;
use crate::state::AppState;
use crate::web::page::{when, PageError};

/// One document's share with one organisation.
pub struct CaseShare {
    /// The shared document's id.
    pub document_id: String,
    /// The receiving organisation's id, for the revocation.
    pub org_id: String,
    /// Its name.
    pub org: String,
    /// When it was shared, in words.
    pub shared: String,
    /// Seconds, for `<time datetime>`.
    pub at: i64,
}

/// The current shares of `case`'s documents with other organisations than its owner, oldest
/// first.
pub async fn of_case(state: &AppState, case: CaseId) -> Result<Vec<CaseShare>, PageError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(&format!(
        "SELECT s.document_id, s.to_org, o.name, s.created_at FROM shares s \
         JOIN documents d ON d.id = s.document_id JOIN cases c ON c.id = d.case_id \
         JOIN orgs o ON o.id = s.to_org \
         WHERE d.case_id = $1 AND {STILL_A_SHARE} ORDER BY s.created_at, s.document_id, s.to_org"
    ))
    .bind(case.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(document_id, org_id, org, at)| CaseShare {
            document_id,
            org_id,
            org,
            shared: when(at),
            at,
        })
        .collect())
}
