//! Storing family profiles: loading one as a viewer may see it, the family accounts it may
//! be given, inserting a new one, replacing an edited one, and replacing only the household
//! and preferences when the family edits its own.

use vault_core::ids::{OrgId, UserId};

use super::page::PageResult;
use super::profile_family::{num, own, FamilyValues, MEET_KEYS};
use super::profile_fields::Sharing;
use super::profile_store::{self, or_null, visible_row, ProfileStore};
use super::profile_words::Levels;
use super::visibility::Kind;
use crate::db::{now, Tx};
use crate::state::AppState;

/// The stored fields of a family profile.
#[derive(sqlx::FromRow)]
struct Stored {
    name: String,
    family_kind: String,
    adults: i64,
    children_at_home: i64,
    household: String,
    approval_status: String,
    approval_terms: String,
    meet_health: String,
    meet_development: String,
    meet_education: String,
    meet_contact: String,
    age_min: i64,
    age_max: i64,
    children_max: i64,
    region: String,
    description: String,
    account_user_id: Option<String>,
    social_worker: String,
    case_id: Option<String>,
    visibility: String,
    status: String,
}

const COLUMNS: &str = "name, family_kind, adults, children_at_home, household, approval_status, \
     approval_terms, meet_health, meet_development, meet_education, meet_contact, age_min, \
     age_max, children_max, region, description, account_user_id, social_worker, case_id, \
     visibility, status";

impl ProfileStore for FamilyValues {
    /// Loads family profile `id` as organisation `viewer` may see it; 404 otherwise.
    async fn load(state: &AppState, id: &str, viewer: OrgId) -> PageResult<Self> {
        let s: Stored = visible_row(state, Kind::Family, COLUMNS, id, viewer).await?;
        let orgs = profile_store::named_orgs(state, Kind::Family, id).await?;
        Ok(FamilyValues {
            name: s.name,
            family_kind: s.family_kind,
            own: [
                s.adults.to_string(),
                s.children_at_home.to_string(),
                s.household,
                s.age_min.to_string(),
                s.age_max.to_string(),
                s.children_max.to_string(),
                s.description,
            ],
            approval_status: s.approval_status,
            approval_terms: s.approval_terms,
            meets: Levels::new(
                MEET_KEYS,
                [
                    s.meet_health,
                    s.meet_development,
                    s.meet_education,
                    s.meet_contact,
                ],
            ),
            account: s.account_user_id.unwrap_or_default(),
            sharing: Sharing {
                region: s.region,
                social_worker: s.social_worker,
                case: s.case_id.unwrap_or_default(),
                visibility: s.visibility,
                orgs,
                status: s.status,
            },
        })
    }

    /// Stores a new profile `id` of `org`, made by `creator`: the row with what never changes,
    /// then its fields as an edit writes them.
    async fn insert(&self, tx: &mut Tx, id: &str, org: OrgId, creator: UserId) -> sqlx::Result<()> {
        let blank = (
            "name, family_kind, adults, children_at_home, household, approval_status, \
             approval_terms, meet_health, meet_development, meet_education, meet_contact, age_min, \
             age_max, children_max, region, description",
            "'', '', 0, 0, '', '', '', '', '', '', '', 0, 0, 0, '', ''",
        );
        profile_store::insert_blank(tx, Kind::Family, (id, org, creator), blank).await?;
        self.update(tx, id, org).await
    }

    /// Replaces every field of profile `id` of `org`.
    async fn update(&self, tx: &mut Tx, id: &str, org: OrgId) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE family_profiles SET name = $1, family_kind = $2, approval_status = $3, \
             approval_terms = $4, meet_health = $5, meet_development = $6, meet_education = $7, \
             meet_contact = $8, region = $9, account_user_id = $10, social_worker = $11, \
             case_id = $12, visibility = $13, status = $14 WHERE id = $15 AND org_id = $16",
        )
        .bind(&self.name)
        .bind(&self.family_kind)
        .bind(&self.approval_status)
        .bind(&self.approval_terms)
        .bind(&self.meets.values[0])
        .bind(&self.meets.values[1])
        .bind(&self.meets.values[2])
        .bind(&self.meets.values[3])
        .bind(&self.sharing.region)
        .bind(or_null(&self.account))
        .bind(&self.sharing.social_worker)
        .bind(or_null(&self.sharing.case))
        .bind(&self.sharing.visibility)
        .bind(&self.sharing.status)
        .bind(id)
        .bind(org.to_string())
        .execute(&mut **tx)
        .await?;
        profile_store::save_named(tx, Kind::Family, id, &self.sharing.orgs).await?;
        update_own(tx, id, org, self).await
    }
}

/// Family accounts of `org` that profile `id` may be given: active, and not already the
/// account of another profile.
pub async fn accounts(
    state: &AppState,
    org: OrgId,
    id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT u.id, COALESCE(u.display_name, u.email) FROM users u WHERE u.org_id = $1 \
         AND u.kind = 'family' AND u.status = 'active' AND NOT EXISTS (SELECT 1 FROM \
         family_profiles f WHERE f.account_user_id = u.id AND f.id <> $2) ORDER BY 2, 1",
    )
    .bind(org.to_string())
    .bind(id)
    .fetch_all(state.db.reader())
    .await
}

/// Replaces the household and preference fields of profile `id` of `org`.
pub async fn update_own(tx: &mut Tx, id: &str, org: OrgId, v: &FamilyValues) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE family_profiles SET adults = $1, children_at_home = $2, household = $3, \
         age_min = $4, age_max = $5, children_max = $6, description = $7, updated_at = $8 \
         WHERE id = $9 AND org_id = $10",
    )
    .bind(num(&v.own[own::ADULTS]))
    .bind(num(&v.own[own::AT_HOME]))
    .bind(&v.own[own::HOUSEHOLD])
    .bind(num(&v.own[own::AGE_MIN]))
    .bind(num(&v.own[own::AGE_MAX]))
    .bind(num(&v.own[own::CHILDREN_MAX]))
    .bind(&v.own[own::DESCRIPTION])
    .bind(now())
    .bind(id)
    .bind(org.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
