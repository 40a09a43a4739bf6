//! Checking who signed what: certification chains and envelopes.
//!
//! The server is a directory of public keys, and a lying directory is the main attack on an
//! end-to-end system. A client therefore takes nothing in an [`OrgDirectory`] on trust: a
//! member counts as certified only through a chain of `member-certified` statements that starts
//! at the organisation's root signing key (which the client pins the first time it sees it), an
//! organisation key counts only through `org-key-published` statements signed along the same
//! chain, and an envelope counts only when a certified member signed a `key-wrapped` statement
//! naming exactly that key, that recipient and those bytes.

use std::collections::HashMap;

use crate::api::{Envelope, MemberStatus, OrgDirectory};
use crate::ids::{OrgId, UserId};
use crate::keys::{Fingerprint, PublicKey, VerifyingKey};
use crate::statement::{Claim, KeyScope, Role, SignedStatement, Statement, StatementError};

/// Why a directory, statement or envelope is not trusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustError {
    /// The organisation has no root signing key yet.
    #[error("organisation {0} has not been set up by its first manager")]
    NoRoot(OrgId),
    /// The root signing key differs from the one pinned earlier.
    #[error("organisation {org}'s root key changed: pinned {pinned}, server shows {shown}")]
    RootChanged {
        /// The organisation.
        org: OrgId,
        /// Fingerprint pinned earlier.
        pinned: Fingerprint,
        /// Fingerprint the server shows now.
        shown: Fingerprint,
    },
    /// A statement's signature or encoding is bad.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// The signer is not a certified member of the organisation.
    #[error("signer {0} is not a certified member of organisation {1}")]
    NotCertified(Fingerprint, OrgId),
    /// The organisation key chain is broken (gap, wrong signer, or differs from the listing).
    #[error("organisation {0}'s key history does not verify")]
    OrgKeyChain(OrgId),
    /// The envelope and its signed statement disagree.
    #[error("envelope does not match its signed statement: {0}")]
    Envelope(&'static str),
}

/// A member whose keys verified through the chain.
#[derive(Clone, Debug)]
pub struct CertifiedMember {
    /// The member.
    pub user_id: UserId,
    /// Certified role.
    pub role: Role,
    /// Certified encryption key.
    pub encryption_key: PublicKey,
    /// Certified signing key.
    pub signing_key: VerifyingKey,
    /// Whether the member is still active (removed members' old signatures still verify).
    pub active: bool,
}

/// An organisation's directory after verification.
#[derive(Clone, Debug)]
pub struct TrustedOrg {
    /// The organisation.
    pub org_id: OrgId,
    /// Its root signing key.
    pub root: VerifyingKey,
    /// Organisation keys by version, oldest first.
    pub org_keys: Vec<PublicKey>,
    members: HashMap<[u8; 32], CertifiedMember>,
}

impl TrustedOrg {
    /// Verifies a directory. `pinned_root` is the root key seen before, if any.
    pub fn verify(
        dir: &OrgDirectory,
        pinned_root: Option<&VerifyingKey>,
    ) -> Result<Self, TrustError> {
        let org_id = dir.org.org_id;
        let root = dir.org.root_signing_key.ok_or(TrustError::NoRoot(org_id))?;
        if let Some(pinned) = pinned_root {
            if *pinned != root {
                return Err(TrustError::RootChanged {
                    org: org_id,
                    pinned: pinned.fingerprint(),
                    shown: root.fingerprint(),
                });
            }
        }
        let members = certify_members(dir, &root);
        let mut trusted = Self {
            org_id,
            root,
            org_keys: Vec::new(),
            members,
        };
        trusted.verify_org_keys(dir)?;
        Ok(trusted)
    }

    fn verify_org_keys(&mut self, dir: &OrgDirectory) -> Result<(), TrustError> {
        let broken = TrustError::OrgKeyChain(self.org_id);
        for (i, signed) in dir.org_key_statements.iter().enumerate() {
            let statement = signed.verify()?;
            let Claim::OrgKeyPublished { org, version, key } = statement.claim else {
                return Err(broken);
            };
            let signer_ok = if i == 0 {
                signed.signer == self.root
            } else {
                signed.signer == self.root
                    || self
                        .member(&signed.signer)
                        .is_some_and(|m| m.role == Role::Manager)
            };
            if org != self.org_id || version as usize != i + 1 || !signer_ok {
                return Err(broken);
            }
            self.org_keys.push(key);
        }
        let listed_matches = match (&dir.org.org_key, self.org_keys.last()) {
            (Some(listed), Some(verified)) => listed == verified,
            _ => false,
        };
        if listed_matches {
            Ok(())
        } else {
            Err(broken)
        }
    }

    /// The certified member whose signing key this is.
    #[must_use]
    pub fn member(&self, signer: &VerifyingKey) -> Option<&CertifiedMember> {
        self.members.get(signer.as_bytes())
    }

    /// The certified, still-active member with this user id.
    #[must_use]
    pub fn active_member(&self, user: UserId) -> Option<&CertifiedMember> {
        self.members
            .values()
            .find(|m| m.user_id == user && m.active)
    }

    /// Every certified member that is still active.
    pub fn active_members(&self) -> impl Iterator<Item = &CertifiedMember> {
        self.members.values().filter(|m| m.active)
    }

    /// The organisation's current encryption key.
    #[must_use]
    pub fn current_org_key(&self) -> &PublicKey {
        // `verify` refuses a directory without at least one verified key.
        &self.org_keys[self.org_keys.len() - 1]
    }

    /// Checks a statement's signature and that its signer is certified here.
    pub fn check(
        &self,
        signed: &SignedStatement,
    ) -> Result<(Statement, &CertifiedMember), TrustError> {
        let statement = signed.verify()?;
        let member = self.member(&signed.signer).ok_or(TrustError::NotCertified(
            signed.signer.fingerprint(),
            self.org_id,
        ))?;
        Ok((statement, member))
    }

    /// Checks an envelope: signed by a certified member of this organisation, for `scope`, and
    /// naming exactly this key, this recipient and these bytes.
    pub fn check_envelope(&self, envelope: &Envelope, scope: KeyScope) -> Result<(), TrustError> {
        let (statement, _) = self.check(&envelope.statement)?;
        let Claim::KeyWrapped {
            org,
            scope: signed_scope,
            key,
            recipient,
            envelope_sha256,
        } = statement.claim
        else {
            return Err(TrustError::Envelope("not a key-wrapped statement"));
        };
        if org != self.org_id {
            return Err(TrustError::Envelope("signed for another organisation"));
        }
        if signed_scope != scope {
            return Err(TrustError::Envelope("signed for another object"));
        }
        if key != envelope.key || recipient != envelope.recipient {
            return Err(TrustError::Envelope("key or recipient differs"));
        }
        if !crate::seal::constant_time_eq(&envelope_sha256, &crate::sha256(&envelope.wrapped)) {
            return Err(TrustError::Envelope("wrapped bytes differ"));
        }
        Ok(())
    }
}

/// Finds every member whose certificate chains to the root: the root certifies managers, and
/// certified managers certify anyone. Repeats until nothing new verifies.
fn certify_members(dir: &OrgDirectory, root: &VerifyingKey) -> HashMap<[u8; 32], CertifiedMember> {
    let mut certified: HashMap<[u8; 32], CertifiedMember> = HashMap::new();
    loop {
        let before = certified.len();
        for entry in &dir.members {
            if certified.contains_key(entry.signing_key.as_bytes()) {
                continue;
            }
            let Some(cert) = &entry.certificate else {
                continue;
            };
            let Ok(statement) = cert.verify() else {
                continue;
            };
            let Claim::MemberCertified {
                org,
                user,
                role,
                encryption_key,
                signing_key,
            } = statement.claim
            else {
                continue;
            };
            let signer_ok = (cert.signer == *root && role == Role::Manager)
                || certified
                    .get(cert.signer.as_bytes())
                    .is_some_and(|m| m.role == Role::Manager);
            let matches = org == dir.org.org_id
                && user == entry.user_id
                && encryption_key == entry.encryption_key
                && signing_key == entry.signing_key;
            if signer_ok && matches {
                certified.insert(
                    *signing_key.as_bytes(),
                    CertifiedMember {
                        user_id: user,
                        role,
                        encryption_key,
                        signing_key,
                        active: entry.status == MemberStatus::Active,
                    },
                );
            }
        }
        if certified.len() == before {
            return certified;
        }
    }
}
