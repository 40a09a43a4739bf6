//! The statements a key's trust rests on, so that each can be proven to be in the log before
//! anything is wrapped to that key.
//!
//! An organisation's current key is trusted through every `org-key-published` statement (the
//! version chain from the root) and, for a version signed by a manager, that manager's
//! `member-certified` statement and those of the managers who certified them, up to the root.
//! A member's keys are trusted through the same kind of certificate chain. The chain itself is
//! verified by [`vault_core::trust::TrustedOrg`]; this module only collects its statements.

use vault_core::api::OrgDirectory;
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::{PublicKey, VerifyingKey};
use vault_core::statement::SignedStatement;
use vault_core::trust::{CertifiedMember, TrustedOrg};

use crate::client::Client;
use crate::error::Result;

/// Every statement the organisation's current key rests on.
pub(crate) fn for_org_key(dir: &OrgDirectory) -> Vec<SignedStatement> {
    let mut out = Vec::new();
    for statement in &dir.org_key_statements {
        out.push(statement.clone());
        certificates_of(dir, &statement.signer, &mut out);
    }
    out
}

/// Every statement a member's keys rest on: their certificate and its signers' certificates.
pub(crate) fn for_member(dir: &OrgDirectory, signing_key: &VerifyingKey) -> Vec<SignedStatement> {
    let mut out = Vec::new();
    certificates_of(dir, signing_key, &mut out);
    out
}

/// Appends the certificate of the member whose signing key is `signer`, then its signer's,
/// up to the root (which has none). Each member is visited once, so a cycle cannot loop.
fn certificates_of(dir: &OrgDirectory, signer: &VerifyingKey, out: &mut Vec<SignedStatement>) {
    let mut signer = *signer;
    let mut visited: Vec<VerifyingKey> = Vec::new();
    while dir.org.root_signing_key != Some(signer) && !visited.contains(&signer) {
        visited.push(signer);
        let Some(certificate) = dir
            .members
            .iter()
            .find(|m| m.signing_key == signer)
            .and_then(|m| m.certificate.as_ref())
        else {
            return;
        };
        if !out.contains(certificate) {
            out.push(certificate.clone());
        }
        signer = certificate.signer;
    }
}

impl Client {
    /// `org`'s current key, fetched afresh: its chain verified, the pins agreeing, and every
    /// statement it rests on proven in the log. The one way to get a key to wrap to an
    /// organisation.
    pub(crate) async fn logged_org_key(&self, org: OrgId) -> Result<PublicKey> {
        let (dir, trusted) = self.directory(org).await?;
        let what = format!("organisation {org}'s current key");
        self.require_logged(&what, &for_org_key(&dir)).await?;
        Ok(trusted.current_org_key().clone())
    }

    /// The active certified members of `org` except `leaving`, fetched afresh, each one's
    /// certificate chain proven in the log: the members a new organisation key is wrapped to.
    pub(crate) async fn logged_members(
        &self,
        org: OrgId,
        leaving: UserId,
    ) -> Result<(TrustedOrg, Vec<CertifiedMember>)> {
        let (dir, trusted) = self.directory(org).await?;
        let members: Vec<CertifiedMember> = trusted
            .active_members()
            .filter(|m| m.user_id != leaving)
            .cloned()
            .collect();
        for member in &members {
            let what = format!("member {} of organisation {org}", member.user_id);
            self.require_logged(&what, &for_member(&dir, &member.signing_key))
                .await?;
        }
        Ok((trusted, members))
    }
}
