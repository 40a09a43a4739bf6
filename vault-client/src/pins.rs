//! Keys pinned the first time they were seen (`pins.json`).
//!
//! The first time the client verifies an organisation's directory it records the root signing
//! key, the fingerprint of every organisation key version, and the member fingerprint (over
//! both keys) of every active certified member. Later directories must show the same root, the
//! same key for every version already seen and the same keys for every member already seen;
//! anything else is refused, naming both fingerprints, because a directory that changes under a
//! client is what a key-substitution attack looks like.
//!
//! What is not a change: a new organisation key version (a rotation after a member left),
//! which the directory proves by an `org-key-published` statement signed by the root or a
//! certified manager, and a new member certified along the chain. What is: a different root, a
//! different key for a version already seen, or different keys for a member already seen
//! (members never change keys in place; a new keystore is a new member). Such a change is taken
//! only by [`Pins::accept_org`] or [`Pins::accept_member`] (`vaultctl trust accept`), with the
//! new fingerprint the person confirmed out of band.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{Fingerprint, VerifyingKey};
use vault_core::trust::TrustedOrg;

use crate::error::{ClientError, Result};

/// Every pinned organisation.
#[derive(Default, Serialize, Deserialize)]
pub struct Pins {
    orgs: BTreeMap<OrgId, OrgPin>,
}

/// What was seen of one organisation.
#[derive(Clone, Serialize, Deserialize)]
pub struct OrgPin {
    /// The root signing key.
    pub root: VerifyingKey,
    /// Fingerprint of each organisation key version, oldest first.
    pub org_keys: Vec<Fingerprint>,
    /// Member fingerprint of each certified member seen active.
    #[serde(default)]
    pub members: BTreeMap<UserId, Fingerprint>,
}

impl Pins {
    /// Reads `path`, or starts empty when it does not exist.
    pub fn load(path: &Path) -> Result<Self> {
        crate::private_file::read_json_or_default(
            path,
            "the organisation and member keys this client pinned",
        )
    }

    /// Writes the pins to `path` (mode 0600).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|_| ClientError::Invalid("cannot encode pins".into()))?;
        crate::private_file::write(path, &json)
    }

    /// The pinned root key of `org`, if any.
    #[must_use]
    pub fn root(&self, org: OrgId) -> Option<&VerifyingKey> {
        self.orgs.get(&org).map(|p| &p.root)
    }

    /// Pins what a founding manager made, before the directory has ever been fetched.
    pub fn record_founding(&mut self, org: OrgId, root: VerifyingKey, org_key: Fingerprint) {
        self.orgs.insert(
            org,
            OrgPin {
                root,
                org_keys: vec![org_key],
                members: BTreeMap::new(),
            },
        );
    }

    /// Checks a verified directory against the pins and records anything new.
    /// Returns whether the pins changed. Nothing is recorded when anything is refused.
    pub fn check_and_record(&mut self, trusted: &TrustedOrg) -> Result<bool> {
        let shown = Shown::of(trusted);
        let Some(pin) = self.orgs.get_mut(&trusted.org_id) else {
            self.orgs.insert(trusted.org_id, shown.into_pin());
            return Ok(true);
        };
        let org = trusted.org_id;
        if pin.root != shown.root {
            let (pinned, now) = (pin.root.fingerprint(), shown.root.fingerprint());
            return Err(changed(org, "root signing key".into(), pinned, now));
        }
        if let Some((version, pinned, now)) = first_changed_version(pin, &shown) {
            let what = format!("organisation key version {}", version + 1);
            return Err(changed(org, what, pinned, now));
        }
        for (user, now) in &shown.members {
            if let Some(pinned) = pin.members.get(user).filter(|p| *p != now) {
                return Err(ClientError::PinChanged {
                    org,
                    what: format!("member {user}'s keys"),
                    pinned: *pinned,
                    shown: *now,
                    accept: format!("--org {org} --member {user}"),
                });
            }
        }
        let grew = shown.org_keys.len() > pin.org_keys.len();
        if grew {
            pin.org_keys = shown.org_keys;
        }
        let before = pin.members.len();
        pin.members.extend(shown.members);
        Ok(grew || pin.members.len() > before)
    }

    /// Takes an organisation's changed root, or its first changed key version, as `trusted`
    /// shows it, once the person confirmed `fingerprint` (the new key's) out of band. Member
    /// pins are kept, so a member's changed keys still need their own acceptance. Returns
    /// whether anything was taken; an unknown organisation is simply pinned.
    pub fn accept_org(&mut self, trusted: &TrustedOrg, fingerprint: Fingerprint) -> Result<bool> {
        let shown = Shown::of(trusted);
        let Some(pin) = self.orgs.get_mut(&trusted.org_id) else {
            self.orgs.insert(trusted.org_id, shown.into_pin());
            return Ok(true);
        };
        let new = if pin.root == shown.root {
            match first_changed_version(pin, &shown) {
                Some((_, _, now)) => now,
                None => return Ok(false),
            }
        } else {
            shown.root.fingerprint()
        };
        if new != fingerprint {
            return Err(not_the_changed_key());
        }
        if pin.root == shown.root {
            let version = first_changed_version(pin, &shown).map_or(0, |(v, _, _)| v);
            pin.org_keys[version] = new;
        } else {
            pin.root = shown.root;
            pin.org_keys = shown.org_keys;
        }
        Ok(true)
    }

    /// Takes a member's changed keys as `trusted` shows them, once the person confirmed
    /// `fingerprint` (the member fingerprint over both new keys) with the member out of band.
    pub fn accept_member(
        &mut self,
        trusted: &TrustedOrg,
        user: UserId,
        fingerprint: Fingerprint,
    ) -> Result<bool> {
        let shown = Shown::of(trusted);
        let now = *shown.members.get(&user).ok_or_else(|| {
            ClientError::Invalid(format!(
                "{user} is not an active certified member of organisation {}",
                trusted.org_id
            ))
        })?;
        if now != fingerprint {
            return Err(not_the_changed_key());
        }
        let pin = self
            .orgs
            .entry(trusted.org_id)
            .or_insert_with(|| shown.into_pin());
        Ok(pin.members.insert(user, now) != Some(now))
    }
}

/// The fingerprints a verified directory shows.
struct Shown {
    root: VerifyingKey,
    org_keys: Vec<Fingerprint>,
    members: BTreeMap<UserId, Fingerprint>,
}

impl Shown {
    fn of(trusted: &TrustedOrg) -> Self {
        Self {
            root: trusted.root,
            org_keys: trusted
                .org_keys
                .iter()
                .map(vault_core::keys::PublicKey::fingerprint)
                .collect(),
            members: trusted
                .active_members()
                .map(|m| {
                    let member = Fingerprint::of_member(&m.encryption_key, &m.signing_key);
                    (m.user_id, member)
                })
                .collect(),
        }
    }

    fn into_pin(self) -> OrgPin {
        OrgPin {
            root: self.root,
            org_keys: self.org_keys,
            members: self.members,
        }
    }
}

/// The first pinned key version the directory shows differently (or no longer shows):
/// (index, pinned, shown).
fn first_changed_version(pin: &OrgPin, shown: &Shown) -> Option<(usize, Fingerprint, Fingerprint)> {
    pin.org_keys
        .iter()
        .enumerate()
        .find_map(|(version, pinned)| match shown.org_keys.get(version) {
            Some(now) if now == pinned => None,
            other => Some((version, *pinned, other.copied().unwrap_or(*pinned))),
        })
}

fn changed(org: OrgId, what: String, pinned: Fingerprint, shown: Fingerprint) -> ClientError {
    ClientError::PinChanged {
        org,
        what,
        pinned,
        shown,
        accept: format!("--org {org}"),
    }
}

/// The fingerprint the person gave is not that of the changed key. The changed key's is not
/// shown: a person who copied it from here would accept whatever the server substituted.
fn not_the_changed_key() -> ClientError {
    ClientError::Invalid(
        "the fingerprint you gave is not that of the key the server shows now; nothing was \
         accepted. Compare again with the organisation or member, out of band"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault_core::api::{OrgDirectory, OrgSummary};
    use vault_core::keys::{SecretKey, SigningKey};
    use vault_core::statement::{Claim, Statement};

    /// A verified directory of an organisation with only its root and one key.
    fn trusted(org: OrgId, root: &SigningKey) -> TrustedOrg {
        let key = SecretKey::generate().public_key();
        let statement = Statement::now(Claim::OrgKeyPublished {
            org,
            version: 1,
            key: key.clone(),
        })
        .sign(root);
        let dir = OrgDirectory {
            org: OrgSummary {
                org_id: org,
                name: "Northshire Council".into(),
                root_signing_key: Some(root.verifying_key()),
                org_key: Some(key),
                org_key_version: Some(1),
            },
            org_key_statements: vec![statement],
            members: Vec::new(),
        };
        TrustedOrg::verify(&dir, None).unwrap()
    }

    /// Pins an organisation's first root key; returns it with a second root to show next.
    fn first_root_pinned() -> (OrgId, SigningKey, SigningKey, Pins) {
        let org = OrgId::new();
        let (first, second) = (
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
        );
        let mut pins = Pins::default();
        pins.check_and_record(&trusted(org, &first)).unwrap();
        (org, first, second, pins)
    }

    #[test]
    fn first_sight_is_pinned_and_the_same_keys_pass() {
        let (org, root) = (OrgId::new(), SigningKey::generate().unwrap());
        let seen = trusted(org, &root);
        let mut pins = Pins::default();
        assert!(pins.check_and_record(&seen).unwrap());
        assert!(!pins.check_and_record(&seen).unwrap());
        assert_eq!(pins.root(org), Some(&root.verifying_key()));
    }

    /// Regression: a directory showing a different root key must be refused, naming both.
    #[test]
    fn a_changed_root_is_refused_naming_both_fingerprints() {
        let (org, first, second, mut pins) = first_root_pinned();
        let err = pins.check_and_record(&trusted(org, &second)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&first.verifying_key().fingerprint().to_string()),
            "{text}"
        );
        assert!(
            text.contains(&second.verifying_key().fingerprint().to_string()),
            "{text}"
        );
    }

    #[test]
    fn a_changed_org_key_under_the_same_root_is_refused() {
        let (org, root) = (OrgId::new(), SigningKey::generate().unwrap());
        let mut pins = Pins::default();
        pins.check_and_record(&trusted(org, &root)).unwrap();
        let err = pins.check_and_record(&trusted(org, &root)).unwrap_err();
        assert!(matches!(err, ClientError::PinChanged { .. }), "{err}");
    }

    /// A verified directory whose root published `keys` as versions 1, 2, … and certified one
    /// manager, `member`, with `member_keys`.
    fn directory(
        org: OrgId,
        root: &SigningKey,
        keys: &[vault_core::keys::PublicKey],
        member: UserId,
        member_keys: (&vault_core::keys::PublicKey, &VerifyingKey),
    ) -> TrustedOrg {
        use vault_core::api::{MemberEntry, MemberStatus};
        use vault_core::statement::Role;
        let statements = keys
            .iter()
            .zip(1..)
            .map(|(key, version)| {
                let claim = Claim::OrgKeyPublished {
                    org,
                    version,
                    key: key.clone(),
                };
                Statement::now(claim).sign(root)
            })
            .collect();
        let certificate = Statement::now(Claim::MemberCertified {
            org,
            user: member,
            role: Role::Manager,
            encryption_key: member_keys.0.clone(),
            signing_key: *member_keys.1,
        })
        .sign(root);
        let dir = OrgDirectory {
            org: OrgSummary {
                org_id: org,
                name: "Northshire Council".into(),
                root_signing_key: Some(root.verifying_key()),
                org_key: keys.last().cloned(),
                org_key_version: Some(u32::try_from(keys.len()).unwrap()),
            },
            org_key_statements: statements,
            members: vec![MemberEntry {
                user_id: member,
                email: "sam@northshire.example".into(),
                role: Some(Role::Manager),
                status: MemberStatus::Active,
                encryption_key: member_keys.0.clone(),
                signing_key: *member_keys.1,
                certificate: Some(certificate),
            }],
        };
        TrustedOrg::verify(&dir, None).unwrap()
    }

    fn member_keys() -> (vault_core::keys::PublicKey, VerifyingKey) {
        let signing = SigningKey::generate().unwrap().verifying_key();
        (SecretKey::generate().public_key(), signing)
    }

    /// A rotation (a new version signed along the chain) is not a change; a different key for
    /// a version already seen is, and only its confirmed fingerprint takes it.
    #[test]
    fn a_new_version_passes_and_a_replaced_one_waits_for_its_fingerprint() {
        let (org, root, user) = (OrgId::new(), SigningKey::generate().unwrap(), UserId::new());
        let (enc, sig) = member_keys();
        let v1 = SecretKey::generate().public_key();
        let mut pins = Pins::default();
        pins.check_and_record(&directory(
            org,
            &root,
            std::slice::from_ref(&v1),
            user,
            (&enc, &sig),
        ))
        .unwrap();
        let v2 = SecretKey::generate().public_key();
        let rotated = directory(org, &root, &[v1.clone(), v2], user, (&enc, &sig));
        assert!(pins.check_and_record(&rotated).unwrap());

        let other = SecretKey::generate().public_key();
        let replaced = directory(org, &root, &[v1.clone(), other.clone()], user, (&enc, &sig));
        let err = pins.check_and_record(&replaced).unwrap_err().to_string();
        assert!(err.contains("organisation key version 2 changed"), "{err}");
        let fpr = other.fingerprint();
        assert!(
            err.contains(&format!("--org {org} --fingerprint {fpr}`")),
            "{err}"
        );
        assert!(pins.accept_org(&replaced, v1.fingerprint()).is_err());
        assert!(pins.check_and_record(&replaced).is_err());
        assert!(pins.accept_org(&replaced, fpr).unwrap());
        assert!(!pins.check_and_record(&replaced).unwrap());
        assert!(!pins.accept_org(&replaced, fpr).unwrap());
    }

    #[test]
    fn a_members_changed_keys_wait_for_their_fingerprint() {
        let (org, root, user) = (OrgId::new(), SigningKey::generate().unwrap(), UserId::new());
        let key = [SecretKey::generate().public_key()];
        let (enc, sig) = member_keys();
        let mut pins = Pins::default();
        pins.check_and_record(&directory(org, &root, &key, user, (&enc, &sig)))
            .unwrap();
        let (enc2, sig2) = member_keys();
        let changed = directory(org, &root, &key, user, (&enc2, &sig2));
        let (old, new) = (
            Fingerprint::of_member(&enc, &sig),
            Fingerprint::of_member(&enc2, &sig2),
        );
        let err = pins.check_and_record(&changed).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "member {user}'s keys changed: pinned {old}, server shows {new}"
            )),
            "{err}"
        );
        assert!(pins.accept_member(&changed, user, old).is_err());
        assert!(pins.accept_member(&changed, user, new).unwrap());
        assert!(!pins.check_and_record(&changed).unwrap());
        // Back to the old keys is a change again.
        let back = directory(org, &root, &key, user, (&enc, &sig));
        assert!(pins.check_and_record(&back).is_err());
    }

    #[test]
    fn a_changed_root_is_taken_only_with_its_fingerprint() {
        let (org, first, second, mut pins) = first_root_pinned();
        let now = trusted(org, &second);
        let err = pins.check_and_record(&now).unwrap_err().to_string();
        assert!(err.contains("root signing key changed"), "{err}");
        let wrong = pins.accept_org(&now, first.verifying_key().fingerprint());
        assert!(wrong
            .unwrap_err()
            .to_string()
            .contains("nothing was accepted"));
        assert!(pins
            .accept_org(&now, second.verifying_key().fingerprint())
            .unwrap());
        assert!(!pins.check_and_record(&now).unwrap());
        assert_eq!(pins.root(org), Some(&second.verifying_key()));
    }
}
