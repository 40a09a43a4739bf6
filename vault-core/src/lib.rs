//! Core of the sealed case-file vault: keys, sealing, signed statements and wire types.
//!
//! This crate knows no web framework, database or file system beyond readers and writers. The
//! server and the clients both build on it, so that what one writes the other reads.
//!
//! - [`keys`]: age X25519 encryption keys, Ed25519 signing keys, fingerprints, wrapping.
//! - [`seal`]: streaming seal and open of document bodies, sealed metadata records.
//! - [`header`]: key-less inspection of age headers (upload checks, audits).
//! - [`statement`]: the signed statements and their canonical encoding.
//! - [`leaf`]: the bytes of one log leaf.
//! - [`checkpoint`]: signed checkpoints and witness cosignatures (C2SP formats).
//! - [`merkle`]: the append-only log's RFC 6962 tree, proofs and their checks.
//! - [`trust`]: checking that a signer is a certified member of an organisation.
//! - [`matching`]: the steps of an expression of interest and the score of a possible match.
//! - [`api`]: JSON wire types.
//! - [`ids`]: id newtypes.

pub mod api;
pub mod b64;
pub mod checkpoint;
pub mod header;
pub mod ids;
pub mod keys;
pub mod leaf;
pub mod matching;
pub mod merkle;
pub mod seal;
pub mod statement;
pub mod text;
pub mod trust;
mod twin_digest;

pub use seal::sha256;
