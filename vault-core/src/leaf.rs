//! Leaves of the append-only log: one per recorded event, kept as the exact bytes hashed.
//!
//! A leaf is compact JSON (so an auditor can read it with any tool) written once by the server
//! in the transaction that makes the change it records, and never re-encoded: the bytes stored
//! are the bytes hashed with [`crate::merkle::leaf_hash`]. It carries the statement the acting
//! client signed, when there is one, so that the log alone says who granted what to whom; the
//! fields outside the statement are the server's own account and are not signed by anyone but
//! the log's checkpoints.

use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, OrgId, UserId};
use crate::keys::{PublicKey, VerifyingKey};
use crate::merkle::{leaf_hash, Hash};
use crate::statement::SignedStatement;

/// Upper bound on one leaf's bytes.
pub const MAX_LEAF_BYTES: usize = 64 * 1024;
/// The leaf format version written and accepted.
pub const LEAF_VERSION: u8 = 1;

/// Why leaf bytes were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeafError {
    /// More than [`MAX_LEAF_BYTES`].
    #[error("leaf is larger than {MAX_LEAF_BYTES} bytes")]
    TooLarge,
    /// Not the JSON of a version-1 leaf.
    #[error("leaf is not a version 1 log leaf: {0}")]
    Malformed(String),
}

/// Keys published by an event that has no signed statement of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedKeys {
    /// The organisation root signing key fixed at onboarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_signing_key: Option<VerifyingKey>,
    /// A member's encryption key, published at registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<PublicKey>,
    /// A member's signing key, published at registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<VerifyingKey>,
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogLeaf {
    /// Format version, [`LEAF_VERSION`].
    pub v: u8,
    /// Server time of the event, seconds since the Unix epoch.
    pub time: i64,
    /// Dotted action name, such as `document.sealed`.
    pub action: String,
    /// Who acted, if a person did.
    pub actor: Option<UserId>,
    /// The actor's organisation, or the organisation acted on.
    pub org_id: Option<OrgId>,
    /// Kind of object acted on.
    pub object_kind: String,
    /// The object's id.
    pub object_id: String,
    /// The case concerned, if any.
    pub case_id: Option<CaseId>,
    /// The statement the acting client signed for this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<SignedStatement>,
    /// Keys the event published without a statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<PublishedKeys>,
}

impl LogLeaf {
    /// The bytes to store and hash: compact JSON, never containing a newline.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a leaf always serialises")
    }

    /// Reads stored leaf bytes, refusing anything but a version-1 leaf.
    pub fn decode(bytes: &[u8]) -> Result<Self, LeafError> {
        if bytes.len() > MAX_LEAF_BYTES {
            return Err(LeafError::TooLarge);
        }
        let leaf: Self =
            serde_json::from_slice(bytes).map_err(|e| LeafError::Malformed(e.to_string()))?;
        if leaf.v != LEAF_VERSION {
            return Err(LeafError::Malformed(format!("version {}", leaf.v)));
        }
        Ok(leaf)
    }

    /// The Merkle leaf hash of stored bytes.
    #[must_use]
    pub fn hash(bytes: &[u8]) -> Hash {
        leaf_hash(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> LogLeaf {
        LogLeaf {
            v: LEAF_VERSION,
            time: 1_796_000_000,
            action: "org.created".into(),
            actor: None,
            org_id: Some(OrgId::from_uuid(uuid::Uuid::from_bytes([1; 16]))),
            object_kind: "org".into(),
            object_id: "x\ny".into(),
            case_id: None,
            statement: None,
            keys: None,
        }
    }

    #[test]
    fn leaves_round_trip_on_one_line() {
        let bytes = leaf().encode();
        assert!(!bytes.contains(&b'\n'));
        assert_eq!(LogLeaf::decode(&bytes).unwrap(), leaf());
    }

    #[test]
    fn unknown_fields_and_versions_are_refused() {
        let mut value: serde_json::Value = serde_json::from_slice(&leaf().encode()).unwrap();
        value["extra"] = 1.into();
        assert!(LogLeaf::decode(value.to_string().as_bytes()).is_err());
        let v2 = LogLeaf { v: 2, ..leaf() };
        assert!(LogLeaf::decode(&v2.encode()).is_err());
        assert_eq!(
            LogLeaf::decode(&vec![b' '; MAX_LEAF_BYTES + 1]),
            Err(LeafError::TooLarge)
        );
    }
}
