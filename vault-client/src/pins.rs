//! Keys pinned the first time they were seen (`pins.json`).
//!
//! The first time the client verifies an organisation's directory it records the root signing
//! key and the fingerprint of every organisation key version. Later directories must show the
//! same root and the same keys for the versions already seen (new versions may be added by a
//! rotation); anything else is refused, naming both fingerprints, because a directory that
//! changes under a client is what a key-substitution attack looks like.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use vault_core::ids::OrgId;
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
}

impl Pins {
    /// Reads `path`, or starts empty when it does not exist.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| {
                ClientError::Invalid(format!(
                    "{} is damaged; restore it from a backup rather than deleting it",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ClientError::io(
                format!("cannot read {}", path.display()),
                e,
            )),
        }
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
            },
        );
    }

    /// Checks a verified directory against the pins and records anything new.
    /// Returns whether the pins changed.
    pub fn check_and_record(&mut self, trusted: &TrustedOrg) -> Result<bool> {
        let shown: Vec<Fingerprint> = trusted
            .org_keys
            .iter()
            .map(vault_core::keys::PublicKey::fingerprint)
            .collect();
        let Some(pin) = self.orgs.get_mut(&trusted.org_id) else {
            self.orgs.insert(
                trusted.org_id,
                OrgPin {
                    root: trusted.root,
                    org_keys: shown,
                },
            );
            return Ok(true);
        };
        if pin.root != trusted.root {
            return Err(ClientError::PinChanged {
                org: trusted.org_id,
                what: "root signing key".into(),
                pinned: pin.root.fingerprint(),
                shown: trusted.root.fingerprint(),
            });
        }
        for (version, pinned) in pin.org_keys.iter().enumerate() {
            match shown.get(version) {
                Some(now) if now == pinned => {}
                other => {
                    return Err(ClientError::PinChanged {
                        org: trusted.org_id,
                        what: format!("organisation key version {}", version + 1),
                        pinned: *pinned,
                        shown: other.copied().unwrap_or(*pinned),
                    })
                }
            }
        }
        let grew = shown.len() > pin.org_keys.len();
        if grew {
            pin.org_keys = shown;
        }
        Ok(grew)
    }
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
        let org = OrgId::new();
        let (first, second) = (
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
        );
        let mut pins = Pins::default();
        pins.check_and_record(&trusted(org, &first)).unwrap();
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
}
