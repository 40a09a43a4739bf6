//! Sealing and opening document bodies and their metadata records, streaming.
//!
//! A body is a standard age file encrypted to the document key; memory use is a fixed buffer
//! whatever the file's size. While sealing, the plaintext and the ciphertext are both hashed
//! as they pass, so the caller learns the ciphertext's SHA-256 (for the signed `document-sealed`
//! statement) without a second read. Opening hashes the ciphertext as it reads and the
//! plaintext as it writes, and checks both at the end; callers write the plaintext to a
//! temporary place and keep it only when [`open`] returns `Ok`. The hashing runs on a second
//! thread, beside the encryption, so both fit in the time of encryption alone on two cores.
//!
//! The name, media type, size and plaintext digest of a document travel in a separate small
//! age file (the *sealed metadata*), so the server never holds a file name in clear.

use std::io::{self, BufRead, Read, Write};
use std::rc::Rc;

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::{self, KeyError, PublicKey, SecretKey};
use crate::twin_digest::{Side, TwinDigest};

/// Size of the buffer that moves data through seal and open.
const BUFFER: usize = 256 * 1024;
/// Upper bound on a sealed metadata record.
pub const MAX_METADATA_BYTES: usize = 8 * 1024;
/// Upper bound on a file name in the metadata record, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 1024;

/// Errors from sealing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// Reading the plaintext or writing the ciphertext failed.
    #[error("I/O error while sealing: {0}")]
    Io(#[from] io::Error),
    /// The metadata record is not acceptable (name too long, say).
    #[error("invalid metadata: {0}")]
    Metadata(&'static str),
    /// A key operation failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Errors from opening; each names the check that failed and never which byte.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Reading the ciphertext or writing the plaintext failed.
    #[error("I/O error while opening: {0}")]
    Io(io::Error),
    /// The file is not an age v1 file this product can read.
    #[error("not a valid age file: the header is malformed")]
    BadHeader,
    /// The document key does not open the file: another document's file, or another key.
    #[error("the document key does not open this file, which may have been swapped for another")]
    NoMatchingKey,
    /// The header MAC failed: the header was changed.
    #[error("integrity check failed: the header was altered")]
    HeaderAltered,
    /// A chunk failed to authenticate, or the file was cut short or extended.
    #[error("integrity check failed: the ciphertext was altered or truncated")]
    PayloadAltered,
    /// The ciphertext's SHA-256 differs from the one in the signed statement.
    #[error("integrity check failed: the ciphertext is not the one that was signed")]
    CiphertextDigest,
    /// The plaintext's SHA-256 or size differs from the sealed metadata.
    #[error("integrity check failed: the plaintext does not match its sealed digest")]
    PlaintextDigest,
    /// The metadata record could not be opened or parsed.
    #[error("the sealed metadata record is invalid")]
    Metadata,
}

/// Name, type, size and digest of a document: sealed, never sent in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMetadata {
    /// The file's name as the practitioner chose it (any Unicode).
    pub file_name: String,
    /// Media type, such as `application/pdf`.
    pub media_type: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext.
    #[serde(with = "crate::b64::digest")]
    pub sha256: [u8; 32],
}

impl DocumentMetadata {
    /// Seals the record to the document key.
    pub fn seal(&self, document_key: &PublicKey) -> Result<Vec<u8>, SealError> {
        if self.file_name.len() > MAX_FILE_NAME_BYTES || self.media_type.len() > 255 {
            return Err(SealError::Metadata("file name or media type too long"));
        }
        let json =
            Zeroizing::new(serde_json::to_vec(self).map_err(|_| SealError::Metadata("json"))?);
        let mut out = Vec::with_capacity(json.len() + 256);
        keys::encrypt_to(&[document_key], &json, &mut out)?;
        Ok(out)
    }

    /// Opens a sealed record with the document key.
    pub fn open(sealed: &[u8], document_key: &SecretKey) -> Result<Self, OpenError> {
        if sealed.len() > MAX_METADATA_BYTES {
            return Err(OpenError::Metadata);
        }
        let mut json = Zeroizing::new(Vec::new());
        keys::decrypt_with(sealed, &[document_key], &mut json).map_err(|_| OpenError::Metadata)?;
        serde_json::from_slice(&json).map_err(|_| OpenError::Metadata)
    }
}

/// What sealing a body produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedBody {
    /// Plaintext bytes read.
    pub plaintext_size: u64,
    /// SHA-256 of the plaintext.
    pub plaintext_sha256: [u8; 32],
    /// Ciphertext bytes written.
    pub ciphertext_size: u64,
    /// SHA-256 of the ciphertext.
    pub ciphertext_sha256: [u8; 32],
}

/// What opening a body found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenedBody {
    /// Plaintext bytes written.
    pub plaintext_size: u64,
    /// SHA-256 of the plaintext.
    pub plaintext_sha256: [u8; 32],
    /// SHA-256 of the ciphertext read.
    pub ciphertext_sha256: [u8; 32],
}

/// The digests a caller expects when opening, from the signed statement and sealed metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct Expected {
    /// From the `document-sealed` statement.
    pub ciphertext_sha256: Option<[u8; 32]>,
    /// From the sealed metadata: size and digest.
    pub plaintext: Option<(u64, [u8; 32])>,
}

/// A writer that counts what passes through and hands it to one side of the digest worker.
struct HashingWriter<W> {
    inner: W,
    digests: Rc<TwinDigest>,
    side: Side,
    count: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digests.update(self.side, &buf[..n])?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that counts what passes through and hands it to one side of the digest worker.
struct HashingReader<R> {
    inner: R,
    digests: Rc<TwinDigest>,
    side: Side,
    count: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digests.update(self.side, &buf[..n])?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Collects both digests once every wrapper holding the worker has been dropped.
fn finish_digests(digests: Rc<TwinDigest>) -> io::Result<([u8; 32], [u8; 32])> {
    Rc::try_unwrap(digests)
        .map_err(|_| io::Error::other("the digests are still in use"))?
        .finish()
}

fn finish(ctx: Context) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// SHA-256 of a byte slice.
#[must_use]
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(bytes);
    finish(ctx)
}

/// Encrypts `plaintext` to `document_key`, writing an age file to `ciphertext`.
///
/// `progress` is called with the plaintext bytes read so far.
pub fn seal<R: Read, W: Write>(
    mut plaintext: R,
    document_key: &PublicKey,
    ciphertext: W,
    mut progress: impl FnMut(u64),
) -> Result<SealedBody, SealError> {
    let encryptor = keys::age_encryptor(&[document_key])?;
    let digests = Rc::new(TwinDigest::start()?);
    let out = HashingWriter {
        inner: ciphertext,
        digests: Rc::clone(&digests),
        side: Side::Ciphertext,
        count: 0,
    };
    let mut writer = encryptor.wrap_output(out)?;
    let mut plain_count = 0u64;
    let mut buf = Zeroizing::new(vec![0u8; BUFFER]);
    loop {
        let n = match plaintext.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        digests.update(Side::Plaintext, &buf[..n])?;
        writer.write_all(&buf[..n])?;
        plain_count += n as u64;
        progress(plain_count);
    }
    let mut out = writer.finish()?;
    out.flush()?;
    let ciphertext_size = out.count;
    drop(out);
    let (plaintext_sha256, ciphertext_sha256) = finish_digests(digests)?;
    Ok(SealedBody {
        plaintext_size: plain_count,
        plaintext_sha256,
        ciphertext_size,
        ciphertext_sha256,
    })
}

/// Decrypts an age file with `document_key`, writing the plaintext to `plaintext`.
///
/// Every check runs before `Ok` is returned: age's header MAC and per-chunk authentication
/// (which also catch truncation and trailing data), then the ciphertext digest and the plaintext
/// size and digest against `expected`. On `Err` the bytes already written must be discarded.
/// `progress` is called with the plaintext bytes written so far.
pub fn open<R: Read, W: Write>(
    ciphertext: R,
    document_key: &SecretKey,
    expected: Expected,
    plaintext: W,
    mut progress: impl FnMut(u64),
) -> Result<OpenedBody, OpenError> {
    let digests = Rc::new(TwinDigest::start().map_err(OpenError::Io)?);
    let hashing = HashingReader {
        inner: ciphertext,
        digests: Rc::clone(&digests),
        side: Side::Ciphertext,
        count: 0,
    };
    let mut input = io::BufReader::with_capacity(BUFFER, hashing);
    let header = read_checked_header(&mut input)?;
    let decryptor = age::Decryptor::new(io::Cursor::new(header).chain(&mut input))
        .map_err(map_decrypt_error)?;
    let identity = document_key.age_identity() as &dyn age::Identity;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(map_decrypt_error)?;
    let mut out = HashingWriter {
        inner: plaintext,
        digests: Rc::clone(&digests),
        side: Side::Plaintext,
        count: 0,
    };
    let mut buf = Zeroizing::new(vec![0u8; BUFFER]);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(OpenError::PayloadAltered)
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(OpenError::PayloadAltered)
            }
            Err(e) => return Err(OpenError::Io(e)),
        };
        out.write_all(&buf[..n]).map_err(OpenError::Io)?;
        progress(out.count);
    }
    out.flush().map_err(OpenError::Io)?;
    drop(reader);
    // Anything after the final chunk has already failed age's checks; draining what is left
    // makes the digest cover every byte that was handed to us.
    io::copy(&mut input, &mut io::sink()).map_err(OpenError::Io)?;
    let plaintext_size = out.count;
    drop((input, out));
    let (plaintext_sha256, ciphertext_sha256) = finish_digests(digests).map_err(OpenError::Io)?;
    let opened = OpenedBody {
        plaintext_size,
        plaintext_sha256,
        ciphertext_sha256,
    };
    if let Some(want) = expected.ciphertext_sha256 {
        if !constant_time_eq(&want, &opened.ciphertext_sha256) {
            return Err(OpenError::CiphertextDigest);
        }
    }
    if let Some((size, digest)) = expected.plaintext {
        if size != opened.plaintext_size || !constant_time_eq(&digest, &opened.plaintext_sha256) {
            return Err(OpenError::PlaintextDigest);
        }
    }
    Ok(opened)
}

/// Reads the header and payload nonce, and applies the same structural checks as the server's
/// upload check (well-formed, X25519 recipients only) before age sees the file: age alone
/// lets a few malformed headers through.
fn read_checked_header<R: BufRead>(input: &mut R) -> Result<Vec<u8>, OpenError> {
    let mut prefix = Vec::with_capacity(512);
    loop {
        let start = prefix.len();
        let limit = (crate::header::MAX_HEADER_BYTES + 1 - start) as u64;
        let n = input
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut prefix)
            .map_err(OpenError::Io)?;
        if n == 0 || prefix.len() > crate::header::MAX_HEADER_BYTES {
            return Err(OpenError::BadHeader);
        }
        if prefix[start..].starts_with(b"--- ") {
            break;
        }
    }
    let mut nonce = [0u8; 16];
    input
        .read_exact(&mut nonce)
        .map_err(|_| OpenError::BadHeader)?;
    prefix.extend_from_slice(&nonce);
    match crate::header::check_header(&prefix) {
        Ok(crate::header::HeaderCheck::Valid(info)) if info.require_x25519().is_ok() => Ok(prefix),
        _ => Err(OpenError::BadHeader),
    }
}

fn map_decrypt_error(e: age::DecryptError) -> OpenError {
    match e {
        age::DecryptError::InvalidMac => OpenError::HeaderAltered,
        age::DecryptError::NoMatchingKeys => OpenError::NoMatchingKey,
        age::DecryptError::DecryptionFailed => OpenError::PayloadAltered,
        age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            OpenError::BadHeader
        }
        age::DecryptError::Io(e) => OpenError::Io(e),
        _ => OpenError::BadHeader,
    }
}

/// Compares two digests without an early exit.
#[must_use]
pub fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
