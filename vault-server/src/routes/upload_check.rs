//! What an upload's bytes are checked against while they arrive, shared by the one-request
//! upload ([`super::upload`]) and the upload in parts ([`super::upload_parts`]): an age v1 header
//! with X25519 stanzas, a byte count within the limit, and at the end a size and SHA-256 that
//! must equal what the signed statement promises.

use ring::digest::{Context, SHA256};
use vault_core::header::{check_header, HeaderCheck, MAX_HEADER_BYTES};
use vault_core::seal::constant_time_eq;

use crate::error::{ApiError, ApiResult};

/// What the signed statement promises about the body.
pub struct Promise {
    /// Exact byte count.
    pub size: u64,
    /// SHA-256 of all bytes.
    pub sha256: [u8; 32],
}

/// Checks made on the body as it arrives, piece by piece.
pub(crate) struct BodyCheck {
    limit: u64,
    count: u64,
    prefix: Vec<u8>,
    header_ok: bool,
    digest: Context,
}

impl BodyCheck {
    /// A check of a body of at most `limit` bytes.
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            limit,
            count: 0,
            prefix: Vec::new(),
            header_ok: false,
            digest: Context::new(&SHA256),
        }
    }

    /// Bytes received so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Takes the next piece: 413 once the count passes the limit, 400 as soon as the header
    /// cannot be an age v1 header with X25519 stanzas.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> ApiResult<()> {
        self.count += chunk.len() as u64;
        if self.count > self.limit {
            tracing::warn!(limit = self.limit, "upload exceeded the size limit");
            return Err(document_too_large(self.limit));
        }
        self.digest.update(chunk);
        if self.header_ok {
            return Ok(());
        }
        let room = (MAX_HEADER_BYTES + 64).saturating_sub(self.prefix.len());
        self.prefix
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        match check_header(&self.prefix) {
            Ok(HeaderCheck::NeedMore) => Ok(()),
            Ok(HeaderCheck::Valid(info)) => {
                info.require_x25519().map_err(|_| not_age())?;
                self.header_ok = true;
                self.prefix = Vec::new();
                Ok(())
            }
            Err(_) => Err(not_age()),
        }
    }

    /// The body is complete: its size and digest, or 400 when no whole header came.
    pub(crate) fn finish(self) -> ApiResult<Received> {
        if !self.header_ok {
            return Err(not_age());
        }
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(self.digest.finish().as_ref());
        Ok(Received {
            size: self.count,
            sha256,
        })
    }
}

/// What the body turned out to be.
pub(crate) struct Received {
    size: u64,
    sha256: [u8; 32],
}

impl Received {
    /// 400 unless the body is exactly what the statement promises.
    pub(crate) fn matches(&self, promise: &Promise) -> ApiResult<()> {
        if self.size != promise.size || !constant_time_eq(&self.sha256, &promise.sha256) {
            tracing::warn!("upload differs from its signed statement");
            return Err(ApiError::BadRequest(
                "the body differs from the signed statement",
            ));
        }
        Ok(())
    }
}

fn not_age() -> ApiError {
    tracing::warn!("upload body is not a well-formed age v1 file");
    ApiError::BadRequest("the body is not a well-formed age v1 file")
}

/// 413 for a sealed document over the server's `max_upload_bytes` (`limit`), whether its
/// statement declares it or its bytes are counted past it.
pub(crate) fn document_too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge {
        what: "the sealed document",
        limit,
    }
}
