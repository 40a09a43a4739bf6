//! The router: every route, its handler, and the body limits.
//!
//! JSON routes keep a 16 MiB body bound (enough for a rotation or transfer re-wrapping
//! thousands of keys); only the document upload and the parts of an upload in parts lift it,
//! because they enforce their own limits as they read.

pub mod admin;
pub mod audit;
pub mod audit_data;
pub mod cases;
pub mod documents;
pub mod keystore;
pub mod log;
pub mod log_vkey;
pub mod members;
pub mod ops;
pub mod orgs;
pub mod paced;
pub mod register;
pub mod rotation;
pub mod session;
pub mod shares;
pub mod transfer_outcome;
pub mod transfers;
pub mod upload;
pub mod upload_check;
pub mod upload_open;
pub mod upload_parts;
pub mod upload_row;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Body bound of the JSON routes.
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

/// Builds the API router.
pub fn router(state: AppState) -> Router {
    let documents =
        get(documents::list).merge(post(upload::upload).layer(DefaultBodyLimit::disable()));
    Router::new()
        .route("/healthz", get(session::health))
        .route("/readyz", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/v1/auth/login", post(session::login))
        .route("/v1/auth/logout", post(session::logout))
        .route("/v1/me", get(session::me))
        .route(
            "/v1/me/keystore",
            get(keystore::fetch).put(keystore::replace),
        )
        .route("/v1/orgs", post(admin::create_org).get(orgs::list))
        .route("/v1/admin/auditors", post(admin::create_auditor))
        .route("/v1/orgs/{org_id}/directory", get(orgs::directory))
        .route("/v1/orgs/{org_id}/key-envelope", get(orgs::key_envelope))
        .route("/v1/orgs/{org_id}/holdings", get(orgs::holdings))
        .route("/v1/register", post(register::register))
        .route(
            "/v1/orgs/{org_id}/members/{user_id}/approve",
            post(members::approve),
        )
        .route(
            "/v1/orgs/{org_id}/members/{user_id}/remove",
            post(members::remove),
        )
        .route("/v1/cases", post(cases::create).get(cases::list))
        .route("/v1/cases/{case_id}", get(cases::show))
        .route("/v1/cases/{case_id}/documents", documents)
        .route("/v1/cases/{case_id}/uploads", post(upload_parts::start))
        .route(
            "/v1/uploads/{upload_id}/parts/{n}",
            put(upload_parts::put_part).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/uploads/{upload_id}/finish", post(upload_parts::finish))
        .route("/v1/uploads/{upload_id}", delete(upload_parts::cancel))
        .route("/v1/cases/{case_id}/transfers", post(transfers::offer))
        .route("/v1/documents/{document_id}", get(documents::show))
        .route("/v1/documents/{document_id}/body", get(documents::body))
        .route(
            "/v1/documents/{document_id}/shares",
            post(shares::create).get(shares::list),
        )
        .route(
            "/v1/documents/{document_id}/shares/{org_id}/revoke",
            post(shares::revoke),
        )
        .route("/v1/shared", get(shares::shared_with_me))
        .route("/v1/transfers", get(transfers::list))
        .route(
            "/v1/transfers/{transfer_id}/accept",
            post(transfers::accept),
        )
        .route(
            "/v1/transfers/{transfer_id}/withdraw",
            post(transfer_outcome::withdraw),
        )
        .route(
            "/v1/transfers/{transfer_id}/decline",
            post(transfer_outcome::decline),
        )
        .route("/v1/audit/events", get(audit::events))
        .route("/v1/audit/inventory", get(audit::inventory))
        .route("/v1/audit/directory", get(audit::directory))
        .route("/v1/audit/envelopes", get(audit::envelopes))
        .route("/v1/audit/access", get(audit::access))
        .route("/v1/audit/objects/{document_id}", get(audit::object))
        .route("/v1/log/key", get(log_vkey::key))
        .route("/v1/log/checkpoint", get(log::checkpoint))
        .route("/v1/log/checkpoints", get(log::checkpoints))
        .route("/v1/log/proof/inclusion", get(log::inclusion))
        .route("/v1/log/proof/consistency", get(log::consistency))
        .route("/v1/log/leaves", get(log::leaves))
        .route("/v1/log/by-statement/{sha256}", get(log::by_statement))
        .route("/v1/log/cosignatures", post(log::cosign))
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::origin::same_origin_posts,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::access::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::headers::secure,
        ))
        .with_state(state)
}

/// 404 in the API's JSON shape under `/v1`, as a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if crate::web::is_api_path(uri.path()) {
        ApiError::NotFound.into_response()
    } else {
        crate::web::page::PageError::NotFound.into_response()
    }
}

/// 405 in the API's JSON shape under `/v1`, as a page elsewhere.
async fn method_not_allowed(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if crate::web::is_api_path(uri.path()) {
        ApiError::MethodNotAllowed.into_response()
    } else {
        crate::web::page::PageError::MethodNotAllowed.into_response()
    }
}
