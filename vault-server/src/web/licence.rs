//! An organisation's licence and matching rules (`org_settings`).

use vault_core::ids::OrgId;

use crate::db::{now, Tx};
use crate::state::AppState;

/// Links a family may have open at once, unless the platform admin sets another number.
pub const DEFAULT_OPEN_LINK_CAP: i64 = 3;

/// An organisation's licence and rules.
#[derive(Clone, Debug)]
pub struct OrgSettings {
    /// The platform admin has the licence switched on.
    pub licence_active: bool,
    /// Last day of the licence, `YYYY-MM-DD`.
    pub licence_expires_on: String,
    /// Links one family may have open at once.
    pub open_link_cap: i64,
    /// Adopters and foster carers may edit their own profile.
    pub families_edit_own: bool,
    /// Default region of new profiles.
    pub region: String,
}

impl OrgSettings {
    /// Whether the licence is active and not past its last day.
    #[must_use]
    pub fn is_current(&self) -> bool {
        self.licence_active && self.licence_expires_on >= super::visibility::today()
    }
}

/// The last day of a new licence unless the platform admin chooses another: a year from today.
#[must_use]
pub fn default_expiry() -> String {
    let year_on = time::OffsetDateTime::now_utc()
        .date()
        .saturating_add(time::Duration::days(365));
    super::visibility::iso_date(year_on)
}

/// A licence for a year from today, the default cap, families not editing their own profile.
pub async fn insert_default(tx: &mut Tx, org: OrgId) -> sqlx::Result<()> {
    let settings = OrgSettings {
        licence_active: true,
        licence_expires_on: default_expiry(),
        open_link_cap: DEFAULT_OPEN_LINK_CAP,
        families_edit_own: false,
        region: String::new(),
    };
    save(tx, org, &settings).await
}

/// Writes `settings` as the licence and rules of `org`, replacing any it had (an organisation
/// made before licences existed has no row to update).
pub async fn save(tx: &mut Tx, org: OrgId, settings: &OrgSettings) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM org_settings WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO org_settings (org_id, licence_active, licence_expires_on, open_link_cap, \
                                   families_edit_own, region, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org.to_string())
    .bind(i64::from(settings.licence_active))
    .bind(&settings.licence_expires_on)
    .bind(settings.open_link_cap)
    .bind(i64::from(settings.families_edit_own))
    .bind(&settings.region)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The settings of `org`; an organisation made before licences existed has none, and counts
/// as unlicensed until the platform admin gives it one.
pub async fn load(state: &AppState, org: OrgId) -> sqlx::Result<OrgSettings> {
    let row: Option<(i64, String, i64, i64, String)> = sqlx::query_as(
        "SELECT licence_active, licence_expires_on, open_link_cap, families_edit_own, region \
         FROM org_settings WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(state.db.reader())
    .await?;
    Ok(match row {
        Some((active, expires, cap, edit, region)) => OrgSettings {
            licence_active: active == 1,
            licence_expires_on: expires,
            open_link_cap: cap,
            families_edit_own: edit == 1,
            region,
        },
        None => OrgSettings {
            licence_active: false,
            licence_expires_on: String::new(),
            open_link_cap: DEFAULT_OPEN_LINK_CAP,
            families_edit_own: false,
            region: String::new(),
        },
    })
}
