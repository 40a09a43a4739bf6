//! `vaultctl trust accept`: taking a changed key into the pins, after the person compared its
//! fingerprint out of band.
//!
//! A changed root, organisation key version or member key is refused by every command until
//! then (see [`crate::pins`]). Accepting needs the new key's fingerprint as the organisation or
//! member reads it out; the client never offers it to copy, and takes nothing if the one given
//! differs from what the server shows. The new key is still checked as any key is afterwards:
//! its certification chain, and its statements in the log before anything is wrapped to it.

use vault_core::api::OrgDirectory;
use vault_core::ids::{OrgId, UserId};
use vault_core::keys::Fingerprint;
use vault_core::trust::TrustedOrg;

use crate::client::Client;
use crate::error::Result;
use crate::pins::Pins;

impl Client {
    /// Takes `org`'s changed root key, or its first changed organisation key version, whose
    /// new fingerprint the person confirmed with the organisation. Returns whether anything
    /// changed in the pins (false: they already agreed with the server).
    pub async fn accept_org_key(&self, org: OrgId, fingerprint: Fingerprint) -> Result<bool> {
        self.check_log().await?;
        let dir: OrgDirectory = self.api.get(&format!("/v1/orgs/{org}/directory")).await?;
        // Verified without the pinned root, which is what may have changed.
        let trusted = TrustedOrg::verify(&dir, None)?;
        self.update_pins(org, |pins| pins.accept_org(&trusted, fingerprint))
    }

    /// Takes member `user`'s changed keys, whose new member fingerprint the person confirmed
    /// with the member. The organisation's root must still be the pinned one.
    pub async fn accept_member_key(
        &self,
        org: OrgId,
        user: UserId,
        fingerprint: Fingerprint,
    ) -> Result<bool> {
        self.check_log().await?;
        let dir: OrgDirectory = self.api.get(&format!("/v1/orgs/{org}/directory")).await?;
        let pinned_root = Pins::load(&self.pins_path())?.root(org).copied();
        let trusted = TrustedOrg::verify(&dir, pinned_root.as_ref())?;
        self.update_pins(org, |pins| pins.accept_member(&trusted, user, fingerprint))
    }

    fn update_pins(
        &self,
        org: OrgId,
        change: impl FnOnce(&mut Pins) -> Result<bool>,
    ) -> Result<bool> {
        let path = self.pins_path();
        let mut pins = Pins::load(&path)?;
        let changed = change(&mut pins)?;
        if changed {
            pins.save(&path)?;
            self.forget_trusted(org);
        }
        Ok(changed)
    }
}
