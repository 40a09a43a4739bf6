//! The fixed claims of the cross-language vectors: one of every statement kind, each beside
//! the same claim in the browser core's object shape (camelCase fields, ids as text, bytes as
//! hex, u64 as decimal text), so both sides encode it from the same values.

use serde_json::{json, Value};
use vault_core::ids::{CaseId, DocumentId, OrgId, UserId};
use vault_core::keys::{Fingerprint, PublicKey, VerifyingKey};
use vault_core::statement::{Claim, KeyScope, Role};

use super::{key, signing_key, uuid, DOCUMENT_KEY};

/// The fixed ids and keys the claims name.
struct Fixed {
    org: OrgId,
    other: OrgId,
    user: UserId,
    case: CaseId,
    doc: DocumentId,
    recipient: PublicKey,
    fp: Fingerprint,
    signer: VerifyingKey,
}

impl Fixed {
    fn new() -> Self {
        let recipient = key(DOCUMENT_KEY).public_key();
        Self {
            org: OrgId::from_uuid(uuid(1)),
            other: OrgId::from_uuid(uuid(2)),
            user: UserId::from_uuid(uuid(3)),
            case: CaseId::from_uuid(uuid(4)),
            doc: DocumentId::from_uuid(uuid(5)),
            fp: recipient.fingerprint(),
            recipient,
            signer: signing_key().verifying_key(),
        }
    }

    fn fp_hex(&self) -> String {
        hex::encode(self.fp.as_bytes())
    }

    fn signer_fp_hex(&self) -> String {
        hex::encode(self.signer.fingerprint().as_bytes())
    }
}

/// Every claim kind with fixed values, beside the same claim as the JavaScript object shape.
pub(crate) fn claims() -> Vec<(Claim, Value)> {
    let f = Fixed::new();
    let mut all = membership_claims(&f);
    all.extend(document_claims(&f));
    all.extend(case_claims(&f));
    all
}

fn membership_claims(f: &Fixed) -> Vec<(Claim, Value)> {
    vec![
        (
            Claim::OrgKeyPublished {
                org: f.org,
                version: 3,
                key: f.recipient.clone(),
            },
            json!({"kind": "org-key-published", "org": f.org.to_string(), "version": 3,
                   "key": f.recipient.as_str()}),
        ),
        (
            Claim::MemberCertified {
                org: f.org,
                user: f.user,
                role: Role::Practitioner,
                encryption_key: f.recipient.clone(),
                signing_key: f.signer,
            },
            json!({"kind": "member-certified", "org": f.org.to_string(),
                   "user": f.user.to_string(), "role": "practitioner",
                   "encryptionKey": f.recipient.as_str(),
                   "signingKey": hex::encode(f.signer.as_bytes())}),
        ),
        (
            Claim::MemberRemoved {
                org: f.org,
                user: f.user,
            },
            json!({"kind": "member-removed", "org": f.org.to_string(),
                   "user": f.user.to_string()}),
        ),
    ]
}

fn document_claims(f: &Fixed) -> Vec<(Claim, Value)> {
    let (d7, d9) = (hex::encode([7u8; 32]), hex::encode([9u8; 32]));
    vec![
        (
            Claim::DocumentSealed {
                org: f.org,
                case: f.case,
                document: f.doc,
                ciphertext_sha256: [7; 32],
                ciphertext_size: u64::MAX - 1,
                metadata_sha256: [9; 32],
                document_key: f.fp,
            },
            json!({"kind": "document-sealed", "org": f.org.to_string(),
                   "case": f.case.to_string(), "document": f.doc.to_string(),
                   "ciphertextSha256": d7, "ciphertextSize": (u64::MAX - 1).to_string(),
                   "metadataSha256": d9, "documentKey": f.fp_hex()}),
        ),
        (
            Claim::KeyWrapped {
                org: f.org,
                scope: KeyScope::Case(f.case),
                key: f.fp,
                recipient: f.signer.fingerprint(),
                envelope_sha256: [9; 32],
            },
            json!({"kind": "key-wrapped", "org": f.org.to_string(),
                   "scope": {"kind": "case", "id": f.case.to_string()}, "key": f.fp_hex(),
                   "recipient": f.signer_fp_hex(), "envelopeSha256": d9}),
        ),
        (
            Claim::DocumentShared {
                document: f.doc,
                from_org: f.org,
                to_org: f.other,
                to_org_key: f.fp,
                envelope_sha256: [7; 32],
            },
            json!({"kind": "document-shared", "document": f.doc.to_string(),
                   "fromOrg": f.org.to_string(), "toOrg": f.other.to_string(),
                   "toOrgKey": f.fp_hex(), "envelopeSha256": d7}),
        ),
        (
            Claim::ShareRevoked {
                document: f.doc,
                to_org: f.other,
            },
            json!({"kind": "share-revoked", "document": f.doc.to_string(),
                   "toOrg": f.other.to_string()}),
        ),
    ]
}

fn case_claims(f: &Fixed) -> Vec<(Claim, Value)> {
    vec![
        (
            Claim::CaseTransferred {
                case: f.case,
                from_org: f.org,
                to_org: f.other,
                to_org_key: f.fp,
                new_case_key: f.signer.fingerprint(),
                documents: 12,
            },
            json!({"kind": "case-transferred", "case": f.case.to_string(),
                   "fromOrg": f.org.to_string(), "toOrg": f.other.to_string(),
                   "toOrgKey": f.fp_hex(), "newCaseKey": f.signer_fp_hex(), "documents": "12"}),
        ),
        (
            Claim::TransferAccepted {
                case: f.case,
                from_org: f.org,
                to_org: f.other,
                new_case_key: f.fp,
            },
            json!({"kind": "transfer-accepted", "case": f.case.to_string(),
                   "fromOrg": f.org.to_string(), "toOrg": f.other.to_string(),
                   "newCaseKey": f.fp_hex()}),
        ),
    ]
}
