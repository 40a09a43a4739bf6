//! Signed statements: what a client asserts to the platform, in a canonical byte form.
//!
//! A statement is encoded as the domain tag `case-vault statement v1` and a NUL byte, the
//! statement's kind as a length-prefixed name, the time it was issued (seconds since the Unix
//! epoch, u64 big-endian), then its fields in a fixed order. Ids, fingerprints and digests are
//! their raw bytes at fixed lengths; numbers are big-endian; text is a u32 big-endian length then
//! UTF-8. There is exactly one encoding of each statement, and decoding refuses anything else
//! (a short field, a long field, trailing bytes), so a signature over the bytes is a signature
//! over the meaning. The signer signs those bytes with Ed25519.
//!
//! The server stores statements and hands them back; it never needs to trust them. A receiving
//! organisation or an auditor verifies each one against the signer's certified key.

use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, DocumentId, OrgId, UserId};
use crate::keys::{Fingerprint, PublicKey, SigningKey, VerifyingKey};

const DOMAIN: &[u8] = b"case-vault statement v1\0";
/// Upper bound on an encoded statement; the largest real one is well under 300 bytes.
pub const MAX_STATEMENT_BYTES: usize = 4096;

/// Errors from decoding or verifying a statement.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatementError {
    /// The Ed25519 signature does not verify over the statement bytes with the named signer.
    #[error("statement signature is invalid")]
    BadSignature,
    /// The bytes are not a canonical statement encoding.
    #[error("statement encoding is invalid: {0}")]
    Malformed(&'static str),
    /// The statement verified, but is not the kind or does not say what was expected.
    #[error("statement does not match: {0}")]
    Mismatch(&'static str),
}

/// A member's role inside an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Approves members, transfers cases, rotates the organisation key.
    Manager,
    /// Seals, opens and shares documents in the organisation's cases.
    Practitioner,
}

impl Role {
    /// The role's name as used on the wire and in statements.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Practitioner => "practitioner",
        }
    }

    /// Parses a role name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "manager" => Some(Self::Manager),
            "practitioner" => Some(Self::Practitioner),
            _ => None,
        }
    }
}

/// Which kind of object a wrapped key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyScope {
    /// An organisation key (the id is the organisation's).
    Org(OrgId),
    /// A case key.
    Case(CaseId),
    /// A document key.
    Document(DocumentId),
}

/// What a statement asserts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// An organisation publishes (or rotates to) an encryption key.
    OrgKeyPublished {
        /// The organisation.
        org: OrgId,
        /// Starts at 1 and grows by one at each rotation.
        version: u32,
        /// The organisation's new public encryption key.
        key: PublicKey,
    },
    /// A manager (or, for the first manager, the organisation root key) vouches for a member's
    /// keys and role.
    MemberCertified {
        /// The organisation.
        org: OrgId,
        /// The member.
        user: UserId,
        /// The role granted.
        role: Role,
        /// The member's encryption key.
        encryption_key: PublicKey,
        /// The member's signing key.
        signing_key: VerifyingKey,
    },
    /// A manager removes a member.
    MemberRemoved {
        /// The organisation.
        org: OrgId,
        /// The member removed.
        user: UserId,
    },
    /// A member sealed a ciphertext into a case.
    DocumentSealed {
        /// The organisation that owned the case at sealing time.
        org: OrgId,
        /// The case.
        case: CaseId,
        /// The document.
        document: DocumentId,
        /// SHA-256 of the whole age file stored as the body.
        ciphertext_sha256: [u8; 32],
        /// Length of that age file in bytes.
        ciphertext_size: u64,
        /// SHA-256 of the sealed metadata record.
        metadata_sha256: [u8; 32],
        /// Fingerprint of the document key the body is encrypted to.
        document_key: Fingerprint,
    },
    /// A member wrapped a key to a recipient.
    KeyWrapped {
        /// The organisation of the member who wrapped it.
        org: OrgId,
        /// The object whose key was wrapped.
        scope: KeyScope,
        /// Fingerprint of the key inside the envelope.
        key: Fingerprint,
        /// Fingerprint of the recipient it is wrapped to.
        recipient: Fingerprint,
        /// SHA-256 of the envelope (the age file holding the wrapped key).
        envelope_sha256: [u8; 32],
    },
    /// A member shared one document with another organisation.
    DocumentShared {
        /// The document.
        document: DocumentId,
        /// The organisation sharing it.
        from_org: OrgId,
        /// The organisation receiving it.
        to_org: OrgId,
        /// Fingerprint of the receiving organisation's key the document key was wrapped to.
        to_org_key: Fingerprint,
        /// SHA-256 of that envelope.
        envelope_sha256: [u8; 32],
    },
    /// A member revoked a share.
    ShareRevoked {
        /// The document.
        document: DocumentId,
        /// The organisation that loses access.
        to_org: OrgId,
    },
    /// A manager offers a case, with a fresh case key, to another organisation.
    CaseTransferred {
        /// The case.
        case: CaseId,
        /// The sending organisation.
        from_org: OrgId,
        /// The receiving organisation.
        to_org: OrgId,
        /// Fingerprint of the receiving organisation key the new case key is wrapped to.
        to_org_key: Fingerprint,
        /// Fingerprint of the new case key.
        new_case_key: Fingerprint,
        /// Number of documents whose keys were re-wrapped under the new case key.
        documents: u64,
    },
    /// A manager of the receiving organisation accepts a transfer.
    TransferAccepted {
        /// The case.
        case: CaseId,
        /// The sending organisation.
        from_org: OrgId,
        /// The receiving organisation.
        to_org: OrgId,
        /// Fingerprint of the new case key.
        new_case_key: Fingerprint,
    },
}

/// A claim with the time it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Seconds since the Unix epoch, as the signer's clock said.
    pub issued_at: u64,
    /// What is asserted.
    pub claim: Claim,
}

impl Statement {
    /// A statement issued now.
    #[must_use]
    pub fn now(claim: Claim) -> Self {
        let issued_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self { issued_at, claim }
    }

    /// The kind's name, as encoded.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match &self.claim {
            Claim::OrgKeyPublished { .. } => "org-key-published",
            Claim::MemberCertified { .. } => "member-certified",
            Claim::MemberRemoved { .. } => "member-removed",
            Claim::DocumentSealed { .. } => "document-sealed",
            Claim::KeyWrapped { .. } => "key-wrapped",
            Claim::DocumentShared { .. } => "document-shared",
            Claim::ShareRevoked { .. } => "share-revoked",
            Claim::CaseTransferred { .. } => "case-transferred",
            Claim::TransferAccepted { .. } => "transfer-accepted",
        }
    }

    /// The canonical bytes that are signed.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(256));
        w.0.extend_from_slice(DOMAIN);
        w.text(self.kind());
        w.u64(self.issued_at);
        write_claim(&self.claim, &mut w);
        w.0
    }

    /// Parses canonical bytes; anything but the exact encoding of a statement is refused.
    pub fn decode(bytes: &[u8]) -> Result<Self, StatementError> {
        if bytes.len() > MAX_STATEMENT_BYTES {
            return Err(StatementError::Malformed("too long"));
        }
        let rest = bytes
            .strip_prefix(DOMAIN)
            .ok_or(StatementError::Malformed("domain tag"))?;
        let mut r = Reader(rest);
        let kind = r.text()?;
        let issued_at = r.u64()?;
        let claim = read_claim(&kind, &mut r)?;
        if !r.0.is_empty() {
            return Err(StatementError::Malformed("trailing bytes"));
        }
        let statement = Self { issued_at, claim };
        // Text fields could in principle hold a non-canonical spelling (say, an upper-case
        // recipient); re-encoding proves there is one encoding per statement.
        if statement.encode() != bytes {
            return Err(StatementError::Malformed("not canonical"));
        }
        Ok(statement)
    }

    /// Signs the canonical bytes.
    #[must_use]
    pub fn sign(&self, key: &SigningKey) -> SignedStatement {
        let bytes = self.encode();
        let signature = key.sign(&bytes);
        SignedStatement {
            bytes,
            signer: key.verifying_key(),
            signature: signature.to_vec(),
        }
    }
}

/// A statement as carried on the wire and stored: its exact bytes, who signed, the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedStatement {
    /// The canonical encoding (base64 on the wire).
    #[serde(rename = "statement", with = "crate::b64::bytes")]
    pub bytes: Vec<u8>,
    /// The signer's Ed25519 public key (base64).
    pub signer: VerifyingKey,
    /// The 64-byte Ed25519 signature (base64).
    #[serde(with = "crate::b64::bytes")]
    pub signature: Vec<u8>,
}

impl SignedStatement {
    /// Checks the signature against `signer`, then decodes the statement.
    ///
    /// This says only that `signer` signed it; whether `signer` is a certified member
    /// allowed to say so is for the caller to check (see [`crate::trust`]).
    pub fn verify(&self) -> Result<Statement, StatementError> {
        if self.bytes.len() > MAX_STATEMENT_BYTES || self.signature.len() != 64 {
            return Err(StatementError::BadSignature);
        }
        if !self.signer.verify(&self.bytes, &self.signature) {
            return Err(StatementError::BadSignature);
        }
        Statement::decode(&self.bytes)
    }

    /// SHA-256 of the canonical bytes: a stable name for this statement.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        crate::sha256(&self.bytes)
    }
}

/// Appends a claim's fields in their fixed order.
// One arm per kind keeps the whole layout in one place, next to `read_claim`.
#[allow(clippy::too_many_lines)]
fn write_claim(claim: &Claim, w: &mut Writer) {
    match claim {
        Claim::OrgKeyPublished { org, version, key } => {
            w.raw(org.as_bytes());
            w.u32(*version);
            w.text(key.as_str());
        }
        Claim::MemberCertified {
            org,
            user,
            role,
            encryption_key,
            signing_key,
        } => {
            w.raws(&[org.as_bytes(), user.as_bytes()]);
            w.text(role.as_str());
            w.text(encryption_key.as_str());
            w.raw(signing_key.as_bytes());
        }
        Claim::MemberRemoved { org, user } => {
            w.raws(&[org.as_bytes(), user.as_bytes()]);
        }
        Claim::DocumentSealed {
            org,
            case,
            document,
            ciphertext_sha256,
            ciphertext_size,
            metadata_sha256,
            document_key,
        } => {
            w.raws(&[
                org.as_bytes(),
                case.as_bytes(),
                document.as_bytes(),
                ciphertext_sha256,
            ]);
            w.u64(*ciphertext_size);
            w.raws(&[metadata_sha256, document_key.as_bytes()]);
        }
        Claim::KeyWrapped {
            org,
            scope,
            key,
            recipient,
            envelope_sha256,
        } => {
            w.raw(org.as_bytes());
            let (tag, id) = match scope {
                KeyScope::Org(id) => ("org", id.as_bytes()),
                KeyScope::Case(id) => ("case", id.as_bytes()),
                KeyScope::Document(id) => ("document", id.as_bytes()),
            };
            w.text(tag);
            w.raws(&[id, key.as_bytes(), recipient.as_bytes(), envelope_sha256]);
        }
        Claim::DocumentShared {
            document,
            from_org,
            to_org,
            to_org_key,
            envelope_sha256,
        } => {
            w.raws(&[
                document.as_bytes(),
                from_org.as_bytes(),
                to_org.as_bytes(),
                to_org_key.as_bytes(),
                envelope_sha256,
            ]);
        }
        Claim::ShareRevoked { document, to_org } => {
            w.raws(&[document.as_bytes(), to_org.as_bytes()]);
        }
        Claim::CaseTransferred {
            case,
            from_org,
            to_org,
            to_org_key,
            new_case_key,
            documents,
        } => {
            w.raws(&[
                case.as_bytes(),
                from_org.as_bytes(),
                to_org.as_bytes(),
                to_org_key.as_bytes(),
                new_case_key.as_bytes(),
            ]);
            w.u64(*documents);
        }
        Claim::TransferAccepted {
            case,
            from_org,
            to_org,
            new_case_key,
        } => {
            w.raws(&[
                case.as_bytes(),
                from_org.as_bytes(),
                to_org.as_bytes(),
                new_case_key.as_bytes(),
            ]);
        }
    }
}

/// Reads a claim's fields for the kind named.
fn read_claim(kind: &str, r: &mut Reader<'_>) -> Result<Claim, StatementError> {
    let claim = match kind {
        "org-key-published" => Claim::OrgKeyPublished {
            org: OrgId::from_uuid(r.uuid()?),
            version: r.u32()?,
            key: r
                .text()?
                .parse()
                .map_err(|_| StatementError::Malformed("public key"))?,
        },
        "member-certified" => Claim::MemberCertified {
            org: OrgId::from_uuid(r.uuid()?),
            user: UserId::from_uuid(r.uuid()?),
            role: Role::parse(&r.text()?).ok_or(StatementError::Malformed("role"))?,
            encryption_key: r
                .text()?
                .parse()
                .map_err(|_| StatementError::Malformed("public key"))?,
            signing_key: VerifyingKey::from_bytes(&r.array::<32>()?)
                .map_err(|_| StatementError::Malformed("signing key"))?,
        },
        "member-removed" => Claim::MemberRemoved {
            org: OrgId::from_uuid(r.uuid()?),
            user: UserId::from_uuid(r.uuid()?),
        },
        "document-sealed" => Claim::DocumentSealed {
            org: OrgId::from_uuid(r.uuid()?),
            case: CaseId::from_uuid(r.uuid()?),
            document: DocumentId::from_uuid(r.uuid()?),
            ciphertext_sha256: r.array()?,
            ciphertext_size: r.u64()?,
            metadata_sha256: r.array()?,
            document_key: Fingerprint::from_bytes(r.array()?),
        },
        "key-wrapped" => {
            let org = OrgId::from_uuid(r.uuid()?);
            let tag = r.text()?;
            let id = r.uuid()?;
            let scope = match tag.as_str() {
                "org" => KeyScope::Org(OrgId::from_uuid(id)),
                "case" => KeyScope::Case(CaseId::from_uuid(id)),
                "document" => KeyScope::Document(DocumentId::from_uuid(id)),
                _ => return Err(StatementError::Malformed("key scope")),
            };
            Claim::KeyWrapped {
                org,
                scope,
                key: Fingerprint::from_bytes(r.array()?),
                recipient: Fingerprint::from_bytes(r.array()?),
                envelope_sha256: r.array()?,
            }
        }
        "document-shared" => Claim::DocumentShared {
            document: DocumentId::from_uuid(r.uuid()?),
            from_org: OrgId::from_uuid(r.uuid()?),
            to_org: OrgId::from_uuid(r.uuid()?),
            to_org_key: Fingerprint::from_bytes(r.array()?),
            envelope_sha256: r.array()?,
        },
        "share-revoked" => Claim::ShareRevoked {
            document: DocumentId::from_uuid(r.uuid()?),
            to_org: OrgId::from_uuid(r.uuid()?),
        },
        "case-transferred" => Claim::CaseTransferred {
            case: CaseId::from_uuid(r.uuid()?),
            from_org: OrgId::from_uuid(r.uuid()?),
            to_org: OrgId::from_uuid(r.uuid()?),
            to_org_key: Fingerprint::from_bytes(r.array()?),
            new_case_key: Fingerprint::from_bytes(r.array()?),
            documents: r.u64()?,
        },
        "transfer-accepted" => Claim::TransferAccepted {
            case: CaseId::from_uuid(r.uuid()?),
            from_org: OrgId::from_uuid(r.uuid()?),
            to_org: OrgId::from_uuid(r.uuid()?),
            new_case_key: Fingerprint::from_bytes(r.array()?),
        },
        _ => return Err(StatementError::Malformed("unknown kind")),
    };
    Ok(claim)
}

struct Writer(Vec<u8>);

impl Writer {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    fn raws(&mut self, parts: &[&[u8]]) {
        for part in parts {
            self.raw(part);
        }
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn text(&mut self, s: &str) {
        // Every text field is a short name or a public key; MAX_STATEMENT_BYTES bounds them.
        self.u32(u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], StatementError> {
        if self.0.len() < n {
            return Err(StatementError::Malformed("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], StatementError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn uuid(&mut self) -> Result<uuid::Uuid, StatementError> {
        Ok(uuid::Uuid::from_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, StatementError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, StatementError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn text(&mut self) -> Result<String, StatementError> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| StatementError::Malformed("utf-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn sealed() -> Statement {
        Statement::now(Claim::DocumentSealed {
            org: OrgId::new(),
            case: CaseId::new(),
            document: DocumentId::new(),
            ciphertext_sha256: [7; 32],
            ciphertext_size: 1234,
            metadata_sha256: [9; 32],
            document_key: SecretKey::generate().fingerprint(),
        })
    }

    #[test]
    fn sign_verify_round_trip_for_every_kind() {
        let key = SigningKey::generate().unwrap();
        let member = SigningKey::generate().unwrap();
        let fp = SecretKey::generate().fingerprint();
        let claims = vec![
            Claim::OrgKeyPublished {
                org: OrgId::new(),
                version: 3,
                key: SecretKey::generate().public_key(),
            },
            Claim::MemberCertified {
                org: OrgId::new(),
                user: UserId::new(),
                role: Role::Practitioner,
                encryption_key: SecretKey::generate().public_key(),
                signing_key: member.verifying_key(),
            },
            Claim::MemberRemoved {
                org: OrgId::new(),
                user: UserId::new(),
            },
            sealed().claim,
            Claim::KeyWrapped {
                org: OrgId::new(),
                scope: KeyScope::Case(CaseId::new()),
                key: fp,
                recipient: fp,
                envelope_sha256: [1; 32],
            },
            Claim::DocumentShared {
                document: DocumentId::new(),
                from_org: OrgId::new(),
                to_org: OrgId::new(),
                to_org_key: fp,
                envelope_sha256: [2; 32],
            },
            Claim::ShareRevoked {
                document: DocumentId::new(),
                to_org: OrgId::new(),
            },
            Claim::CaseTransferred {
                case: CaseId::new(),
                from_org: OrgId::new(),
                to_org: OrgId::new(),
                to_org_key: fp,
                new_case_key: fp,
                documents: 7,
            },
            Claim::TransferAccepted {
                case: CaseId::new(),
                from_org: OrgId::new(),
                to_org: OrgId::new(),
                new_case_key: fp,
            },
        ];
        for claim in claims {
            let statement = Statement::now(claim);
            let signed = statement.sign(&key);
            assert_eq!(signed.verify().unwrap(), statement);
            let json = serde_json::to_string(&signed).unwrap();
            let back: SignedStatement = serde_json::from_str(&json).unwrap();
            assert_eq!(back.verify().unwrap(), statement);
        }
    }

    #[test]
    fn every_byte_change_is_rejected() {
        let key = SigningKey::generate().unwrap();
        let signed = sealed().sign(&key);
        for i in 0..signed.bytes.len() {
            let mut changed = signed.clone();
            changed.bytes[i] ^= 0x01;
            assert_eq!(
                changed.verify(),
                Err(StatementError::BadSignature),
                "byte {i}"
            );
        }
        let mut other_signer = signed.clone();
        other_signer.signer = SigningKey::generate().unwrap().verifying_key();
        assert_eq!(other_signer.verify(), Err(StatementError::BadSignature));
    }

    #[test]
    fn decode_refuses_trailing_and_truncated_bytes() {
        let bytes = sealed().encode();
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Statement::decode(&longer),
            Err(StatementError::Malformed("trailing bytes"))
        );
        assert_eq!(
            Statement::decode(&bytes[..bytes.len() - 1]),
            Err(StatementError::Malformed("truncated"))
        );
        assert!(Statement::decode(b"something else").is_err());
    }
}
