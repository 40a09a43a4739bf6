//! Storing child profiles: loading one as a viewer may see it, inserting a new one and
//! replacing the fields of an edited one, with its children and named organisations.
//!
//! The children of a profile are rewritten on every save in the order given, so positions
//! never have gaps; nothing else refers to a child row.

use vault_core::ids::{OrgId, UserId};

use super::page::PageResult;
use super::profile_child::{ChildValues, Row, NEED_KEYS};
use super::profile_fields::Sharing;
use super::profile_store::{self, or_null, visible_row, ProfileStore};
use super::profile_words::Levels;
use super::visibility::Kind;
use crate::db::{now, Tx};
use crate::state::AppState;

/// The stored fields of a child profile.
#[derive(sqlx::FromRow)]
struct Stored {
    legal_status: String,
    region: String,
    need_health: String,
    need_development: String,
    need_education: String,
    need_contact: String,
    needs_notes: String,
    likes: String,
    personality: String,
    social_worker: String,
    case_id: Option<String>,
    visibility: String,
    status: String,
}

impl ProfileStore for ChildValues {
    /// Loads child profile `id` as organisation `viewer` may see it; 404 otherwise.
    async fn load(state: &AppState, id: &str, viewer: OrgId) -> PageResult<Self> {
        let columns = "legal_status, region, need_health, need_development, need_education, \
             need_contact, needs_notes, likes, personality, social_worker, case_id, visibility, \
             status";
        let stored: Stored = visible_row(state, Kind::Child, columns, id, viewer).await?;
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT name, birth_month, birth_year FROM children WHERE profile_id = $1 \
             ORDER BY position",
        )
        .bind(id)
        .fetch_all(state.db.reader())
        .await?;
        let orgs = profile_store::named_orgs(state, Kind::Child, id).await?;
        Ok(values(stored, rows, orgs))
    }

    /// Stores a new profile `id` of `org`, made by `creator`: the row with what never changes,
    /// then its fields as an edit writes them.
    async fn insert(&self, tx: &mut Tx, id: &str, org: OrgId, creator: UserId) -> sqlx::Result<()> {
        let blank = (
            "legal_status, region, need_health, need_development, need_education, need_contact, \
             needs_notes, likes, personality",
            "'', '', '', '', '', '', '', '', ''",
        );
        profile_store::insert_blank(tx, Kind::Child, (id, org, creator), blank).await?;
        self.update(tx, id, org).await
    }

    /// Replaces the fields of profile `id` of `org`, its children and named organisations.
    async fn update(&self, tx: &mut Tx, id: &str, org: OrgId) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE child_profiles SET social_worker = $1, case_id = $2, \
             legal_status = $3, region = $4, need_health = $5, need_development = $6, \
             need_education = $7, need_contact = $8, needs_notes = $9, likes = $10, \
             personality = $11, visibility = $12, status = $13, updated_at = $14 \
             WHERE id = $15 AND org_id = $16",
        )
        .bind(&self.sharing.social_worker)
        .bind(or_null(&self.sharing.case))
        .bind(&self.legal_status)
        .bind(&self.sharing.region)
        .bind(&self.needs.values[0])
        .bind(&self.needs.values[1])
        .bind(&self.needs.values[2])
        .bind(&self.needs.values[3])
        .bind(&self.needs_notes)
        .bind(&self.likes)
        .bind(&self.personality)
        .bind(&self.sharing.visibility)
        .bind(&self.sharing.status)
        .bind(now())
        .bind(id)
        .bind(org.to_string())
        .execute(&mut **tx)
        .await?;
        save_children(tx, id, self).await
    }
}

/// The values of a stored profile, its children and named organisations.
fn values(stored: Stored, rows: Vec<(String, i64, i64)>, orgs: Vec<String>) -> ChildValues {
    ChildValues {
        rows_refused: None,
        rows: rows
            .into_iter()
            .map(|(name, month, year)| Row {
                name,
                month: month.to_string(),
                year: year.to_string(),
            })
            .collect(),
        legal_status: stored.legal_status,
        needs: Levels::new(
            NEED_KEYS,
            [
                stored.need_health,
                stored.need_development,
                stored.need_education,
                stored.need_contact,
            ],
        ),
        needs_notes: stored.needs_notes,
        likes: stored.likes,
        personality: stored.personality,
        sharing: Sharing {
            region: stored.region,
            social_worker: stored.social_worker,
            case: stored.case_id.unwrap_or_default(),
            visibility: stored.visibility,
            orgs,
            status: stored.status,
        },
    }
}

/// Writes the children of profile `id` again, in the order given, and its named
/// organisations.
async fn save_children(tx: &mut Tx, id: &str, v: &ChildValues) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM children WHERE profile_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (position, row) in v.rows.iter().enumerate() {
        let (month, year) = row.born();
        sqlx::query(
            "INSERT INTO children (id, profile_id, position, name, birth_month, birth_year) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&row.name)
        .bind(month)
        .bind(year)
        .execute(&mut **tx)
        .await?;
    }
    profile_store::save_named(tx, Kind::Child, id, &v.sharing.orgs).await
}
