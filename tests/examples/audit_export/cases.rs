//! Cases of the generated export: made, filled with sealed documents (objects written to disk),
//! some documents shared, one case in ten transferred and accepted.

use std::path::Path;

use vault_core::api::{DocumentAccessToday, Envelope, InventoryEntry};
use vault_core::ids::{CaseId, DocumentId, OrgId, TransferId};
use vault_core::keys::{PublicKey, SecretKey};
use vault_core::statement::{Claim, KeyScope, Statement};

use crate::people::{envelope, head, Head, Org, Part, Person};
use crate::{DOCS_PER_CASE, PRACTITIONERS};

/// One sealed document: its object written, its leaves, envelope and inventory row.
pub(crate) struct Doc {
    pub(crate) id: DocumentId,
    pub(crate) key: SecretKey,
    /// The document key wrapped to the case key (kept on the document row).
    pub(crate) envelope: Envelope,
    pub(crate) shared_with: Option<OrgId>,
}

pub(crate) fn seal_document(
    objects: &Path,
    (org, case, case_key): (&Org, CaseId, &PublicKey),
    p: &Person,
    n: usize,
    out: &mut Part,
) -> Doc {
    let (id, key) = (DocumentId::new(), SecretKey::generate());
    let body = format!("case note {n}: placement review, contact arrangements, health summary\n")
        .repeat(12);
    let mut sealed = Vec::new();
    let s =
        vault_core::seal::seal(body.as_bytes(), &key.public_key(), &mut sealed, |_| {}).unwrap();
    std::fs::write(objects.join(id.to_string()), &sealed).unwrap();
    let statement = Statement::now(Claim::DocumentSealed {
        org: org.id,
        case,
        document: id,
        ciphertext_sha256: s.ciphertext_sha256,
        ciphertext_size: s.ciphertext_size,
        metadata_sha256: vault_core::sha256(id.as_bytes()),
        document_key: key.fingerprint(),
    })
    .sign(&p.sign);
    let wrapped = envelope(&p.sign, org.id, KeyScope::Document(id), &key, case_key);
    let h = Head {
        case: Some(case),
        ..head(
            "document.sealed",
            "document",
            id.to_string(),
            p.user,
            org.id,
        )
    };
    out.event(h, Some(statement.clone()), &[&wrapped]);
    out.inventory.push(InventoryEntry {
        document_id: id,
        org_id: org.id,
        object_key: id.to_string(),
        ciphertext_size: s.ciphertext_size,
        ciphertext_sha256: s.ciphertext_sha256,
        case_id: case,
        statement,
    });
    Doc {
        id,
        key,
        envelope: wrapped,
        shared_with: None,
    }
}

/// One case: made, filled, some documents shared, every tenth one transferred and accepted.
pub(crate) fn case(objects: &Path, orgs: &[Org], n: usize, out: &mut Part) {
    let (owner, p) = (&orgs[n % orgs.len()], n / orgs.len() % PRACTITIONERS);
    let p = &owner.practitioners[p];
    let (case, case_key) = (CaseId::new(), SecretKey::generate());
    let wrapped = envelope(
        &p.sign,
        owner.id,
        KeyScope::Case(case),
        &case_key,
        &owner.key.public_key(),
    );
    let h = Head {
        case: Some(case),
        ..head("case.created", "case", case.to_string(), p.user, owner.id)
    };
    out.event(h, None, &[&wrapped]);
    let mut case_envelope = wrapped;
    let mut docs = Vec::new();
    for d in 0..DOCS_PER_CASE {
        let mut doc = seal_document(
            objects,
            (owner, case, &case_key.public_key()),
            p,
            n * 8 + d,
            out,
        );
        if d % 4 == 0 {
            let to = &orgs[(n + 1) % orgs.len()];
            share(owner, p, to, case, &mut doc, out);
        }
        docs.push(doc);
    }
    let mut holder = owner.id;
    if n.is_multiple_of(10) {
        let to = &orgs[(n + 2) % orgs.len()];
        case_envelope = transfer(owner, to, case, &mut docs, out);
        holder = to.id;
    }
    out.keep("case", case.to_string(), case_envelope);
    for doc in docs {
        out.keep("document", doc.id.to_string(), doc.envelope);
        let mut orgs: Vec<OrgId> = std::iter::once(holder).chain(doc.shared_with).collect();
        orgs.sort_by_key(ToString::to_string);
        orgs.dedup();
        out.access.push(DocumentAccessToday {
            document_id: doc.id,
            orgs,
        });
    }
    if holder != owner.id {
        for row in out.inventory.iter_mut().rev().take(DOCS_PER_CASE) {
            row.org_id = holder;
        }
    }
}

pub(crate) fn share(
    owner: &Org,
    p: &Person,
    to: &Org,
    case: CaseId,
    doc: &mut Doc,
    out: &mut Part,
) {
    let to_key = to.key.public_key();
    let wrapped = envelope(
        &p.sign,
        owner.id,
        KeyScope::Document(doc.id),
        &doc.key,
        &to_key,
    );
    let statement = Statement::now(Claim::DocumentShared {
        document: doc.id,
        from_org: owner.id,
        to_org: to.id,
        to_org_key: to_key.fingerprint(),
        envelope_sha256: vault_core::sha256(&wrapped.wrapped),
    })
    .sign(&p.sign);
    let h = Head {
        case: Some(case),
        ..head(
            "document.shared",
            "document",
            doc.id.to_string(),
            p.user,
            owner.id,
        )
    };
    out.event(h, Some(statement), &[&wrapped]);
    out.keep("share", format!("{}/{}", doc.id, to.id), wrapped);
    doc.shared_with = Some(to.id);
}

/// Offers the case with a fresh case key and has the receiver accept; returns the case's new
/// envelope. The document rows take the re-wrapped keys, the transfer keeps its copies.
pub(crate) fn transfer(
    from: &Org,
    to: &Org,
    case: CaseId,
    docs: &mut [Doc],
    out: &mut Part,
) -> Envelope {
    let (m, transfer) = (&from.manager, TransferId::new());
    let new_key = SecretKey::generate();
    let to_key = to.key.public_key();
    let case_env = envelope(&m.sign, from.id, KeyScope::Case(case), &new_key, &to_key);
    let doc_envs: Vec<Envelope> = docs
        .iter()
        .map(|d| {
            envelope(
                &m.sign,
                from.id,
                KeyScope::Document(d.id),
                &d.key,
                &new_key.public_key(),
            )
        })
        .collect();
    let offered = Statement::now(Claim::CaseTransferred {
        case,
        from_org: from.id,
        to_org: to.id,
        to_org_key: to_key.fingerprint(),
        new_case_key: new_key.fingerprint(),
        documents: docs.len() as u64,
    })
    .sign(&m.sign);
    let mut all = vec![&case_env];
    all.extend(doc_envs.iter());
    let h = Head {
        case: Some(case),
        ..head(
            "case.transfer_offered",
            "transfer",
            transfer.to_string(),
            m.user,
            from.id,
        )
    };
    out.event(h, Some(offered), &all);
    let accepted = Statement::now(Claim::TransferAccepted {
        case,
        from_org: from.id,
        to_org: to.id,
        new_case_key: new_key.fingerprint(),
    })
    .sign(&to.manager.sign);
    let h = Head {
        case: Some(case),
        ..head(
            "case.transfer_accepted",
            "transfer",
            transfer.to_string(),
            to.manager.user,
            to.id,
        )
    };
    out.event(h, Some(accepted), &[]);
    out.keep("transfer-case", transfer.to_string(), case_env.clone());
    for (d, e) in docs.iter_mut().zip(doc_envs) {
        out.keep(
            "transfer-document",
            format!("{transfer}/{}", d.id),
            e.clone(),
        );
        d.envelope = e;
    }
    case_env
}
