//! Known-answer tests of the canonical statement encoding: the bytes kept in
//! `tests/vectors/` are what a signature covers, so any change to the encoding shows up here.

use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_core::keys::Fingerprint;
use vault_core::statement::{Claim, KeyScope, Statement};

fn id(n: u8) -> uuid::Uuid {
    uuid::Uuid::from_bytes([n; 16])
}

fn vectors() -> Vec<(&'static str, Statement)> {
    vec![
        (
            "document-sealed",
            Statement {
                issued_at: 1_796_000_000,
                claim: Claim::DocumentSealed {
                    org: OrgId::from_uuid(id(1)),
                    case: CaseId::from_uuid(id(2)),
                    document: DocumentId::from_uuid(id(3)),
                    ciphertext_sha256: [0xaa; 32],
                    ciphertext_size: 65_537,
                    metadata_sha256: [0xbb; 32],
                    document_key: Fingerprint::from_bytes([0xcc; 16]),
                },
            },
        ),
        (
            "key-wrapped",
            Statement {
                issued_at: 1_796_000_001,
                claim: Claim::KeyWrapped {
                    org: OrgId::from_uuid(id(1)),
                    scope: KeyScope::Case(CaseId::from_uuid(id(2))),
                    key: Fingerprint::from_bytes([0x11; 16]),
                    recipient: Fingerprint::from_bytes([0x22; 16]),
                    envelope_sha256: [0x33; 32],
                },
            },
        ),
        (
            "case-transferred",
            Statement {
                issued_at: 1_796_000_002,
                claim: Claim::CaseTransferred {
                    case: CaseId::from_uuid(id(2)),
                    from_org: OrgId::from_uuid(id(1)),
                    to_org: OrgId::from_uuid(id(4)),
                    to_org_key: Fingerprint::from_bytes([0x44; 16]),
                    new_case_key: Fingerprint::from_bytes([0x55; 16]),
                    documents: 1000,
                },
            },
        ),
    ]
}

#[test]
fn encodings_match_the_kept_vectors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    for (name, statement) in vectors() {
        let path = dir.join(format!("statement-{name}.hex"));
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path:?}"));
        assert_eq!(hex::encode(statement.encode()), want.trim(), "{name}");
        assert_eq!(
            Statement::decode(&hex::decode(want.trim()).unwrap()).unwrap(),
            statement
        );
    }
}
