//! The database half of an upload: the row written once the object is complete.

use vault_core::api::{DocumentSummary, UploadManifest};
use vault_core::ids::CaseId;
use vault_core::statement::Claim;

use crate::auth::Member;
use crate::db::audit::{self, Logged};
use crate::db::codec::{digest_hex, to_json};
use crate::db::now;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Inserts the document row and its audit record. The case must still belong to the member's
/// organisation under the same case key the envelope was made for (a transfer may have
/// happened while the body streamed), and no transfer offer of it may be waiting (the offer
/// re-wraps exactly the documents the case had when it was made).
pub async fn insert(
    state: &AppState,
    member: &Member,
    case_id: CaseId,
    manifest: &UploadManifest,
    key: &object_store::path::Path,
) -> ApiResult<DocumentSummary> {
    let statement = manifest.statement.verify().map_err(ApiError::internal)?;
    let Claim::DocumentSealed {
        ciphertext_sha256,
        ciphertext_size,
        ..
    } = statement.claim
    else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "statement kind changed"
        )));
    };
    let mut tx = state.db.begin().await?;
    let case = super::cases::owned_case(&mut tx, case_id, member.org_id).await?;
    super::transfer_outcome::no_offer_waiting(&mut tx, case_id).await?;
    if case.case_key.fingerprint() != manifest.envelope.recipient {
        return Err(ApiError::Conflict("the case key changed during the upload"));
    }
    let created_at = now();
    sqlx::query(
        "INSERT INTO documents (id, case_id, object_key, ciphertext_size, ciphertext_sha256, \
         document_key, sealed_metadata, statement, envelope, sealed_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(manifest.document_id.to_string())
    .bind(case_id.to_string())
    .bind(key.as_ref())
    .bind(i64::try_from(ciphertext_size).map_err(ApiError::internal)?)
    .bind(digest_hex(&ciphertext_sha256))
    .bind(manifest.document_key.as_str())
    .bind(&manifest.sealed_metadata)
    .bind(to_json(&manifest.statement)?)
    .bind(to_json(&manifest.envelope)?)
    .bind(member.user_id.to_string())
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    let event = member.event(
        "document.sealed",
        "document",
        manifest.document_id.to_string(),
        Some(case_id),
    );
    let logged = Logged::statement(&manifest.statement).with_envelopes([&manifest.envelope]);
    audit::record_logged(&mut tx, event, logged).await?;
    tx.commit().await?;
    Ok(DocumentSummary {
        document_id: manifest.document_id,
        case_id,
        ciphertext_size,
        ciphertext_sha256,
        document_key: manifest.document_key.clone(),
        sealed_metadata: manifest.sealed_metadata.clone(),
        statement: manifest.statement.clone(),
        sealed_by: member.user_id,
        created_at,
    })
}
