//! Conversions between stored text and the core types.
//!
//! Statements and envelopes are stored as the JSON clients sent; keys in their text forms. A
//! value that does not decode was written by us, so decoding failures are internal errors,
//! except on the read paths of a document's own records ([`document_json`]): there a row
//! changed by hand must not take the rest of its case, or an audit, down with it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use vault_core::keys::{PublicKey, VerifyingKey};

use crate::error::{ApiError, ApiResult};

/// Serialises a value for a TEXT column.
pub fn to_json<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// Reads a value from a TEXT column.
pub fn from_json<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    serde_json::from_str(text).map_err(ApiError::internal)
}

/// The stored record a [`document_json`] value belongs to, named in the log.
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    /// A document's own record, or a share of it: its id.
    Document(&'a str),
    /// A case's record: its id.
    Case(&'a str),
}

/// Reads `field`, stored JSON of `record`, on a path members or auditors read: a value that
/// does not decode was changed outside the server, which is said once, at error level, with
/// the record's id and where the JSON stops reading (never its text), and answered 409
/// `document_damaged` for the caller to tell the platform's operator.
pub fn document_json<T: DeserializeOwned>(
    text: &str,
    record: Record<'_>,
    field: &'static str,
) -> ApiResult<T> {
    serde_json::from_str(text).map_err(|err| {
        let (kind, column) = (format!("{:?}", err.classify()), err.column());
        let message = "stored JSON of a record does not read: it was changed outside the server";
        match record {
            Record::Document(id) => {
                tracing::error!(document.id = id, field, kind, column, "{message}");
            }
            Record::Case(id) => tracing::error!(case.id = id, field, kind, column, "{message}"),
        }
        ApiError::DocumentDamaged
    })
}

/// Parses a stored id or key.
pub fn parse<T: std::str::FromStr>(text: &str) -> ApiResult<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(ApiError::internal)
}

/// Text form of a signing key (base64, as on the wire).
#[must_use]
pub fn vk_text(key: &VerifyingKey) -> String {
    vault_core::b64::encode(key.as_bytes())
}

/// Parses a stored signing key.
pub fn vk_parse(text: &str) -> ApiResult<VerifyingKey> {
    let bytes = vault_core::b64::decode(text).map_err(ApiError::internal)?;
    VerifyingKey::from_bytes(&bytes).map_err(ApiError::internal)
}

/// Parses a stored age recipient.
pub fn pk_parse(text: &str) -> ApiResult<PublicKey> {
    text.parse().map_err(ApiError::internal)
}

/// Hex of a digest, for TEXT columns.
#[must_use]
pub fn digest_hex(digest: &[u8; 32]) -> String {
    hex::encode(digest)
}

/// Parses a stored hex digest.
pub fn digest_parse(text: &str) -> ApiResult<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(ApiError::internal)?;
    Ok(out)
}
