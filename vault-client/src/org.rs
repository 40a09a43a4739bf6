//! Accounts and organisations: registration (including an organisation's founding), the
//! member directory, approval and removal with organisation key rotation.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use vault_core::api::{
    ApproveRequest, CaseEnvelope, CreateAuditorRequest, CreateOrgRequest, CreateOrgResponse,
    DocumentEnvelope, Envelope, FoundingRequest, Me, MemberEnvelope, MemberStatus, OrgHoldings,
    OrgKeyRotation, OrgSummary, RegisterRequest, RegisterResponse, RemoveMemberRequest,
};
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{Fingerprint, PublicKey, SecretKey, SigningKey};
use vault_core::statement::{Claim, KeyScope, Role, Statement};

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::pins::Pins;

/// One member as the `org members` command shows them.
#[derive(Clone, Debug, Serialize)]
pub struct MemberView {
    /// The member.
    pub user_id: UserId,
    /// E-mail address.
    pub email: String,
    /// Standing.
    pub status: MemberStatus,
    /// Certified role (only when the certificate chain verifies).
    pub role: Option<Role>,
    /// Whether their keys are certified through a chain to the organisation root.
    pub certified: bool,
    /// Fingerprints of the published keys; `None` while the member is pending, because the
    /// approving manager must type what the member reads out, not copy the server's value.
    pub fingerprints: Option<MemberFingerprints>,
}

/// The fingerprints of a member's published keys.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MemberFingerprints {
    /// Over both keys (what the member read out at approval).
    pub member: Fingerprint,
    /// Of the encryption key.
    pub encryption: Fingerprint,
    /// Of the signing key.
    pub signing: Fingerprint,
}

impl Client {
    /// Wraps `key` to `to` and signs the `key-wrapped` statement as a member of `org`.
    pub(crate) fn make_envelope(
        &self,
        key: &SecretKey,
        to: &PublicKey,
        scope: KeyScope,
        org: OrgId,
    ) -> Result<Envelope> {
        let wrapped = key.wrap_to(&[to])?;
        let statement = Statement::now(Claim::KeyWrapped {
            org,
            scope,
            key: key.fingerprint(),
            recipient: to.fingerprint(),
            envelope_sha256: vault_core::sha256(&wrapped),
        })
        .sign(self.keystore.signing_key());
        Ok(Envelope {
            key: key.fingerprint(),
            recipient: to.fingerprint(),
            wrapped,
            statement,
        })
    }

    /// Creates an organisation (platform admin).
    pub async fn create_org(&self, name: &str) -> Result<CreateOrgResponse> {
        let request = CreateOrgRequest {
            name: name.to_owned(),
        };
        self.api.post("/v1/orgs", &request).await
    }

    /// Creates an auditor's account (platform admin).
    pub async fn add_auditor(
        &self,
        user_id: UserId,
        email: &str,
        password: &SecretString,
    ) -> Result<()> {
        let request = CreateAuditorRequest {
            user_id,
            email: email.to_owned(),
            password: password.expose_secret().to_owned(),
        };
        let _: Me = self.api.post("/v1/admin/auditors", &request).await?;
        Ok(())
    }

    /// Lists organisations.
    pub async fn list_orgs(&self) -> Result<Vec<OrgSummary>> {
        self.api.get("/v1/orgs").await
    }

    /// Registers with an organisation: pending, or as its founding manager with the invite.
    pub async fn register(
        &mut self,
        org: OrgId,
        invite: Option<&str>,
        password: &SecretString,
    ) -> Result<RegisterResponse> {
        let founding = match invite {
            Some(code) => Some(self.founding(org, code)?),
            None => None,
        };
        let request = RegisterRequest {
            user_id: self.keystore.user_id,
            org_id: org,
            email: self.keystore.email.clone(),
            password: password.expose_secret().to_owned(),
            encryption_key: self.keystore.identity().public_key(),
            signing_key: self.keystore.signing_key().verifying_key(),
            founding: founding.as_ref().map(|(request, _)| request.clone()),
            keystore: None,
            display_name: None,
        };
        let answer: RegisterResponse = self.api.post_anonymous("/v1/register", &request).await?;
        drop(request);
        self.keystore.org_id = Some(org);
        if let Some((request, root)) = founding {
            let path = self.pins_path();
            let mut pins = Pins::load(&path)?;
            let org_key = request.org_envelope.key;
            pins.record_founding(org, root.verifying_key(), org_key);
            pins.save(&path)?;
            self.keystore.set_org_root(root);
        }
        self.save_keystore()?;
        Ok(answer)
    }

    /// The founding manager's keys: organisation root, organisation key v1, certificate.
    fn founding(&self, org: OrgId, invite: &str) -> Result<(FoundingRequest, SigningKey)> {
        let root = SigningKey::generate()?;
        let org_key = SecretKey::generate();
        let me = self.keystore.identity().public_key();
        let org_key_statement = Statement::now(Claim::OrgKeyPublished {
            org,
            version: 1,
            key: org_key.public_key(),
        })
        .sign(&root);
        let certificate = Statement::now(Claim::MemberCertified {
            org,
            user: self.keystore.user_id,
            role: Role::Manager,
            encryption_key: me.clone(),
            signing_key: self.keystore.signing_key().verifying_key(),
        })
        .sign(&root);
        let org_envelope = self.make_envelope(&org_key, &me, KeyScope::Org(org), org)?;
        let request = FoundingRequest {
            invite_code: invite.to_owned(),
            root_signing_key: root.verifying_key(),
            org_key_statement,
            certificate,
            org_envelope,
        };
        Ok((request, root))
    }

    /// The members of our organisation, with whether their keys verify.
    pub async fn members(&self) -> Result<Vec<MemberView>> {
        let (dir, trusted) = self.directory(self.my_org()?).await?;
        Ok(dir
            .members
            .iter()
            .map(|m| {
                let certified = trusted
                    .member(&m.signing_key)
                    .filter(|c| c.user_id == m.user_id);
                MemberView {
                    user_id: m.user_id,
                    email: m.email.clone(),
                    status: m.status,
                    role: certified.map(|c| c.role),
                    certified: certified.is_some(),
                    fingerprints: (m.status != MemberStatus::Pending).then(|| MemberFingerprints {
                        member: Fingerprint::of_member(&m.encryption_key, &m.signing_key),
                        encryption: m.encryption_key.fingerprint(),
                        signing: m.signing_key.fingerprint(),
                    }),
                }
            })
            .collect())
    }

    /// Approves a pending member after the manager compared `fingerprint` out of band.
    pub async fn approve(&self, user: UserId, role: Role, fingerprint: Fingerprint) -> Result<()> {
        self.check_log().await?;
        let org = self.my_org()?;
        let (dir, _) = self.directory(org).await?;
        let entry = dir
            .members
            .iter()
            .find(|m| m.user_id == user)
            .ok_or_else(|| ClientError::Invalid(format!("{user} is not a member of {org}")))?;
        // The member read out one fingerprint over both keys, so a signing key the server swapped
        // in is caught here as surely as a swapped encryption key.
        let published = Fingerprint::of_member(&entry.encryption_key, &entry.signing_key);
        if published != fingerprint {
            return Err(ClientError::FingerprintMismatch);
        }
        let certificate = Statement::now(Claim::MemberCertified {
            org,
            user,
            role,
            encryption_key: entry.encryption_key.clone(),
            signing_key: entry.signing_key,
        })
        .sign(self.keystore.signing_key());
        let org_key = self.org_key().await?;
        let org_envelope =
            self.make_envelope(&org_key, &entry.encryption_key, KeyScope::Org(org), org)?;
        let request = ApproveRequest {
            certificate,
            org_envelope,
        };
        self.api
            .post_no_answer(&format!("/v1/orgs/{org}/members/{user}/approve"), &request)
            .await?;
        self.forget_trusted(org);
        let statements = [&request.certificate, &request.org_envelope.statement];
        self.confirm_on_log("approval", &statements).await
    }

    /// Removes a member and rotates the organisation key: the new key is wrapped to every
    /// remaining certified member (each one's certificate chain proven in the log first), and
    /// every case and shared document key is re-wrapped to it.
    pub async fn remove_member(&self, user: UserId) -> Result<()> {
        self.check_log().await?;
        let org = self.my_org()?;
        let (trusted, staying) = self.logged_members(org, user).await?;
        let old = self.org_key().await?;
        let holdings: OrgHoldings = self.api.get(&format!("/v1/orgs/{org}/holdings")).await?;
        let new = SecretKey::generate();
        let new_public = new.public_key();
        let version = u32::try_from(trusted.org_keys.len() + 1)
            .map_err(|_| ClientError::Invalid("too many organisation key versions".into()))?;
        let org_key_statement = Statement::now(Claim::OrgKeyPublished {
            org,
            version,
            key: new_public.clone(),
        })
        .sign(self.keystore.signing_key());
        let mut member_envelopes = Vec::new();
        for member in &staying {
            let envelope =
                self.make_envelope(&new, &member.encryption_key, KeyScope::Org(org), org)?;
            member_envelopes.push(MemberEnvelope {
                user_id: member.user_id,
                envelope,
            });
        }
        let mut case_envelopes = Vec::new();
        for held in &holdings.cases {
            let scope = KeyScope::Case(held.case_id);
            let allowed = self.case_wrappers(held.case_id).await?;
            let case_key = self
                .open_envelope(&held.envelope, scope, &old, &allowed)
                .await?;
            let envelope = self.make_envelope(&case_key, &new_public, scope, org)?;
            case_envelopes.push(CaseEnvelope {
                case_id: held.case_id,
                envelope,
            });
        }
        let mut share_envelopes = Vec::new();
        // Every share held, those no listing shows included (the organisation took the case
        // over since): each key may only have been wrapped by the organisation that shared it.
        for held in &holdings.shares {
            let scope = KeyScope::Document(held.document_id);
            let allowed = [held.from_org];
            let doc_key = self
                .open_envelope(&held.envelope, scope, &old, &allowed)
                .await?;
            let envelope = self.make_envelope(&doc_key, &new_public, scope, org)?;
            share_envelopes.push(DocumentEnvelope {
                document_id: held.document_id,
                envelope,
            });
        }
        let request = RemoveMemberRequest {
            removal: Statement::now(Claim::MemberRemoved { org, user })
                .sign(self.keystore.signing_key()),
            rotation: OrgKeyRotation {
                org_key_statement,
                member_envelopes,
                case_envelopes,
                share_envelopes,
            },
        };
        self.api
            .post_no_answer(&format!("/v1/orgs/{org}/members/{user}/remove"), &request)
            .await?;
        self.forget_trusted(org);
        let rotation = &request.rotation;
        let mut statements = vec![&request.removal, &rotation.org_key_statement];
        statements.extend(
            rotation
                .member_envelopes
                .iter()
                .map(|m| &m.envelope.statement),
        );
        statements.extend(
            rotation
                .case_envelopes
                .iter()
                .map(|c| &c.envelope.statement),
        );
        statements.extend(
            rotation
                .share_envelopes
                .iter()
                .map(|d| &d.envelope.statement),
        );
        self.confirm_on_log("member removal", &statements).await
    }
}
