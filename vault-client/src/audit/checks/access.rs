//! Check `access-ledger`: the organisations that can open each document today, derived from
//! the log alone (the ledger built during the replay), equal what the database says today.
//! Also turns the ledger into the report's list of every grant and since when.

use std::collections::{BTreeSet, HashMap};

use vault_core::ids::{DocumentId, OrgId};

use crate::audit::replay::LogState;
use crate::audit::report::{Findings, Grant, LedgerEntry};
use crate::audit::snapshot::Snapshot;

/// Runs the check.
pub(crate) fn check(snapshot: &Snapshot, state: &LogState, f: &mut Findings) {
    let database: HashMap<DocumentId, BTreeSet<OrgId>> = snapshot
        .access
        .iter()
        .map(|a| (a.document_id, a.orgs.iter().copied().collect()))
        .collect();
    for id in &state.ledger.order {
        f.count("documents", 1);
        let doc = &state.ledger.documents[id];
        f.count("grants", doc.grants.len() as u64);
        let from_log = doc.today();
        match database.get(id) {
            Some(db) if *db == from_log => {}
            Some(db) => f.fail(
                format!("document {id}"),
                format!(
                    "the log says {} can open it today; the database says {}",
                    names(&from_log),
                    names(db)
                ),
            ),
            None => f.fail(
                format!("document {id}"),
                format!(
                    "the log says {} can open it today; the database lists no access",
                    names(&from_log)
                ),
            ),
        }
    }
    for a in &snapshot.access {
        if !state.ledger.documents.contains_key(&a.document_id) {
            f.fail(
                format!("document {}", a.document_id),
                format!(
                    "the database says {} can open it; the log never sealed it",
                    names(&a.orgs.iter().copied().collect())
                ),
            );
        }
    }
}

fn names(orgs: &BTreeSet<OrgId>) -> String {
    if orgs.is_empty() {
        return "nobody".into();
    }
    orgs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every document's grants, in the order the documents were sealed.
pub(crate) fn ledger(state: &LogState) -> Vec<LedgerEntry> {
    state
        .ledger
        .order
        .iter()
        .map(|id| LedgerEntry {
            document_id: id.to_string(),
            grants: state.ledger.documents[id]
                .grants
                .iter()
                .map(|g| Grant {
                    org: g.org.to_string(),
                    via: g.via,
                    from_leaf: g.from,
                    from_time: g.from_time,
                    until_leaf: g.until,
                })
                .collect(),
        })
        .collect()
}
