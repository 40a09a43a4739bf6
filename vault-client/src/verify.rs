//! Trust checks before any key is used or any document is shown.
//!
//! - A directory counts only after [`TrustedOrg::verify`], and after the pins agree on its
//!   root, organisation keys and members' keys (see [`crate::pins`]). Before a key is wrapped
//!   to, the statements certifying it must also be proven in the log (see [`crate::log`]).
//! - An envelope counts only when its `key-wrapped` statement verifies against a certified
//!   member of the organisation the statement names, that organisation is one allowed to hand
//!   us this key, and it is unwrapped with the fingerprint that statement names (key adoption
//!   fails there). Allowed: our own organisation for our organisation key; for a case's key and
//!   its documents' keys, our organisation or one that transferred the case to us (whose
//!   manager's signed offer we accepted). An organisation the server made up, however well its
//!   own members are certified, can therefore plant no key in our cases.
//! - A document counts as genuine only when its `document-sealed` statement comes from a
//!   certified member of the organisation it names and agrees with the stored sizes, digests
//!   and key (file injection fails there).

use vault_core::api::{DocumentSummary, Envelope, OrgDirectory};
use vault_core::ids::OrgId;
use vault_core::keys::{Fingerprint, SecretKey};
use vault_core::statement::{Claim, KeyScope, Role};
use vault_core::trust::TrustedOrg;

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::pins::Pins;

/// What the client knows of another organisation's root key after [`Client::meet_org`].
#[derive(Clone, Copy, Debug)]
pub struct OrgSighting {
    /// The organisation.
    pub org: OrgId,
    /// Fingerprint of the organisation's root signing key.
    pub root: Fingerprint,
    /// Whether it was pinned just now, for the first time: the person should compare it once
    /// with that organisation out of band.
    pub first_sight: bool,
}

/// What a verified `document-sealed` statement says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SealedClaim {
    pub(crate) ciphertext_sha256: [u8; 32],
    pub(crate) document_key: Fingerprint,
}

impl Client {
    /// Fetches and verifies an organisation's directory, checking and updating the pins.
    pub async fn trusted_org(&self, org: OrgId) -> Result<TrustedOrg> {
        if let Some(found) = self.trusted_cache().get(&org) {
            return Ok(found.clone());
        }
        Ok(self.directory(org).await?.1)
    }

    /// Fetches and verifies an organisation's directory afresh, returning it with its
    /// verified form.
    pub(crate) async fn directory(&self, org: OrgId) -> Result<(OrgDirectory, TrustedOrg)> {
        let (dir, trusted, _) = self.fetch_directory(org, None).await?;
        Ok((dir, trusted))
    }

    /// Verifies an organisation's directory before sending it anything: with `expect`, its
    /// root key must have that fingerprint, checked before anything is pinned. The answer says
    /// whether the root was pinned just now, so the caller can ask for an out-of-band check.
    pub async fn meet_org(&self, org: OrgId, expect: Option<Fingerprint>) -> Result<OrgSighting> {
        let (_, trusted, first_sight) = self.fetch_directory(org, expect).await?;
        Ok(OrgSighting {
            org,
            root: trusted.root.fingerprint(),
            first_sight,
        })
    }

    /// Our own organisation's root key fingerprint, as verified against our pins: what we give
    /// another organisation that wants to check it.
    pub async fn my_org_root(&self) -> Result<Fingerprint> {
        Ok(self.trusted_org(self.my_org()?).await?.root.fingerprint())
    }

    /// Refuses `what` early when our own verified directory certifies us as a practitioner, so
    /// that a manager-only action pins and announces nothing before the server refuses it.
    /// When the directory does not certify us at all the server decides.
    pub async fn require_manager(&self, what: &str) -> Result<()> {
        let own = self.trusted_org(self.my_org()?).await?;
        match own.active_member(self.keystore.user_id) {
            Some(me) if me.role != Role::Manager => Err(ClientError::Invalid(format!(
                "only a manager can {what}; your role is {}",
                me.role.as_str()
            ))),
            _ => Ok(()),
        }
    }

    /// The organisations whose root keys were pinned for the first time, unchecked, since the
    /// last call: whatever command pinned them, the person should compare each once out of
    /// band. A root that matched a fingerprint the person gave is not among them.
    pub fn take_first_sights(&self) -> Vec<OrgSighting> {
        std::mem::take(&mut *self.noted_sights())
    }

    /// One fetch, verified, compared with `expect`, then checked against and added to the pins;
    /// a first-seen root nobody vouched for is noted for [`Client::take_first_sights`].
    pub(crate) async fn fetch_directory(
        &self,
        org: OrgId,
        expect: Option<Fingerprint>,
    ) -> Result<(OrgDirectory, TrustedOrg, bool)> {
        let dir: OrgDirectory = self.api.get(&format!("/v1/orgs/{org}/directory")).await?;
        let path = self.pins_path();
        let mut pins = Pins::load(&path)?;
        let first_sight = pins.root(org).is_none();
        // The pins compare the root below, as they compare every key, so that a changed root
        // is refused with the way to accept it.
        let trusted = TrustedOrg::verify(&dir, None)?;
        // A directory that verifies on its own may still be another organisation's: a server
        // answering with its own organisation's directory would have us wrap to its key.
        if trusted.org_id != org {
            return Err(ClientError::NotGenuine(format!(
                "the server answered with organisation {}'s directory when asked for {org}",
                trusted.org_id
            )));
        }
        if expect.is_some_and(|fpr| fpr != trusted.root.fingerprint()) {
            return Err(ClientError::OrgRootMismatch(org));
        }
        if pins.check_and_record(&trusted)? {
            pins.save(&path)?;
        }
        if first_sight && expect.is_none() {
            self.noted_sights().push(OrgSighting {
                org,
                root: trusted.root.fingerprint(),
                first_sight,
            });
        }
        self.trusted_cache().insert(org, trusted.clone());
        Ok((dir, trusted, first_sight))
    }

    fn trusted_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<OrgId, TrustedOrg>> {
        // A poisoned cache only means another task panicked mid-insert; its content is whole.
        self.trusted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn noted_sights(&self) -> std::sync::MutexGuard<'_, Vec<OrgSighting>> {
        self.first_sights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets verified directories (after a change we made to one).
    pub(crate) fn forget_trusted(&self, org: OrgId) {
        self.trusted_cache().remove(&org);
    }

    /// Checks an envelope's statement against a certified member of the organisation it names,
    /// which must be one of `allowed`, for `scope`, and that it is addressed to `recipient`.
    pub(crate) async fn check_envelope(
        &self,
        envelope: &Envelope,
        scope: KeyScope,
        recipient: Fingerprint,
        allowed: &[OrgId],
    ) -> Result<OrgId> {
        let statement = envelope.statement.verify().map_err(|e| {
            ClientError::NotGenuine(format!("an envelope's statement does not verify: {e}"))
        })?;
        let Claim::KeyWrapped { org, .. } = statement.claim else {
            return Err(ClientError::NotGenuine(
                "an envelope carries the wrong statement".into(),
            ));
        };
        if !allowed.contains(&org) {
            return Err(ClientError::NotGenuine(format!(
                "a key was wrapped by organisation {org}, which has no standing to hand it to us"
            )));
        }
        self.trusted_org(org)
            .await?
            .check_envelope(envelope, scope)?;
        if envelope.recipient != recipient {
            return Err(ClientError::NotGenuine(
                "an envelope is addressed to a key other than the one used to open it".into(),
            ));
        }
        Ok(org)
    }

    /// Checks then unwraps an envelope with `holder`, whose key must be the one it names.
    pub(crate) async fn open_envelope(
        &self,
        envelope: &Envelope,
        scope: KeyScope,
        holder: &SecretKey,
        allowed: &[OrgId],
    ) -> Result<SecretKey> {
        self.check_envelope(envelope, scope, holder.fingerprint(), allowed)
            .await?;
        Ok(SecretKey::unwrap(
            &envelope.wrapped,
            &[holder],
            envelope.key,
        )?)
    }

    /// The current organisation key, unwrapped from our own envelope after every check.
    pub async fn org_key(&self) -> Result<SecretKey> {
        let org = self.my_org()?;
        let answer: vault_core::api::OrgKeyEnvelope = self
            .api
            .get(&format!("/v1/orgs/{org}/key-envelope"))
            .await?;
        let trusted = self.trusted_org(org).await?;
        let listed = answer.org_key.fingerprint();
        if *trusted.current_org_key() != answer.org_key || answer.envelope.key != listed {
            return Err(ClientError::NotGenuine(
                "the organisation key offered is not the organisation's verified current key"
                    .into(),
            ));
        }
        self.open_envelope(
            &answer.envelope,
            KeyScope::Org(org),
            self.keystore.identity(),
            &[org],
        )
        .await
    }

    /// The organisations allowed to hand us a case's key and its documents' keys: ours, and
    /// every organisation whose offer of this case to us was accepted.
    pub(crate) async fn case_wrappers(&self, case: vault_core::ids::CaseId) -> Result<Vec<OrgId>> {
        let org = self.my_org()?;
        let mut allowed = vec![org];
        for transfer in self.list_transfers().await? {
            let accepted = transfer.status == vault_core::api::TransferStatus::Accepted;
            if accepted && transfer.case_id == case && transfer.to_org == org {
                allowed.push(transfer.from_org);
            }
        }
        Ok(allowed)
    }

    /// Verifies a document's `document-sealed` statement against the stored document.
    pub(crate) async fn check_document(&self, doc: &DocumentSummary) -> Result<SealedClaim> {
        let not_genuine =
            |why: &str| ClientError::NotGenuine(format!("document {}: {why}", doc.document_id));
        let statement = doc
            .statement
            .verify()
            .map_err(|_| not_genuine("its sealed statement's signature is invalid"))?;
        let Claim::DocumentSealed {
            org,
            case,
            document,
            ciphertext_sha256,
            ciphertext_size,
            metadata_sha256,
            document_key,
        } = statement.claim
        else {
            return Err(not_genuine("it carries no document-sealed statement"));
        };
        self.trusted_org(org)
            .await?
            .check(&doc.statement)
            .map_err(|_| not_genuine("it was not sealed by a certified member"))?;
        if document != doc.document_id || case != doc.case_id {
            return Err(not_genuine("the statement names another document or case"));
        }
        if ciphertext_sha256 != doc.ciphertext_sha256 || ciphertext_size != doc.ciphertext_size {
            return Err(not_genuine(
                "the stored ciphertext is not the one that was signed",
            ));
        }
        if metadata_sha256 != vault_core::sha256(&doc.sealed_metadata)
            || document_key != doc.document_key.fingerprint()
        {
            return Err(not_genuine(
                "its metadata or key is not the one that was signed",
            ));
        }
        Ok(SealedClaim {
            ciphertext_sha256,
            document_key,
        })
    }
}
