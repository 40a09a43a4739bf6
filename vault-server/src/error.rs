//! The one error type of the API and its JSON shape.
//!
//! Every failure a handler returns is an [`ApiError`]; it becomes
//! `{"error":{"code":"...","message":"..."}}` ([`vault_core::api::ErrorBody`]). Client-side
//! failures carry a fixed sentence written here, never input echoed back or a secret; server-side
//! failures carry a generic sentence and their detail is logged once, where the response is made.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use vault_core::api::{ErrorBody, ErrorDetail};

/// What went wrong, and so which status the client gets.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or fails a check (bad JSON, bad signature, not age).
    #[error("{0}")]
    BadRequest(&'static str),
    /// 401: no token, or an unknown, expired or revoked one.
    #[error("authentication required")]
    Unauthorized,
    /// 401: a login with an e-mail address that has no account or a password that is not
    /// its account's; the sentence does not say which, so it tells nobody who has an account.
    #[error("the e-mail address or the password is wrong")]
    WrongCredentials,
    /// 401: a call with the session cookie but without the header carrying the session's
    /// CSRF token, or with a wrong one; said apart so a client's author sees what is missing.
    #[error(
        "a call with the session cookie needs the X-Vault-Csrf header of the page it came from"
    )]
    SessionHeader,
    /// 403: the caller is known but their role or standing does not allow this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404: no such object, or one the caller's organisation may not see.
    #[error("not found")]
    NotFound,
    /// 404: the document exists but its ciphertext is gone from the object store (data loss).
    #[error("the stored ciphertext of this document is missing")]
    ObjectMissing,
    /// 409: the document's stored record was changed outside the server (its sealed metadata
    /// is not the bytes it was sealed with), so it cannot be handed over; an operator restores
    /// it from a backup.
    #[error(
        "the stored record of this document is damaged: the platform's operator must restore \
         it from a backup"
    )]
    DocumentDamaged,
    /// 405: the route exists but not with this method.
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    /// 409: the id is taken, or the request conflicts with the current state.
    #[error("{0}")]
    Conflict(&'static str),
    /// 422: the request is well formed but what it carries is refused (a keystore that is not
    /// a passphrase-locked age file within the limits); the sentence says which rule.
    #[error("{0}")]
    Unprocessable(&'static str),
    /// 413: the body, or the piece of it named by `what`, is larger than the server accepts;
    /// the sentence names the limit it broke, in bytes and in a unit people read.
    #[error("{what} is larger than the limit of {}", limit_words(*.limit))]
    PayloadTooLarge {
        /// What was too large, as the sentence starts: `the manifest`, `the part`.
        what: &'static str,
        /// The largest size accepted, in bytes.
        limit: u64,
    },
    /// 429: too many registrations from this address, or uploads open for this member; the
    /// sentence says what to do.
    #[error("{0}")]
    TooManyRequests(&'static str),
    /// 429 with `Retry-After`: too many failed logins for this account or from this address;
    /// a login is checked again after `retry_after_secs`.
    #[error(
        "too many failed logins for this account or from this address; try again in {}",
        minutes(*.retry_after_secs)
    )]
    LoginThrottled {
        /// Seconds until a login for the account and from the address is checked again.
        retry_after_secs: u64,
    },
    /// 500: our fault; the detail is logged, the client sees a generic sentence.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// 503: a dependency is not answering, or the server is shutting down; try again later.
    #[error("{0}")]
    Unavailable(&'static str),
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The HTTP status of this error.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::WrongCredentials | Self::SessionHeader => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound | Self::ObjectMissing => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::DocumentDamaged => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(_) | Self::LoginThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized | Self::WrongCredentials | Self::SessionHeader => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::ObjectMissing => "object_missing",
            Self::DocumentDamaged => "document_damaged",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Unprocessable(_) => "unprocessable",
            Self::TooManyRequests(_) | Self::LoginThrottled { .. } => "too_many_requests",
            Self::Internal(_) => "internal",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// 413 for `what` over the in-memory limit of `limit` bytes.
    #[must_use]
    pub fn too_large(what: &'static str, limit: usize) -> Self {
        Self::PayloadTooLarge {
            what,
            limit: limit as u64,
        }
    }

    /// Wraps any server-side failure.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %format!("{detail:#}"), "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let Self::LoginThrottled { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// A size limit as the 413 sentence gives it: in bytes, and from 1 KiB on also in the largest
/// binary unit it reaches (`65536 bytes (64 KiB)`), to one decimal when not a whole number.
fn limit_words(limit: u64) -> String {
    let Some((name, scale)) = binary_unit(limit) else {
        return format!("{limit} bytes");
    };
    if limit.is_multiple_of(scale) {
        format!("{limit} bytes ({} {name})", limit / scale)
    } else {
        // One decimal is shown, and limits are far below the 2^52 an f64 holds exactly.
        #[allow(clippy::cast_precision_loss)]
        let units = limit as f64 / scale as f64;
        format!("{limit} bytes ({units:.1} {name})")
    }
}

/// The largest binary unit (KiB to TiB) that `bytes` reaches, with its size in bytes; `None`
/// under 1 KiB. The 413 sentences and the pages' document sizes both say sizes in it.
#[must_use]
pub fn binary_unit(bytes: u64) -> Option<(&'static str, u64)> {
    ["KiB", "MiB", "GiB", "TiB"]
        .into_iter()
        .zip([10, 20, 30, 40])
        .take_while(|&(_, shift)| bytes >> shift > 0)
        .last()
        .map(|(name, shift)| (name, 1u64 << shift))
}

/// A wait in whole minutes, rounded up, as a person reads it.
pub(crate) fn minutes(secs: u64) -> String {
    match secs.div_ceil(60) {
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation()
                    || db.is_foreign_key_violation()
                    || db.is_check_violation() =>
            {
                Self::Conflict("the request conflicts with existing data")
            }
            _ => Self::internal(err),
        }
    }
}

impl From<object_store::Error> for ApiError {
    fn from(err: object_store::Error) -> Self {
        Self::internal(err)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            // The router's one body limit of the JSON routes is what a JSON body can exceed.
            Self::too_large("the request body", crate::routes::MAX_JSON_BYTES)
        } else {
            // Only the kind of fault: the rejection's text can quote the body, which may hold a
            // password or a token.
            let reason = match &rejection {
                JsonRejection::JsonSyntaxError(_) => "syntax",
                JsonRejection::JsonDataError(_) => "shape",
                JsonRejection::MissingJsonContentType(_) => "content type",
                _ => "unreadable",
            };
            tracing::warn!(reason, "refused a JSON body");
            Self::BadRequest("the request body is not valid JSON of the expected shape")
        }
    }
}

/// A JSON body whose rejections answer in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
    }
}

/// Path parameters whose rejections (a bad UUID) answer 400 in the API's error shape.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_: PathRejection| {
                // Not the value: a mistyped path can carry an e-mail address or a token.
                tracing::warn!("refused a path");
                ApiError::BadRequest("a path parameter is not a valid id")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{limit_words, minutes};

    #[test]
    fn a_limit_is_said_in_bytes_and_in_the_unit_it_reaches() {
        assert_eq!(limit_words(1000), "1000 bytes");
        assert_eq!(limit_words(64 * 1024), "65536 bytes (64 KiB)");
        assert_eq!(limit_words(8 * 1024 * 1024), "8388608 bytes (8 MiB)");
        assert_eq!(limit_words(4 << 30), "4294967296 bytes (4 GiB)");
        assert_eq!(limit_words(150_000), "150000 bytes (146.5 KiB)");
    }

    #[test]
    fn a_wait_is_said_in_whole_minutes_rounded_up() {
        assert_eq!(minutes(1), "1 minute");
        assert_eq!(minutes(60), "1 minute");
        assert_eq!(minutes(61), "2 minutes");
        assert_eq!(minutes(900), "15 minutes");
    }
}
