//! The organisation directory, the caller's organisation key envelope and holdings.

use axum::extract::State;
use axum::Json;
use sqlx::AnyConnection;
use vault_core::api::{
    CaseEnvelope, HeldShare, MemberEntry, OrgDirectory, OrgHoldings, OrgKeyEnvelope, OrgSummary,
};
use vault_core::ids::OrgId;
use vault_core::keys::PublicKey;
use vault_core::statement::{Role, SignedStatement};

use crate::auth::{self, Caller};
use crate::db::codec::{document_json, from_json, parse, pk_parse, vk_parse, Record};
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::state::AppState;

type OrgRow = (String, String, Option<String>, Option<String>, Option<i64>);

fn summary(row: OrgRow) -> ApiResult<OrgSummary> {
    let (id, name, root, key, version) = row;
    Ok(OrgSummary {
        org_id: parse(&id)?,
        name,
        root_signing_key: root.as_deref().map(vk_parse).transpose()?,
        org_key: key.as_deref().map(pk_parse).transpose()?,
        org_key_version: version
            .map(u32::try_from)
            .transpose()
            .map_err(ApiError::internal)?,
    })
}

const ORG_COLUMNS: &str = "id, name, root_signing_key, org_key, org_key_version";

/// One organisation's summary, or 404.
pub async fn load_org(conn: &mut AnyConnection, org: OrgId) -> ApiResult<OrgSummary> {
    let row: OrgRow = sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
        .bind(org.to_string())
        .fetch_one(conn)
        .await?;
    summary(row)
}

/// An organisation's current key and version; 409 when it has none yet.
pub async fn current_key(conn: &mut AnyConnection, org: OrgId) -> ApiResult<(PublicKey, u32)> {
    let summary = load_org(conn, org).await?;
    match (summary.org_key, summary.org_key_version) {
        (Some(key), Some(version)) => Ok((key, version)),
        _ => Err(ApiError::Conflict("the organisation has no key yet")),
    }
}

/// `GET /v1/orgs`: every organisation, for any logged-in account.
#[tracing::instrument(name = "GET /v1/orgs", skip_all, fields(user.id = %caller.user_id))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<OrgSummary>>> {
    caller.not_pending()?;
    let rows: Vec<OrgRow> =
        sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY name, id"))
            .fetch_all(state.db.reader())
            .await?;
    Ok(Json(
        rows.into_iter().map(summary).collect::<ApiResult<_>>()?,
    ))
}

/// A member row after one leading text column (the e-mail, or the organisation id).
pub type MemberRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// A member row as stored: id, role, status, encryption key, signing key, certificate.
pub type MemberColumns = (
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// A directory entry from its stored columns; `email` is empty outside the member's own
/// organisation and for auditors.
pub fn member_entry(columns: MemberColumns, email: String) -> ApiResult<MemberEntry> {
    let (id, role, status, enc, sig, cert) = columns;
    Ok(MemberEntry {
        user_id: parse(&id)?,
        email,
        role: role.as_deref().and_then(Role::parse),
        status: auth::parse_status(&status)?,
        encryption_key: pk_parse(&enc)?,
        signing_key: vk_parse(&sig)?,
        certificate: cert.as_deref().map(from_json).transpose()?,
    })
}

/// `GET /v1/orgs/{org_id}/directory`: keys, key history and certificates of an organisation.
#[tracing::instrument(
    name = "GET /v1/orgs/{org_id}/directory",
    skip_all,
    fields(user.id = %caller.user_id, org.id = %org_id),
)]
pub async fn directory(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org_id): ApiPath<OrgId>,
) -> ApiResult<Json<OrgDirectory>> {
    caller.directory_reader()?;
    let mut conn = state.db.reader().acquire().await?;
    let org = load_org(&mut conn, org_id).await?;
    let statements: Vec<(String,)> =
        sqlx::query_as("SELECT statement FROM org_keys WHERE org_id = $1 ORDER BY version")
            .bind(org_id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT email, id, member_role, status, encryption_key, signing_key, certificate \
             FROM users WHERE org_id = $1 AND kind = 'member' ORDER BY created_at, id",
    )
    .bind(org_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let own = caller.org_id == Some(org_id);
    let members = rows
        .into_iter()
        .map(|(email, id, role, status, enc, sig, cert)| {
            let email = if own { email } else { String::new() };
            member_entry((id, role, status, enc, sig, cert), email)
        })
        .collect::<ApiResult<_>>()?;
    let org_key_statements = statements
        .iter()
        .map(|(s,)| from_json::<SignedStatement>(s))
        .collect::<ApiResult<_>>()?;
    Ok(Json(OrgDirectory {
        org,
        org_key_statements,
        members,
    }))
}

/// `GET /v1/orgs/{org_id}/key-envelope`: the caller's wrapped copy of the current org key.
#[tracing::instrument(
    name = "GET /v1/orgs/{org_id}/key-envelope",
    skip_all,
    fields(user.id = %caller.user_id, org.id = %org_id),
)]
pub async fn key_envelope(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org_id): ApiPath<OrgId>,
) -> ApiResult<Json<OrgKeyEnvelope>> {
    let member = caller.member()?;
    if member.org_id != org_id {
        return Err(ApiError::NotFound);
    }
    let mut conn = state.db.reader().acquire().await?;
    let (org_key, version) = current_key(&mut conn, org_id).await?;
    let (envelope,): (String,) = sqlx::query_as(
        "SELECT envelope FROM member_envelopes WHERE org_id = $1 AND user_id = $2 AND version = $3",
    )
    .bind(org_id.to_string())
    .bind(member.user_id.to_string())
    .bind(i64::from(version))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Json(OrgKeyEnvelope {
        version,
        org_key,
        envelope: from_json(&envelope)?,
    }))
}

/// Every case envelope and share envelope an organisation holds; 409 `document_damaged` when
/// one of them was changed outside the server, as a rotation cannot re-wrap it.
pub async fn holdings_of(conn: &mut AnyConnection, org: OrgId) -> ApiResult<OrgHoldings> {
    let (_, version) = current_key(conn, org).await?;
    let cases: Vec<(String, String)> =
        sqlx::query_as("SELECT id, envelope FROM cases WHERE org_id = $1 ORDER BY id")
            .bind(org.to_string())
            .fetch_all(&mut *conn)
            .await?;
    let shares: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT document_id, from_org, envelope FROM shares WHERE to_org = $1 \
         ORDER BY document_id",
    )
    .bind(org.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(OrgHoldings {
        org_key_version: version,
        cases: cases
            .iter()
            .map(|(id, env)| {
                Ok(CaseEnvelope {
                    case_id: parse(id)?,
                    envelope: document_json(env, Record::Case(id), "envelope")?,
                })
            })
            .collect::<ApiResult<_>>()?,
        shares: shares
            .iter()
            .map(|(id, from, env)| {
                Ok(HeldShare {
                    document_id: parse(id)?,
                    from_org: parse(from)?,
                    envelope: document_json(env, Record::Document(id), "share envelope")?,
                })
            })
            .collect::<ApiResult<_>>()?,
    })
}

/// `GET /v1/orgs/{org_id}/holdings` (manager): what a rotation must re-wrap.
#[tracing::instrument(
    name = "GET /v1/orgs/{org_id}/holdings",
    skip_all,
    fields(user.id = %caller.user_id, org.id = %org_id),
)]
pub async fn holdings(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org_id): ApiPath<OrgId>,
) -> ApiResult<Json<OrgHoldings>> {
    let manager = caller.manager()?;
    if manager.org_id != org_id {
        return Err(ApiError::NotFound);
    }
    let mut conn = state.db.reader().acquire().await?;
    Ok(Json(holdings_of(&mut conn, org_id).await?))
}
