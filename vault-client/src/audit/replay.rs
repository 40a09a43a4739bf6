//! Replaying the log in order, to know what was true at each leaf.
//!
//! Every leaf's statement is checked against the state the log had built up *before* it: an
//! organisation key must be published by the root or a manager certified at that moment, a
//! document sealed by a member certified (and not yet removed) in the organisation that owned
//! the case then, and so on. The state at the end is what the other checks compare the
//! database's view with: the organisations' keys and members, the documents and their
//! statements, and who could open what (the access ledger, in [`super::ledger`]).

use std::collections::{HashMap, HashSet};

use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{Fingerprint, PublicKey, VerifyingKey};
use vault_core::leaf::PublishedKeys;
use vault_core::statement::{Claim, Role, Statement};

use super::leaves::{Fact, Leaves};
use super::ledger::Ledger;
use super::report::Failure;

/// A member as the log certified them.
pub(crate) struct Member {
    pub(crate) user: UserId,
    pub(crate) role: Role,
    pub(crate) encryption_key: PublicKey,
    pub(crate) certified_at: u64,
    pub(crate) removed_at: Option<u64>,
}

/// One organisation as the log built it.
#[derive(Default)]
pub(crate) struct OrgState {
    /// The root signing key and the leaf that fixed it.
    pub(crate) root: Option<(VerifyingKey, u64)>,
    /// Organisation keys by version (index 0 is version 1), with their leaves.
    pub(crate) keys: Vec<(PublicKey, u64)>,
    /// Members by signing key.
    pub(crate) members: HashMap<[u8; 32], Member>,
}

impl OrgState {
    /// The member with this signing key, if certified and not removed now.
    fn active(&self, signer: &VerifyingKey) -> Option<&Member> {
        self.members
            .get(signer.as_bytes())
            .filter(|m| m.removed_at.is_none())
    }

    fn is_root(&self, signer: &VerifyingKey) -> bool {
        self.root.as_ref().is_some_and(|(root, _)| root == signer)
    }

    /// Whether `signer` may act as a manager now.
    pub(crate) fn manages(&self, signer: &VerifyingKey) -> bool {
        self.is_root(signer) || self.active(signer).is_some_and(|m| m.role == Role::Manager)
    }

    /// Whether `signer` is a certified, active member now.
    pub(crate) fn member_now(&self, signer: &VerifyingKey) -> bool {
        self.active(signer).is_some()
    }
}

/// Keys a user published at registration, before any certification.
pub(crate) struct Registered {
    pub(crate) encryption_key: Option<PublicKey>,
    pub(crate) signing_key: Option<VerifyingKey>,
}

/// Everything the log says, and what in it did not hold.
#[derive(Default)]
pub(crate) struct LogState {
    pub(crate) orgs: HashMap<OrgId, OrgState>,
    pub(crate) registered: HashMap<UserId, Registered>,
    /// The first leaf carrying each statement, by statement digest.
    pub(crate) by_digest: HashMap<[u8; 32], u64>,
    /// Every key an envelope may be wrapped to: organisation, member and case keys.
    pub(crate) recipients: HashSet<Fingerprint>,
    pub(crate) ledger: Ledger,
    /// Failures found while replaying, by check name.
    pub(crate) failures: HashMap<&'static str, Vec<Failure>>,
    /// Leaves whose statement was checked, by kind.
    pub(crate) statements: u64,
}

/// The check a statement kind belongs to.
fn check_of(action: &str) -> &'static str {
    if action.starts_with("key.") {
        "envelopes"
    } else if action.starts_with("document.sealed") {
        "objects"
    } else if ["org.", "member.", "user."]
        .iter()
        .any(|p| action.starts_with(p))
    {
        "directory"
    } else {
        "access-ledger"
    }
}

impl LogState {
    /// Replays every leaf in order.
    pub(crate) fn replay(leaves: &Leaves) -> Self {
        let mut state = Self::default();
        for (i, fact) in leaves.facts.iter().enumerate() {
            let index = i as u64;
            // A leaf that does not parse is reported by check `log`.
            if let Ok(fact) = fact {
                state.leaf(index, fact);
            }
        }
        state
    }

    pub(crate) fn fail(&mut self, check: &'static str, index: u64, reason: impl Into<String>) {
        self.failures.entry(check).or_default().push(Failure {
            subject: format!("leaf {index}"),
            reason: reason.into(),
        });
    }

    fn leaf(&mut self, index: u64, fact: &Fact) {
        if let Some(keys) = &fact.keys {
            self.keys_leaf(index, fact, keys);
        }
        let Some(logged) = &fact.statement else {
            self.ledger_plain(index, fact);
            return;
        };
        self.by_digest.entry(logged.digest).or_insert(index);
        self.statements += 1;
        match &logged.verified {
            Ok(statement) => self.statement(index, fact, &logged.signer, statement),
            Err(e) => {
                let check = check_of(&fact.action);
                self.fail(check, index, format!("{} statement: {e}", fact.action));
            }
        }
    }

    fn keys_leaf(&mut self, index: u64, fact: &Fact, keys: &PublishedKeys) {
        if let Some(root) = keys.root_signing_key {
            let Some(org) = fact.org else {
                return self.fail("directory", index, "a root key without an organisation");
            };
            let state = self.orgs.entry(org).or_default();
            match &state.root {
                Some((first, at)) if *first != root => {
                    let reason = format!(
                        "a second root key {} for organisation {org}, fixed at leaf {at} as {}",
                        root.fingerprint(),
                        first.fingerprint()
                    );
                    self.fail("directory", index, reason);
                }
                Some(_) => {}
                None => state.root = Some((root, index)),
            }
        }
        if keys.encryption_key.is_some() || keys.signing_key.is_some() {
            let user = fact.object_id.parse::<UserId>().ok().or(fact.actor);
            let Some(user) = user else {
                return self.fail("directory", index, "published keys without a user");
            };
            self.registered.insert(
                user,
                Registered {
                    encryption_key: keys.encryption_key.clone(),
                    signing_key: keys.signing_key,
                },
            );
        }
    }

    fn statement(&mut self, index: u64, fact: &Fact, signer: &VerifyingKey, st: &Statement) {
        match &st.claim {
            Claim::OrgKeyPublished { org, version, key } => {
                self.org_key(index, signer, *org, *version, key);
            }
            Claim::MemberCertified {
                org,
                user,
                role,
                encryption_key,
                signing_key,
            } => {
                let state = self.orgs.entry(*org).or_default();
                let allowed =
                    (state.is_root(signer) && *role == Role::Manager) || state.manages(signer);
                if !allowed {
                    return self.fail(
                        "directory",
                        index,
                        format!(
                            "member {user} certified by {}, not a manager of {org} then",
                            signer.fingerprint()
                        ),
                    );
                }
                state.members.insert(
                    *signing_key.as_bytes(),
                    Member {
                        user: *user,
                        role: *role,
                        encryption_key: encryption_key.clone(),
                        certified_at: index,
                        removed_at: None,
                    },
                );
                self.recipients.insert(encryption_key.fingerprint());
            }
            Claim::MemberRemoved { org, user } => self.member_removed(index, signer, *org, *user),
            Claim::KeyWrapped {
                org, scope, key, ..
            } => {
                if !self.orgs.get(org).is_some_and(|s| s.member_now(signer)) {
                    let reason = format!(
                        "key-wrapped signed by {}, not a certified member of {org} then",
                        signer.fingerprint()
                    );
                    return self.fail("envelopes", index, reason);
                }
                if let vault_core::statement::KeyScope::Case(case) = scope {
                    self.recipients.insert(*key);
                    self.ledger.case_key(*case, *org);
                }
            }
            _ => self.ledger_statement(index, fact, signer, &st.claim),
        }
    }

    fn org_key(
        &mut self,
        index: u64,
        signer: &VerifyingKey,
        org: OrgId,
        version: u32,
        key: &PublicKey,
    ) {
        let state = self.orgs.entry(org).or_default();
        let next = state.keys.len() + 1;
        let allowed = if next == 1 {
            state.is_root(signer)
        } else {
            state.manages(signer)
        };
        if !allowed {
            let reason = format!(
                "organisation key version {version} of {org} signed by {}, neither its root \
                 nor a manager then",
                signer.fingerprint()
            );
            return self.fail("directory", index, reason);
        }
        if version as usize != next {
            let reason = format!("organisation key version {version} of {org}: expected {next}");
            return self.fail("directory", index, reason);
        }
        state.keys.push((key.clone(), index));
        self.recipients.insert(key.fingerprint());
    }

    fn member_removed(&mut self, index: u64, signer: &VerifyingKey, org: OrgId, user: UserId) {
        let state = self.orgs.entry(org).or_default();
        if !state.manages(signer) {
            let reason = format!(
                "removal of {user} signed by {}, not a manager of {org} then",
                signer.fingerprint()
            );
            return self.fail("directory", index, reason);
        }
        let member = state
            .members
            .values_mut()
            .find(|m| m.user == user && m.removed_at.is_none());
        match member {
            Some(m) => m.removed_at = Some(index),
            None => self.fail(
                "directory",
                index,
                format!("removes {user}, who is not an active member of {org}"),
            ),
        }
    }

    /// Whether `signer` was a certified active member of `org` at this point of the replay.
    pub(crate) fn member_now(&self, org: OrgId, signer: &VerifyingKey) -> bool {
        self.orgs.get(&org).is_some_and(|s| s.member_now(signer))
    }

    /// Whether `signer` could act as a manager of `org` at this point of the replay.
    pub(crate) fn manager_now(&self, org: OrgId, signer: &VerifyingKey) -> bool {
        self.orgs.get(&org).is_some_and(|s| s.manages(signer))
    }
}
