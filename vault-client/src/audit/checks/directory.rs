//! Check `directory`: every organisation's published keys have a valid certification chain to
//! the root key the log fixed at onboarding and a log leaf each, and every key the log
//! published is still in the directory (none added, changed or deleted behind its back).

use std::collections::{BTreeMap, HashSet};

use vault_core::api::{MemberEntry, MemberStatus, OrgDirectory};
use vault_core::trust::TrustedOrg;

use super::logged_leaf;
use crate::audit::leaves::Leaves;
use crate::audit::replay::{LogState, OrgState};
use crate::audit::report::{Findings, Organisation};
use crate::audit::snapshot::Snapshot;

/// Runs the check.
pub(crate) fn check(snapshot: &Snapshot, leaves: &Leaves, state: &LogState, f: &mut Findings) {
    let mut seen = HashSet::new();
    for dir in &snapshot.directory {
        let org = dir.org.org_id;
        seen.insert(org);
        f.count("organisations", 1);
        let empty = OrgState::default();
        let logged = state.orgs.get(&org).unwrap_or(&empty);
        let subject = format!("org {org}");
        let log_root = logged.root.as_ref().map(|(k, _)| *k);
        match (dir.org.root_signing_key, &logged.root) {
            (Some(shown), Some((root, leaf))) if shown != *root => f.fail(
                &subject,
                format!(
                    "root key {} is not the one the log fixed at leaf {leaf} ({})",
                    shown.fingerprint(),
                    root.fingerprint()
                ),
            ),
            (Some(shown), None) => f.fail(
                &subject,
                format!("root key {} has no log leaf", shown.fingerprint()),
            ),
            (None, Some((_, leaf))) => f.fail(
                &subject,
                format!("the log fixed a root key at leaf {leaf}; the directory shows none"),
            ),
            _ => {}
        }
        if dir.org.root_signing_key.is_none() {
            continue;
        }
        let trusted = match TrustedOrg::verify(dir, log_root.as_ref()) {
            Ok(t) => Some(t),
            Err(e) => {
                f.fail(&subject, format!("key chain does not verify: {e}"));
                None
            }
        };
        org_keys(dir, leaves, state, logged, f);
        for entry in &dir.members {
            member(&subject, entry, trusted.as_ref(), leaves, state, logged, f);
        }
        unaccounted(dir, logged, f);
    }
    for (org, logged) in &state.orgs {
        if !seen.contains(org) {
            let at = logged.root.as_ref().map_or(0, |(_, leaf)| *leaf);
            f.fail(
                format!("org {org}"),
                format!("in the log (root at leaf {at}), missing from the directory"),
            );
        }
    }
}

fn org_keys(
    dir: &OrgDirectory,
    leaves: &Leaves,
    state: &LogState,
    logged: &OrgState,
    f: &mut Findings,
) {
    let org = dir.org.org_id;
    for (i, signed) in dir.org_key_statements.iter().enumerate() {
        f.count("organisation keys", 1);
        if let Err(reason) = logged_leaf(state, leaves, signed) {
            f.fail(format!("org {org} key version {}", i + 1), reason);
        }
    }
    for (i, (key, leaf)) in logged
        .keys
        .iter()
        .enumerate()
        .skip(dir.org_key_statements.len())
    {
        f.fail(
            format!("org {org} key version {}", i + 1),
            format!(
                "published at leaf {leaf} ({}), missing from the directory",
                key.fingerprint()
            ),
        );
    }
}

fn member(
    org_subject: &str,
    entry: &MemberEntry,
    trusted: Option<&TrustedOrg>,
    leaves: &Leaves,
    state: &LogState,
    logged: &OrgState,
    f: &mut Findings,
) {
    f.count("members", 1);
    let subject = format!("member {} of {org_subject}", entry.user_id);
    let Some(cert) = &entry.certificate else {
        // A pending member: the keys must be the ones logged at registration.
        let registered = state.registered.get(&entry.user_id);
        let same = registered.is_some_and(|r| {
            r.encryption_key.as_ref() == Some(&entry.encryption_key)
                && r.signing_key == Some(entry.signing_key)
        });
        if !same {
            let why = if registered.is_some() {
                "published keys differ from those logged at registration"
            } else {
                "published keys have no log leaf"
            };
            f.fail(subject, why);
        }
        return;
    };
    f.count("certificates", 1);
    if let Err(reason) = logged_leaf(state, leaves, cert) {
        f.fail(&subject, format!("certificate {reason}"));
    }
    if trusted.is_some_and(|t| t.member(&entry.signing_key).is_none()) {
        f.fail(
            &subject,
            "certificate does not chain to the organisation's root key",
        );
    }
    let Some(in_log) = logged.members.get(entry.signing_key.as_bytes()) else {
        return f.fail(&subject, "signing key was never certified in the log");
    };
    if in_log.encryption_key != entry.encryption_key || in_log.user != entry.user_id {
        f.fail(&subject, "published keys differ from the certified ones");
    }
    let removed = in_log.removed_at.is_some();
    let listed_removed = entry.status == MemberStatus::Removed;
    if removed != listed_removed {
        f.fail(
            &subject,
            format!(
                "listed as {}, but the log says {}",
                match entry.status {
                    MemberStatus::Pending => "pending",
                    MemberStatus::Active => "active",
                    MemberStatus::Removed => "removed",
                },
                if removed { "removed" } else { "not removed" }
            ),
        );
    }
}

/// Members the log certified that the directory no longer shows.
fn unaccounted(dir: &OrgDirectory, logged: &OrgState, f: &mut Findings) {
    let shown: HashSet<[u8; 32]> = dir
        .members
        .iter()
        .map(|m| *m.signing_key.as_bytes())
        .collect();
    for (key, member) in &logged.members {
        if !shown.contains(key) {
            f.fail(
                format!("member {} of org {}", member.user, dir.org.org_id),
                format!(
                    "certified at leaf {}, missing from the directory",
                    member.certified_at
                ),
            );
        }
    }
}

/// Every organisation the log or the directory names, for the auditor to compare root
/// fingerprints with the organisations: the root key as the log fixed it (the directory's
/// when the log has none), the name from the directory, members certified and not removed,
/// organisation key versions; by name, then id.
pub(crate) fn organisations(snapshot: &Snapshot, state: &LogState) -> Vec<Organisation> {
    let mut out: BTreeMap<_, Organisation> = BTreeMap::new();
    let named: BTreeMap<_, _> = snapshot
        .directory
        .iter()
        .map(|d| (d.org.org_id, &d.org))
        .collect();
    let ids = named.keys().chain(state.orgs.keys()).copied();
    for id in ids.collect::<HashSet<_>>() {
        let logged = state.orgs.get(&id);
        let shown = named.get(&id);
        let root = logged
            .and_then(|o| o.root.as_ref().map(|(k, _)| *k))
            .or_else(|| shown.and_then(|o| o.root_signing_key));
        let name = shown.map(|o| o.name.clone());
        let entry = Organisation {
            org_id: id.to_string(),
            name: name.clone(),
            root_fingerprint: root.map(|k| k.fingerprint().to_string()),
            members: logged.map_or(0, |o| {
                o.members
                    .values()
                    .filter(|m| m.removed_at.is_none())
                    .count() as u64
            }),
            org_keys: logged.map_or(0, |o| o.keys.len() as u64),
        };
        out.insert((name, id.to_string()), entry);
    }
    out.into_values().collect()
}
