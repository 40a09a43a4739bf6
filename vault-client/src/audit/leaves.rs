//! Reading the log: every leaf parsed, hashed and its statement's signature checked, on every
//! core, with the time each of the three took summed over the threads.
//!
//! Each statement's signature is verified here once; later checks that meet the same statement
//! (an envelope's, a directory certificate, an inventory row's) compare it with the logged one
//! byte for byte instead of verifying it again. Across audits the saved checkpoint plays the
//! same part: leaves below its size whose tree still has its root are the very bytes an
//! earlier audit verified, so their statements are decoded without verifying the signature
//! again (the caller reads the log once more, verifying everything, if that root differs).

use std::time::{Duration, Instant};

use vault_core::ids::{CaseId, OrgId, UserId};
use vault_core::keys::VerifyingKey;
use vault_core::leaf::{LogLeaf, PublishedKeys};
use vault_core::merkle::{leaf_hash, Hash};
use vault_core::statement::{SignedStatement, Statement, StatementError};

use crate::error::Result;

/// A statement as the log holds it, with the outcome of checking its signature.
pub(crate) struct Logged {
    /// SHA-256 of the statement bytes.
    pub(crate) digest: [u8; 32],
    /// Who signed.
    pub(crate) signer: VerifyingKey,
    /// The signature.
    pub(crate) signature: Vec<u8>,
    /// The statement, when the signature and encoding verified.
    pub(crate) verified: std::result::Result<Statement, StatementError>,
}

impl Logged {
    /// Whether `signed` is exactly this statement, signature included.
    pub(crate) fn same_as(&self, signed: &SignedStatement) -> bool {
        self.signer == signed.signer
            && self.signature == signed.signature
            && self.digest == signed.digest()
    }
}

/// What one leaf says.
pub(crate) struct Fact {
    pub(crate) time: i64,
    pub(crate) action: Box<str>,
    pub(crate) actor: Option<UserId>,
    pub(crate) org: Option<OrgId>,
    pub(crate) object_id: Box<str>,
    pub(crate) case: Option<CaseId>,
    pub(crate) statement: Option<Logged>,
    pub(crate) keys: Option<PublishedKeys>,
}

/// The whole log, read.
pub(crate) struct Leaves {
    /// Each leaf's facts, or why it does not parse.
    pub(crate) facts: Vec<std::result::Result<Fact, String>>,
    /// Each leaf's RFC 6962 hash, over the bytes exactly as stored.
    pub(crate) hashes: Vec<Hash>,
    /// Thread-time spent parsing, hashing and verifying.
    pub(crate) parse: Duration,
    pub(crate) hash: Duration,
    pub(crate) verify: Duration,
    /// Signatures verified.
    pub(crate) signatures: u64,
    /// Statements below the trusted size, decoded without verifying their signature again.
    pub(crate) trusted: u64,
}

struct Batch {
    facts: Vec<std::result::Result<Fact, String>>,
    hashes: Vec<Hash>,
    parse: Duration,
    hash: Duration,
    verify: Duration,
    signatures: u64,
    trusted: u64,
}

/// Reads every leaf of `path` on `threads` threads. Signatures of statements in the first
/// `trusted` leaves are not verified (see the module doc for when that is sound).
pub(crate) fn read(path: &std::path::Path, threads: usize, trusted: u64) -> Result<Leaves> {
    let batches =
        super::lines::par_batches(path, threads, |start, lines| batch(start, lines, trusted))?;
    let total: usize = batches.iter().map(|b| b.hashes.len()).sum();
    let mut leaves = Leaves {
        facts: Vec::with_capacity(total),
        hashes: Vec::with_capacity(total),
        parse: Duration::ZERO,
        hash: Duration::ZERO,
        verify: Duration::ZERO,
        signatures: 0,
        trusted: 0,
    };
    for b in batches {
        leaves.facts.extend(b.facts);
        leaves.hashes.extend(b.hashes);
        leaves.parse += b.parse;
        leaves.hash += b.hash;
        leaves.verify += b.verify;
        leaves.signatures += b.signatures;
        leaves.trusted += b.trusted;
    }
    Ok(leaves)
}

fn batch(start: u64, lines: &[&[u8]], trusted: u64) -> Batch {
    let mut b = Batch {
        facts: Vec::with_capacity(lines.len()),
        hashes: Vec::with_capacity(lines.len()),
        parse: Duration::ZERO,
        hash: Duration::ZERO,
        verify: Duration::ZERO,
        signatures: 0,
        trusted: 0,
    };
    for (i, line) in lines.iter().enumerate() {
        let known = start + (i as u64) < trusted;
        let t0 = Instant::now();
        b.hashes.push(leaf_hash(line));
        let t1 = Instant::now();
        let decoded = LogLeaf::decode(line);
        let t2 = Instant::now();
        b.hash += t1 - t0;
        b.parse += t2 - t1;
        let fact = match decoded {
            Ok(leaf) => {
                match (&leaf.statement, known) {
                    (Some(_), true) => b.trusted += 1,
                    (Some(_), false) => b.signatures += 1,
                    (None, _) => {}
                }
                Ok(fact(leaf, known))
            }
            Err(e) => Err(format!("does not parse as a log leaf: {e}")),
        };
        b.verify += t2.elapsed();
        b.facts.push(fact);
    }
    b
}

fn fact(leaf: LogLeaf, known: bool) -> Fact {
    let statement = leaf.statement.map(|signed| Logged {
        digest: signed.digest(),
        verified: if known {
            Statement::decode(&signed.bytes)
        } else {
            signed.verify()
        },
        signer: signed.signer,
        signature: signed.signature,
    });
    Fact {
        time: leaf.time,
        action: leaf.action.into_boxed_str(),
        actor: leaf.actor,
        org: leaf.org_id,
        object_id: leaf.object_id.into_boxed_str(),
        case: leaf.case_id,
        statement,
        keys: leaf.keys,
    }
}
