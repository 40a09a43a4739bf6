//! Database pieces child and family profiles share: finding a profile the viewer may see,
//! the choices of a profile form, the organisations a profile is shown to by name, view
//! counts, photos and the links section of a profile page.
//!
//! Every read of a profile by id goes through [`visible_row`], which applies the one
//! visibility rule of [`super::visibility`]; an id the viewer may not see is "not found".

use std::future::Future;

use vault_core::ids::{OrgId, UserId};

use super::page::{PageError, PageResult};
use super::paging::{Asked, Pager, PAGE_SIZE};
use super::profile_fields::{join_names, Choices};
use super::session::Viewer;
use super::visibility::{self, Kind};
use crate::db::Tx;
use crate::state::AppState;

fn named_table(kind: Kind) -> &'static str {
    match kind {
        Kind::Child => "child_profile_orgs",
        Kind::Family => "family_profile_orgs",
    }
}

/// How the values of a kind of profile are read and written; each kind's store module
/// (`profile_child_db`, `profile_family_db`) implements it.
pub trait ProfileStore: Sized {
    /// Profile `id` as organisation `viewer` may see it; 404 otherwise.
    fn load(
        state: &AppState,
        id: &str,
        viewer: OrgId,
    ) -> impl Future<Output = PageResult<Self>> + Send;
    /// Stores a new profile `id` of `org`, made by `creator`.
    fn insert(
        &self,
        tx: &mut Tx,
        id: &str,
        org: OrgId,
        creator: UserId,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;
    /// Replaces the fields of profile `id` of `org`.
    fn update(
        &self,
        tx: &mut Tx,
        id: &str,
        org: OrgId,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;
}

/// The `columns` of profile `id` (aliased `p`) when organisation `viewer` may see it; 404
/// otherwise. Every read of one profile goes through here.
pub async fn visible_row<T>(
    state: &AppState,
    kind: Kind,
    columns: &str,
    id: &str,
    viewer: OrgId,
) -> PageResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let sql = format!(
        "SELECT {columns} FROM {} p WHERE p.id = $3 AND {}",
        kind.table(),
        visibility::profile_visible(kind, "$1", "$2")
    );
    sqlx::query_as(&sql)
        .bind(viewer.to_string())
        .bind(visibility::today())
        .bind(id)
        .fetch_optional(state.db.reader())
        .await?
        .ok_or(PageError::NotFound)
}

/// The owning organisation of profile `id` when `viewer` may see it; 404 otherwise.
pub async fn visible_owner(
    state: &AppState,
    kind: Kind,
    id: &str,
    viewer: OrgId,
) -> PageResult<OrgId> {
    let (org,): (String,) = visible_row(state, kind, "p.org_id", id, viewer).await?;
    Ok(crate::db::codec::parse(&org)?)
}

/// Writes the row of a new profile `id` of `kind` and `org`, made by `creator`, with what
/// never changes (owner, creator, times, no views yet) and the placeholder `blank` values of
/// the other columns (`blank.0` names them, `blank.1` gives them), which the kind's update
/// then fills in the same transaction: so each kind binds its fields in one place.
pub async fn insert_blank(
    tx: &mut Tx,
    kind: Kind,
    (id, org, creator): (&str, OrgId, UserId),
    blank: (&str, &str),
) -> sqlx::Result<()> {
    let sql = format!(
        "INSERT INTO {} (id, org_id, created_by, views, created_at, updated_at, social_worker, \
         case_id, visibility, status, {}) VALUES ($1, $2, $3, 0, $4, $4, $3, NULL, 'own', \
         'active', {})",
        kind.table(),
        blank.0,
        blank.1
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(org.to_string())
        .bind(creator.to_string())
        .bind(crate::db::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `None` (SQL NULL) for an empty form value such as "no case file".
#[must_use]
pub fn or_null(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

/// Where a staff page about one profile starts: the viewer's organisation, the profile's
/// id as stored, and its owner.
pub struct Opened {
    /// The viewer's organisation.
    pub org: OrgId,
    /// The profile's id.
    pub id: String,
    /// The organisation that owns the profile.
    pub owner: OrgId,
}

/// Opens profile `id` of `kind` for a practitioner or manager: 403 for anyone else, 404 when
/// their organisation may not see it.
pub async fn open(
    state: &AppState,
    viewer: &Viewer,
    kind: Kind,
    id: impl ToString,
) -> PageResult<Opened> {
    let org = viewer.staff_org()?;
    let id = id.to_string();
    let owner = visible_owner(state, kind, &id, org).await?;
    Ok(Opened { org, id, owner })
}

/// Page `asked` of organisation `org`'s own profiles of `kind`, listed at `path`.
pub async fn own_pager(
    state: &AppState,
    kind: Kind,
    org: OrgId,
    asked: Asked,
    path: &str,
) -> sqlx::Result<Pager> {
    let sql = format!(
        "SELECT COUNT(*) FROM {} p WHERE p.org_id = $1 AND {}",
        kind.table(),
        visibility::profile_visible(kind, "$1", "$2")
    );
    let (total,): (i64,) = sqlx::query_as(&sql)
        .bind(org.to_string())
        .bind(visibility::today())
        .fetch_one(state.db.reader())
        .await?;
    Ok(Pager::new(asked, total, PAGE_SIZE, path))
}

/// 404 unless profile `id` belongs to `org`: only the owner's staff change a profile.
pub async fn owned(state: &AppState, kind: Kind, id: &str, org: OrgId) -> PageResult<()> {
    if visible_owner(state, kind, id, org).await? == org {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

/// What the sharing fields of a profile form of `org` may be set to. Organisations already
/// named on profile `profile` stay choosable after their licence lapses, so an edit does not
/// fail over a choice made earlier.
pub async fn choices(
    state: &AppState,
    kind: Kind,
    org: OrgId,
    profile: &str,
) -> sqlx::Result<Choices> {
    let org = org.to_string();
    let staff = sqlx::query_as(
        "SELECT id, COALESCE(display_name, email) FROM users WHERE org_id = $1 \
         AND kind IN ('member', 'staff') AND status = 'active' \
         AND member_role IN ('manager', 'practitioner') ORDER BY 2, 1",
    )
    .bind(&org)
    .fetch_all(state.db.reader())
    .await?;
    let cases = sqlx::query_as("SELECT id, reference FROM cases WHERE org_id = $1 ORDER BY 2, 1")
        .bind(&org)
        .fetch_all(state.db.reader())
        .await?;
    let sql = format!(
        "SELECT o.id, o.name FROM orgs o WHERE o.id <> $1 AND ({} OR EXISTS \
         (SELECT 1 FROM {} n WHERE n.profile_id = $3 AND n.org_id = o.id)) ORDER BY 2, 1",
        visibility::licensed("o.id", "$2"),
        named_table(kind)
    );
    let orgs = sqlx::query_as(&sql)
        .bind(&org)
        .bind(visibility::today())
        .bind(profile)
        .fetch_all(state.db.reader())
        .await?;
    Ok(Choices { staff, cases, orgs })
}

/// The organisations profile `id` is shown to by name, sorted.
pub async fn named_orgs(state: &AppState, kind: Kind, id: &str) -> sqlx::Result<Vec<String>> {
    let sql = format!(
        "SELECT org_id FROM {} WHERE profile_id = $1 ORDER BY org_id",
        named_table(kind)
    );
    let rows: Vec<(String,)> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_all(state.db.reader())
        .await?;
    Ok(rows.into_iter().map(|(o,)| o).collect())
}

/// Replaces the organisations profile `id` is shown to by name.
pub async fn save_named(tx: &mut Tx, kind: Kind, id: &str, orgs: &[String]) -> sqlx::Result<()> {
    let table = named_table(kind);
    sqlx::query(&format!("DELETE FROM {table} WHERE profile_id = $1"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for org in orgs {
        sqlx::query(&format!(
            "INSERT INTO {table} (profile_id, org_id) VALUES ($1, $2)"
        ))
        .bind(id)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Counts one opening of profile `id` by someone of another organisation.
pub async fn count_view(state: &AppState, kind: Kind, id: &str) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {} SET views = views + 1 WHERE id = $1",
        kind.table()
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// "Viewed 3 times by other organisations."
#[must_use]
pub fn views_text(views: i64) -> String {
    match views {
        0 => "Not viewed by other organisations yet.".to_owned(),
        1 => "Viewed 1 time by other organisations.".to_owned(),
        n => format!("Viewed {n} times by other organisations."),
    }
}

/// The photo of profile `id` and its type, if it has one.
pub async fn photo(
    state: &AppState,
    kind: Kind,
    id: &str,
) -> sqlx::Result<Option<(Vec<u8>, String)>> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT photo, photo_type FROM {} WHERE id = $1",
        kind.table()
    ))
    .bind(id)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(match row {
        Some((Some(bytes), Some(kind))) => Some((bytes, kind)),
        _ => None,
    })
}

/// One link on a profile page.
pub struct LinkShown {
    /// The link's id, for `/links/{id}`.
    pub id: String,
    /// The profile on the other end: the family's name, or the children's names.
    pub other: String,
    /// Its status in words.
    pub status: String,
}

fn status_words(status: &str) -> String {
    let mut words = status.replace('_', " ");
    if let Some(first) = words.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    words
}

/// Links of child profile `id` that organisation `org` is a side of, newest first.
pub async fn child_links(state: &AppState, id: &str, org: OrgId) -> sqlx::Result<Vec<LinkShown>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT l.id, f.name, l.status FROM links l \
         JOIN family_profiles f ON f.id = l.family_profile_id \
         WHERE l.child_profile_id = $1 AND (l.child_org = $2 OR l.family_org = $2) \
         ORDER BY l.created_at DESC, l.id",
    )
    .bind(id)
    .bind(org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, other, status)| LinkShown {
            id,
            other,
            status: status_words(&status),
        })
        .collect())
}

/// Links of family profile `id` that organisation `org` is a side of, newest first; the
/// other end is named by its children, one row per child in the query.
pub async fn family_links(state: &AppState, id: &str, org: OrgId) -> sqlx::Result<Vec<LinkShown>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT l.id, c.name, l.status FROM links l \
         JOIN children c ON c.profile_id = l.child_profile_id \
         WHERE l.family_profile_id = $1 AND (l.child_org = $2 OR l.family_org = $2) \
         ORDER BY l.created_at DESC, l.id, c.position",
    )
    .bind(id)
    .bind(org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    let mut shown: Vec<(String, Vec<String>, String)> = Vec::new();
    for (id, name, status) in rows {
        match shown.last_mut() {
            Some((last, names, _)) if *last == id => names.push(name),
            _ => shown.push((id, vec![name], status)),
        }
    }
    Ok(shown
        .into_iter()
        .map(|(id, names, status)| LinkShown {
            id,
            other: join_names(&names),
            status: status_words(&status),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_statuses_read_as_words() {
        assert_eq!(status_words("in_discussion"), "In discussion");
        assert_eq!(status_words("sent"), "Sent");
    }

    #[test]
    fn view_counts_read_as_sentences() {
        assert_eq!(views_text(1), "Viewed 1 time by other organisations.");
        assert_eq!(views_text(3), "Viewed 3 times by other organisations.");
    }
}
