//! Conversions between stored text and the core types.
//!
//! Statements and envelopes are stored as the JSON clients sent; keys in their text forms. A
//! value that does not decode was written by us, so decoding failures are internal errors.

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
