//! Cases: create, list, show. A case is visible only to its owning organisation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sqlx::AnyConnection;
use vault_core::api::{CaseDetail, CaseSummary, CreateCaseRequest};
use vault_core::ids::{CaseId, OrgId};
use vault_core::statement::KeyScope;

use crate::auth::Caller;
use crate::checks::{self, Expect};
use crate::db::audit::{self, Logged};
use crate::db::codec::{from_json, parse, pk_parse, to_json};
use crate::db::now;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::routes::documents::list_documents;
use crate::routes::orgs::current_key;
use crate::state::AppState;

type CaseRow = (String, String, String, String, i64, i64);

/// A case's summary columns; listings leave out the envelope, which only `show` answers.
const CASE_SELECT: &str = "SELECT c.id, c.org_id, c.reference, c.case_key, c.created_at, \
     (SELECT COUNT(*) FROM documents d WHERE d.case_id = c.id) FROM cases c";

fn summary(row: &CaseRow) -> ApiResult<CaseSummary> {
    let (id, org, reference, key, created_at, count) = row;
    Ok(CaseSummary {
        case_id: parse(id)?,
        org_id: parse(org)?,
        reference: reference.clone(),
        case_key: pk_parse(key)?,
        document_count: u64::try_from(*count).map_err(ApiError::internal)?,
        created_at: *created_at,
    })
}

/// A case owned by `org`, or 404 whether it is missing or someone else's.
pub async fn owned_case(
    conn: &mut AnyConnection,
    case: CaseId,
    org: OrgId,
) -> ApiResult<CaseSummary> {
    let row: CaseRow = sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1 AND c.org_id = $2"))
        .bind(case.to_string())
        .bind(org.to_string())
        .fetch_one(conn)
        .await?;
    summary(&row)
}

/// `POST /v1/cases`: a new case whose key is wrapped to the caller's organisation.
#[tracing::instrument(
    name = "POST /v1/cases",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %req.case_id),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseSummary>)> {
    let member = caller.member()?;
    let reference = crate::checks::label(
        &req.reference,
        200,
        "a case reference has 1 to 200 characters and no control or invisible formatting \
         characters",
    )?;
    let mut tx = state.db.begin().await?;
    let (org_key, _) = current_key(&mut tx, member.org_id).await?;
    let expect = Expect {
        org: member.org_id,
        scope: KeyScope::Case(req.case_id),
        key: req.case_key.fingerprint(),
        recipient: org_key.fingerprint(),
    };
    checks::envelope(&req.envelope, &member.signing_key, &expect)?;
    let created_at = now();
    sqlx::query(
        "INSERT INTO cases (id, org_id, reference, case_key, envelope, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(req.case_id.to_string())
    .bind(member.org_id.to_string())
    .bind(reference)
    .bind(req.case_key.as_str())
    .bind(to_json(&req.envelope)?)
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    let event = member.event(
        "case.created",
        "case",
        req.case_id.to_string(),
        Some(req.case_id),
    );
    let logged = Logged::default().with_envelopes([&req.envelope]);
    audit::record_logged(&mut tx, event, logged).await?;
    tx.commit().await?;
    tracing::info!(org.id = %member.org_id, "case created");
    let summary = CaseSummary {
        case_id: req.case_id,
        org_id: member.org_id,
        reference: reference.to_owned(),
        case_key: req.case_key,
        document_count: 0,
        created_at,
    };
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `GET /v1/cases`: the cases the caller's organisation owns.
#[tracing::instrument(name = "GET /v1/cases", skip_all, fields(user.id = %caller.user_id))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<CaseSummary>>> {
    let member = caller.member()?;
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE c.org_id = $1 ORDER BY c.created_at, c.id"
    ))
    .bind(member.org_id.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(Json(rows.iter().map(summary).collect::<ApiResult<_>>()?))
}

/// `GET /v1/cases/{case_id}`: the case, its envelope and its documents.
#[tracing::instrument(
    name = "GET /v1/cases/{case_id}",
    skip_all,
    fields(user.id = %caller.user_id, case.id = %case_id),
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(case_id): ApiPath<CaseId>,
) -> ApiResult<Json<CaseDetail>> {
    let member = caller.member()?;
    let mut conn = state.db.reader().acquire().await?;
    let case = owned_case(&mut conn, case_id, member.org_id).await?;
    let (envelope,): (String,) = sqlx::query_as("SELECT envelope FROM cases WHERE id = $1")
        .bind(case_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let documents = list_documents(&mut conn, case_id).await?;
    Ok(Json(CaseDetail {
        case,
        envelope: from_json(&envelope)?,
        documents,
    }))
}
