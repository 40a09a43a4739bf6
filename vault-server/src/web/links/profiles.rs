//! Child and family profiles as search results and link pages show them: a short summary,
//! and the facts the match score reads ([`vault_core::matching`]).
//!
//! The loaders take the condition that selects rows from their caller, so search can ask for
//! "visible to us and active" ([`super::visibility::profile_visible`]) while a link page asks
//! for the one profile its link names (the link's sides are its authorisation). Children of
//! a profile come in a second query with the same condition, which keeps both queries plain
//! SQL that runs on SQLite and PostgreSQL alike.

use std::collections::HashMap;

use vault_core::ids::{ChildProfileId, FamilyProfileId, OrgId, UserId};
use vault_core::matching::{
    ChildNeeds, FamilyKind, FamilyOffer, LegalStatus, NeedLevel, Needs, YearMonth,
};

use crate::db::codec;
use crate::state::AppState;
use crate::web::page::PageError;

/// A child profile: one child or a sibling group.
pub struct ChildSummary {
    /// The profile.
    pub id: ChildProfileId,
    /// Its organisation and that organisation's name.
    pub org_id: OrgId,
    /// The organisation's name.
    pub org_name: String,
    /// The children's names or labels, "Amy and Ben".
    pub label: String,
    /// What the score reads.
    pub needs: ChildNeeds,
    /// Ages in years this month, youngest first.
    pub ages: Vec<u32>,
    /// The child's social worker.
    pub social_worker: UserId,
    /// Whether the profile is active (not archived).
    pub active: bool,
}

/// A family profile.
pub struct FamilySummary {
    /// The profile.
    pub id: FamilyProfileId,
    /// Its organisation.
    pub org_id: OrgId,
    /// The organisation's name.
    pub org_name: String,
    /// The name the profile shows, "Sam and Alex".
    pub name: String,
    /// What the score reads.
    pub offer: FamilyOffer,
    /// in assessment, approved, on hold (in words).
    pub approval: String,
    /// The family's social worker.
    pub social_worker: UserId,
    /// The adopter's or carer's own account, if they have one.
    pub account: Option<UserId>,
    /// Whether the profile is active (not archived).
    pub active: bool,
}

impl ChildSummary {
    /// "Ages 4 and 6" or "Age 3", for listings.
    #[must_use]
    pub fn ages_text(&self) -> String {
        let ages: Vec<String> = self.ages.iter().map(ToString::to_string).collect();
        match ages.as_slice() {
            [] => String::new(),
            [one] => format!("Age {one}"),
            [init @ .., last] => format!("Ages {} and {last}", init.join(", ")),
        }
    }

    /// "Sibling group of 2" or "One child".
    #[must_use]
    pub fn group_text(&self) -> String {
        match self.ages.len() {
            1 => "One child".to_owned(),
            n => format!("Sibling group of {n}"),
        }
    }
}

impl FamilySummary {
    /// "Adoption, ages 0–6, up to 2 children", for listings.
    #[must_use]
    pub fn hopes_text(&self) -> String {
        let o = &self.offer;
        let kind = match o.kind {
            FamilyKind::Adoption => "Adoption",
            FamilyKind::Fostering => "Fostering",
        };
        let children = if o.children_max == 1 {
            "1 child".to_owned()
        } else {
            format!("up to {} children", o.children_max)
        };
        format!(
            "{kind}, ages {}\u{2013}{}, {children}",
            o.age_min, o.age_max
        )
    }
}

/// This month, for ages.
#[must_use]
pub fn this_month() -> YearMonth {
    /// Never used: `time` months are always 1 to 12; it spares the request path a panic.
    const FALLBACK: YearMonth = match YearMonth::new(2000, 1) {
        Some(m) => m,
        None => panic!("January is a month"),
    };
    let today = time::OffsetDateTime::now_utc().date();
    YearMonth::new(today.year(), u8::from(today.month())).unwrap_or(FALLBACK)
}

#[derive(sqlx::FromRow)]
struct ChildRow {
    id: String,
    org_id: String,
    org_name: String,
    legal_status: String,
    region: String,
    need_health: String,
    need_development: String,
    need_education: String,
    need_contact: String,
    social_worker: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct FamilyRow {
    id: String,
    org_id: String,
    org_name: String,
    name: String,
    family_kind: String,
    approval_status: String,
    meet_health: String,
    meet_development: String,
    meet_education: String,
    meet_contact: String,
    age_min: i64,
    age_max: i64,
    children_max: i64,
    region: String,
    social_worker: String,
    account_user_id: Option<String>,
    status: String,
}

fn stored<T: std::str::FromStr>(text: &str) -> Result<T, PageError> {
    text.parse()
        .map_err(|_| PageError::internal(anyhow::anyhow!("a profile holds an unknown value")))
}

fn needs(h: &str, d: &str, e: &str, c: &str) -> Result<Needs, PageError> {
    let level = |t: &str| stored::<NeedLevel>(t);
    Ok(Needs {
        health: level(h)?,
        development: level(d)?,
        education: level(e)?,
        contact: level(c)?,
    })
}

fn years(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The query `sql` with `binds` as its `$1`, `$2`..., for the caller to bind more or run.
pub fn bound<'q, T>(
    sql: &'q str,
    binds: &'q [String],
) -> sqlx::query::QueryAs<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    binds
        .iter()
        .fold(sqlx::query_as::<_, T>(sql), sqlx::query::QueryAs::bind)
}

/// Runs `sql` with `binds` as its `$1`, `$2`... and reads every row.
pub async fn fetch_all<T>(state: &AppState, sql: &str, binds: &[String]) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    bound(sql, binds).fetch_all(state.db.reader()).await
}

/// Child profiles (aliased `p`) meeting `condition`, whose `$1`, `$2`... are `binds`, in the
/// order they were created.
pub async fn children(
    state: &AppState,
    condition: &str,
    binds: &[String],
) -> Result<Vec<ChildSummary>, PageError> {
    let sql = format!(
        "SELECT p.id, p.org_id, o.name AS org_name, p.legal_status, p.region, p.need_health, \
                p.need_development, p.need_education, p.need_contact, p.social_worker, p.status \
         FROM child_profiles p JOIN orgs o ON o.id = p.org_id WHERE {condition} \
         ORDER BY p.created_at, p.id"
    );
    let rows: Vec<ChildRow> = fetch_all(state, &sql, binds).await?;
    let sql = format!(
        "SELECT c.profile_id, c.name, c.birth_month, c.birth_year FROM children c \
         JOIN child_profiles p ON p.id = c.profile_id WHERE {condition} \
         ORDER BY c.profile_id, c.position"
    );
    let births: Vec<(String, String, i64, i64)> = fetch_all(state, &sql, binds).await?;
    let mut kids: HashMap<String, Vec<(String, YearMonth)>> = HashMap::new();
    for (profile, name, month, year) in births {
        let birth = i32::try_from(year)
            .ok()
            .zip(u8::try_from(month).ok())
            .and_then(|(y, m)| YearMonth::new(y, m))
            .ok_or_else(|| PageError::internal(anyhow::anyhow!("a child's birth is invalid")))?;
        kids.entry(profile).or_default().push((name, birth));
    }
    let today = this_month();
    rows.into_iter()
        .map(|row| {
            let kids = kids.remove(&row.id).unwrap_or_default();
            child_summary(row, &kids, today)
        })
        .collect()
}

fn child_summary(
    row: ChildRow,
    kids: &[(String, YearMonth)],
    today: YearMonth,
) -> Result<ChildSummary, PageError> {
    let names: Vec<&str> = kids.iter().map(|(n, _)| n.as_str()).collect();
    let label = match names.as_slice() {
        [] => "No children listed".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let births: Vec<YearMonth> = kids.iter().map(|(_, b)| *b).collect();
    let mut ages: Vec<u32> = births.iter().map(|b| today.years_since(*b)).collect();
    ages.sort_unstable();
    Ok(ChildSummary {
        id: codec::parse(&row.id)?,
        org_id: codec::parse(&row.org_id)?,
        org_name: row.org_name,
        label,
        needs: ChildNeeds {
            births,
            needs: needs(
                &row.need_health,
                &row.need_development,
                &row.need_education,
                &row.need_contact,
            )?,
            region: row.region,
            legal_status: stored::<LegalStatus>(&row.legal_status)?,
        },
        ages,
        social_worker: codec::parse(&row.social_worker)?,
        active: row.status == "active",
    })
}

/// Family profiles (aliased `p`) meeting `condition`, whose `$1`, `$2`... are `binds`, in the
/// order they were created.
pub async fn families(
    state: &AppState,
    condition: &str,
    binds: &[String],
) -> Result<Vec<FamilySummary>, PageError> {
    let sql = format!(
        "SELECT p.id, p.org_id, o.name AS org_name, p.name, p.family_kind, p.approval_status, \
                p.meet_health, p.meet_development, p.meet_education, p.meet_contact, \
                p.age_min, p.age_max, p.children_max, p.region, p.social_worker, \
                p.account_user_id, p.status \
         FROM family_profiles p JOIN orgs o ON o.id = p.org_id WHERE {condition} \
         ORDER BY p.created_at, p.id"
    );
    let rows: Vec<FamilyRow> = fetch_all(state, &sql, binds).await?;
    rows.into_iter().map(family_summary).collect()
}

fn family_summary(row: FamilyRow) -> Result<FamilySummary, PageError> {
    Ok(FamilySummary {
        id: codec::parse(&row.id)?,
        org_id: codec::parse(&row.org_id)?,
        org_name: row.org_name,
        name: row.name,
        offer: FamilyOffer {
            kind: stored::<FamilyKind>(&row.family_kind)?,
            can_meet: needs(
                &row.meet_health,
                &row.meet_development,
                &row.meet_education,
                &row.meet_contact,
            )?,
            age_min: years(row.age_min),
            age_max: years(row.age_max),
            children_max: years(row.children_max),
            region: row.region,
        },
        approval: row.approval_status.replace('_', " "),
        social_worker: codec::parse(&row.social_worker)?,
        account: row
            .account_user_id
            .as_deref()
            .map(codec::parse)
            .transpose()?,
        active: row.status == "active",
    })
}

/// The one child profile `id`, whatever its visibility (the caller has authorised it).
pub async fn child(state: &AppState, id: ChildProfileId) -> Result<ChildSummary, PageError> {
    children(state, "p.id = $1", &[id.to_string()])
        .await?
        .pop()
        .ok_or(PageError::NotFound)
}

/// The one family profile `id`, whatever its visibility (the caller has authorised it).
pub async fn family(state: &AppState, id: FamilyProfileId) -> Result<FamilySummary, PageError> {
    families(state, "p.id = $1", &[id.to_string()])
        .await?
        .pop()
        .ok_or(PageError::NotFound)
}
