//! The access ledger: for every document, which organisations could open it and from which
//! leaf, derived from the log alone.
//!
//! An organisation can open a document while it owns the document's case (from the sealing,
//! or from accepting a transfer, until it accepts a transfer away), while the document is
//! shared with it (until revoked), and while a transfer of the case is offered to it (the
//! offer already wraps the new case key to it; until accepted, withdrawn or declined). The
//! statements that change this are checked here against the state before them, so a share
//! "from" an organisation that could not open the document is a failure, not a grant.

use std::collections::{BTreeSet, HashMap};

use vault_core::ids::{CaseId, DocumentId, OrgId};
use vault_core::keys::VerifyingKey;
use vault_core::statement::Claim;

use super::leaves::Fact;
use super::replay::LogState;

/// `via` of a grant.
pub(crate) const OWNER: &str = "owner";
pub(crate) const SHARE: &str = "share";
pub(crate) const OFFER: &str = "transfer-offer";

/// A case as the log built it.
pub(crate) struct CaseState {
    pub(crate) owner: OrgId,
    pub(crate) offer: Option<OrgId>,
    pub(crate) documents: Vec<DocumentId>,
}

/// A document as the log built it.
pub(crate) struct DocState {
    pub(crate) case: CaseId,
    /// The leaf of its `document-sealed` statement.
    pub(crate) leaf: u64,
    pub(crate) sha256: [u8; 32],
    pub(crate) size: u64,
    pub(crate) grants: Vec<GrantState>,
}

/// One organisation's access, open while `until` is `None`.
pub(crate) struct GrantState {
    pub(crate) org: OrgId,
    pub(crate) via: &'static str,
    pub(crate) from: u64,
    pub(crate) from_time: i64,
    pub(crate) until: Option<u64>,
}

impl DocState {
    /// Organisations that can open it now.
    pub(crate) fn today(&self) -> BTreeSet<OrgId> {
        self.grants
            .iter()
            .filter(|g| g.until.is_none())
            .map(|g| g.org)
            .collect()
    }

    fn holds(&self, org: OrgId, via: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.org == org && g.via == via && g.until.is_none())
    }

    fn grant(&mut self, org: OrgId, via: &'static str, from: u64, from_time: i64) {
        if !self.holds(org, via) {
            self.grants.push(GrantState {
                org,
                via,
                from,
                from_time,
                until: None,
            });
        }
    }

    /// Ends an open grant; false when there was none.
    fn end(&mut self, org: OrgId, via: &str, at: u64) -> bool {
        let open = self
            .grants
            .iter_mut()
            .find(|g| g.org == org && g.via == via && g.until.is_none());
        open.map(|g| g.until = Some(at)).is_some()
    }
}

/// Cases and documents, in log order.
#[derive(Default)]
pub(crate) struct Ledger {
    pub(crate) cases: HashMap<CaseId, CaseState>,
    pub(crate) documents: HashMap<DocumentId, DocState>,
    /// Documents in the order they were sealed.
    pub(crate) order: Vec<DocumentId>,
}

impl Ledger {
    /// A case key was wrapped: the first wrap of a case creates it, owned by the wrapper's
    /// organisation.
    pub(crate) fn case_key(&mut self, case: CaseId, org: OrgId) {
        self.cases.entry(case).or_insert_with(|| CaseState {
            owner: org,
            offer: None,
            documents: Vec::new(),
        });
    }

    /// Calls `f` on every document of `case`.
    fn each_doc(&mut self, case: CaseId, mut f: impl FnMut(&mut DocState)) {
        let Some(c) = self.cases.get(&case) else {
            return;
        };
        for id in &c.documents {
            if let Some(doc) = self.documents.get_mut(id) {
                f(doc);
            }
        }
    }
}

impl LogState {
    /// A statement that changes who can open what.
    pub(crate) fn ledger_statement(
        &mut self,
        index: u64,
        fact: &Fact,
        signer: &VerifyingKey,
        claim: &Claim,
    ) {
        let outcome = match claim {
            Claim::DocumentSealed { .. } => self.sealed(index, fact, signer, claim),
            Claim::DocumentShared {
                document,
                from_org,
                to_org,
                ..
            } => self.shared(index, fact.time, signer, *document, *from_org, *to_org),
            Claim::ShareRevoked { document, to_org } => {
                self.revoked(index, signer, *document, *to_org)
            }
            Claim::CaseTransferred {
                case,
                from_org,
                to_org,
                documents,
                ..
            } => self.offered(
                index,
                fact.time,
                signer,
                (*case, *from_org, *to_org),
                *documents,
            ),
            Claim::TransferAccepted {
                case,
                from_org,
                to_org,
                ..
            } => self.accepted(index, fact.time, signer, *case, *from_org, *to_org),
            _ => Ok(()),
        };
        if let Err((check, reason)) = outcome {
            self.fail(check, index, reason);
        }
    }

    /// A leaf without a statement: a transfer offer withdrawn or declined ends the offer.
    pub(crate) fn ledger_plain(&mut self, index: u64, fact: &Fact) {
        let closes = matches!(
            &*fact.action,
            "case.transfer_withdrawn" | "case.transfer_declined"
        );
        let Some(case) = fact.case.filter(|_| closes) else {
            return;
        };
        let offer = self
            .ledger
            .cases
            .get_mut(&case)
            .and_then(|c| c.offer.take());
        let Some(to) = offer else {
            let reason = format!("{} of case {case}, which has no waiting offer", fact.action);
            return self.fail("access-ledger", index, reason);
        };
        self.ledger.each_doc(case, |doc| {
            doc.end(to, OFFER, index);
        });
    }

    fn sealed(&mut self, index: u64, fact: &Fact, signer: &VerifyingKey, claim: &Claim) -> Step {
        let Claim::DocumentSealed {
            org,
            case,
            document,
            ciphertext_sha256,
            ciphertext_size,
            ..
        } = claim
        else {
            return Ok(());
        };
        if let Some(first) = self.ledger.documents.get(document) {
            return fail_objects(format!(
                "document {document} sealed again (first at leaf {})",
                first.leaf
            ));
        }
        let Some(c) = self.ledger.cases.get_mut(case) else {
            return fail_objects(format!(
                "document {document} sealed into case {case}, which the log never created"
            ));
        };
        c.documents.push(*document);
        let owner = c.owner;
        let mut doc = DocState {
            case: *case,
            leaf: index,
            sha256: *ciphertext_sha256,
            size: *ciphertext_size,
            grants: Vec::new(),
        };
        doc.grant(owner, OWNER, index, fact.time);
        self.ledger.documents.insert(*document, doc);
        self.ledger.order.push(*document);
        if owner != *org {
            return fail_objects(format!(
                "document {document} sealed for {org} into case {case}, owned by {owner} then"
            ));
        }
        if !self.member_now(*org, signer) {
            return fail_objects(format!(
                "document {document} sealed by {}, not a certified member of {org} then",
                signer.fingerprint()
            ));
        }
        Ok(())
    }

    fn shared(
        &mut self,
        index: u64,
        time: i64,
        signer: &VerifyingKey,
        document: DocumentId,
        from: OrgId,
        to: OrgId,
    ) -> Step {
        if !self.member_now(from, signer) {
            return fail_ledger(format!(
                "share of {document} signed by {}, not a certified member of {from} then",
                signer.fingerprint()
            ));
        }
        let Some(doc) = self.ledger.documents.get_mut(&document) else {
            return fail_ledger(format!("share of {document}, which the log never sealed"));
        };
        if !doc.today().contains(&from) {
            return fail_ledger(format!(
                "share of {document} from {from}, which could not open it then"
            ));
        }
        doc.grant(to, SHARE, index, time);
        Ok(())
    }

    fn revoked(
        &mut self,
        index: u64,
        signer: &VerifyingKey,
        document: DocumentId,
        to: OrgId,
    ) -> Step {
        let Some(doc) = self.ledger.documents.get(&document) else {
            return fail_ledger(format!(
                "revocation for {document}, which the log never sealed"
            ));
        };
        let owners: Vec<OrgId> = doc
            .grants
            .iter()
            .filter(|g| g.via != OFFER && g.until.is_none())
            .map(|g| g.org)
            .collect();
        if !owners.iter().any(|o| self.member_now(*o, signer)) {
            return fail_ledger(format!(
                "revocation for {document} signed by {}, who could not open it then",
                signer.fingerprint()
            ));
        }
        let ended = self
            .ledger
            .documents
            .get_mut(&document)
            .is_some_and(|d| d.end(to, SHARE, index));
        if ended {
            Ok(())
        } else {
            fail_ledger(format!(
                "revokes a share of {document} with {to} that does not exist"
            ))
        }
    }

    fn offered(
        &mut self,
        index: u64,
        time: i64,
        signer: &VerifyingKey,
        (case, from, to): (CaseId, OrgId, OrgId),
        count: u64,
    ) -> Step {
        if !self.manager_now(from, signer) {
            return fail_ledger(format!(
                "offer of case {case} signed by {}, not a manager of {from} then",
                signer.fingerprint()
            ));
        }
        let Some(c) = self.ledger.cases.get_mut(&case) else {
            return fail_ledger(format!("offer of case {case}, which the log never created"));
        };
        if c.owner != from || c.offer.is_some() {
            return fail_ledger(format!(
                "offer of case {case} from {from}: owner then {}, offer waiting: {}",
                c.owner,
                c.offer.is_some()
            ));
        }
        c.offer = Some(to);
        let held = c.documents.len() as u64;
        self.ledger
            .each_doc(case, |doc| doc.grant(to, OFFER, index, time));
        if held == count {
            Ok(())
        } else {
            fail_ledger(format!(
                "offer of case {case} covers {count} documents; the log holds {held} for it"
            ))
        }
    }

    fn accepted(
        &mut self,
        index: u64,
        time: i64,
        signer: &VerifyingKey,
        case: CaseId,
        from: OrgId,
        to: OrgId,
    ) -> Step {
        if !self.manager_now(to, signer) {
            return fail_ledger(format!(
                "acceptance of case {case} signed by {}, not a manager of {to} then",
                signer.fingerprint()
            ));
        }
        let Some(c) = self.ledger.cases.get_mut(&case) else {
            return fail_ledger(format!(
                "acceptance of case {case}, which the log never created"
            ));
        };
        if c.owner != from || c.offer != Some(to) {
            return fail_ledger(format!(
                "acceptance of case {case} by {to}, which had no waiting offer from {from}"
            ));
        }
        c.owner = to;
        c.offer = None;
        self.ledger.each_doc(case, |doc| {
            doc.end(from, OWNER, index);
            doc.end(to, OFFER, index);
            doc.grant(to, OWNER, index, time);
        });
        Ok(())
    }
}

type Step = Result<(), (&'static str, String)>;

fn fail_objects(reason: String) -> Step {
    Err(("objects", reason))
}

fn fail_ledger(reason: String) -> Step {
    Err(("access-ledger", reason))
}
