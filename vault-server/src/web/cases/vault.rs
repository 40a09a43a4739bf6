//! What the case pages give the vault script besides the documents: the organisations a
//! document may be shared with or a case transferred to, and the transfer offers waiting for
//! the viewer's organisation. The script still checks every key it wraps to against the
//! organisation's signed key statements; these lists only fill the choices.

use vault_core::ids::OrgId;

use crate::state::AppState;
use crate::web::page::{when, PageError};
use crate::web::visibility;

/// An organisation offered in a share or transfer choice.
pub struct OrgOption {
    /// Its id, the value sent.
    pub id: String,
    /// Its name, as shown.
    pub name: String,
}

/// Organisations other than `org` that may receive: a current licence, and vault keys set
/// up (an organisation whose first manager has not founded its vault has no key to wrap to).
pub async fn receiving_orgs(state: &AppState, org: OrgId) -> Result<Vec<OrgOption>, PageError> {
    let sql = format!(
        "SELECT o.id, o.name FROM orgs o WHERE o.id <> $1 AND o.root_signing_key IS NOT NULL \
         AND {} ORDER BY o.name, o.id",
        visibility::licensed("o.id", "$2")
    );
    let rows: Vec<(String, String)> = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind(visibility::today())
        .fetch_all(state.db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| OrgOption { id, name })
        .collect())
}

/// A transfer offer waiting for the viewer's organisation to accept it.
pub struct Incoming {
    /// The transfer's id, for the Accept button.
    pub id: String,
    /// The case's id (not yet the viewer's organisation's to open).
    pub case_id: String,
    /// The organisation offering it.
    pub from: String,
    /// Documents it carries.
    pub documents: i64,
    /// When it was offered.
    pub offered: String,
}

/// Offers made to `org` that wait for an answer, oldest first.
pub async fn incoming(state: &AppState, org: OrgId) -> Result<Vec<Incoming>, PageError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT t.id, t.case_id, f.name, t.document_count, t.created_at FROM transfers t \
         JOIN orgs f ON f.id = t.from_org \
         WHERE t.to_org = $1 AND t.status = 'offered' ORDER BY t.created_at, t.id",
    )
    .bind(org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, case_id, from, documents, at)| Incoming {
            id,
            case_id,
            from,
            documents,
            offered: when(at),
        })
        .collect())
}
