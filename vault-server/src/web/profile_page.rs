//! What child and family profile pages share: the facts about who keeps the profile, its
//! views, photo, links and activity trail, gathered once for either kind.
//!
//! Opening a profile of another organisation counts a view; the owner's staff see the count,
//! the trail, the case file and who the profile is shown to. Other organisations see the
//! profile and the links they are a side of, nothing of the owner's working notes.

use vault_core::ids::{OrgId, UserId};

use super::activity::{self, Entry, Shown, Subject};
use super::page::PageResult;
use super::profile_fields::{ProfileValues, Sharing};
use super::profile_store::{self, LinkShown, Opened, ProfileStore};
use super::profile_words::{label, STATUSES, VISIBILITY};
use super::session::Viewer;
use super::visibility::Kind;
use crate::db::Tx;
use crate::state::AppState;

/// The parts of a profile page both kinds have.
pub struct Common {
    /// The profile's id.
    pub id: String,
    /// Whether the viewer's organisation owns the profile.
    pub mine: bool,
    /// The owning organisation's name.
    pub org_name: String,
    /// The social worker's name.
    pub social_worker: String,
    /// Reference of the case file, for the owner; "" when none.
    pub case_ref: String,
    /// Who may see the profile, in words, for the owner.
    pub shown_to: String,
    /// Active or archived, in words.
    pub status: String,
    /// The view count as a sentence, for the owner.
    pub views: String,
    /// Whether a photo is stored.
    pub has_photo: bool,
    /// Where the photo is served and changed.
    pub photo_path: String,
    /// Links the viewer's organisation is a side of.
    pub links: Vec<LinkShown>,
}

/// What a staff member's profile page of `kind` shows beside its own facts: the values of
/// profile `id`, the parts both kinds share and the trail; 403 for anyone but staff, 404 when
/// their organisation may not see it.
pub async fn open<V: ProfileStore + ProfileValues>(
    state: &AppState,
    viewer: &Viewer,
    kind: Kind,
    id: impl ToString,
) -> PageResult<(V, Common, Vec<Shown>)> {
    let Opened { org, id, owner } = profile_store::open(state, viewer, kind, id).await?;
    let values = V::load(state, &id, org).await?;
    let p = common(state, kind, &id, org, owner, values.shared()).await?;
    let subject = match kind {
        Kind::Child => Subject::Child,
        Kind::Family => Subject::Family,
    };
    let activity = trail(state, subject, &p, org).await?;
    Ok((values, p, activity))
}

type MetaRow = (
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);

/// Gathers the shared parts of profile `id` (already checked visible to `viewer`, owned by
/// `owner`), counting a view when the viewer is of another organisation.
pub async fn common(
    state: &AppState,
    kind: Kind,
    id: &str,
    viewer: OrgId,
    owner: OrgId,
    sharing: &Sharing,
) -> PageResult<Common> {
    let mine = owner == viewer;
    if !mine {
        profile_store::count_view(state, kind, id).await?;
    }
    let sql = format!(
        "SELECT p.views, p.photo_type, u.display_name, u.email, o.name, c.reference \
         FROM {} p JOIN users u ON u.id = p.social_worker JOIN orgs o ON o.id = p.org_id \
         LEFT JOIN cases c ON c.id = p.case_id WHERE p.id = $1",
        kind.table()
    );
    let (views, photo, name, email, org_name, case_ref): MetaRow = sqlx::query_as(&sql)
        .bind(id)
        .fetch_one(state.db.reader())
        .await?;
    let links = match kind {
        Kind::Child => profile_store::child_links(state, id, viewer).await?,
        Kind::Family => profile_store::family_links(state, id, viewer).await?,
    };
    let base = match kind {
        Kind::Child => "children",
        Kind::Family => "families",
    };
    Ok(Common {
        id: id.to_owned(),
        mine,
        org_name,
        social_worker: name.unwrap_or(email),
        case_ref: case_ref.unwrap_or_default(),
        shown_to: shown_to(state, sharing).await?,
        status: label(STATUSES, &sharing.status).to_owned(),
        views: profile_store::views_text(views),
        has_photo: photo.is_some(),
        photo_path: format!("/{base}/{id}/photo"),
        links,
    })
}

/// "Named organisations: Southby Agency, Westmoor Council".
async fn shown_to(state: &AppState, sharing: &Sharing) -> PageResult<String> {
    let words = label(VISIBILITY, &sharing.visibility).to_owned();
    if sharing.orgs.is_empty() {
        return Ok(words);
    }
    let mut names = Vec::new();
    for org in &sharing.orgs {
        let row: Option<(String,)> = sqlx::query_as("SELECT name FROM orgs WHERE id = $1")
            .bind(org)
            .fetch_optional(state.db.reader())
            .await?;
        names.extend(row.map(|(n,)| n));
    }
    names.sort();
    Ok(format!("{words}: {}", names.join(", ")))
}

/// The trail of profile `id`, for its owner only; others see none.
pub async fn trail(
    state: &AppState,
    subject: Subject,
    common: &Common,
    viewer: OrgId,
) -> PageResult<Vec<Shown>> {
    if common.mine {
        Ok(activity::trail(state, subject, &common.id, viewer).await?)
    } else {
        Ok(Vec::new())
    }
}

/// The trail's words for a new profile.
pub const CREATED: &str = "created the profile";

/// The trail subject of a kind of profile.
#[must_use]
pub fn subject(kind: Kind) -> Subject {
    match kind {
        Kind::Child => Subject::Child,
        Kind::Family => Subject::Family,
    }
}

/// Records a trail entry on profile `id` of `org` by `actor` (staff, or the family itself),
/// inside the transaction of the change.
pub async fn record(
    tx: &mut Tx,
    kind: Kind,
    actor: UserId,
    org: OrgId,
    id: &str,
    summary: &str,
) -> sqlx::Result<()> {
    let entry = Entry {
        actor: Some(actor),
        org_id: org,
        other_org_id: None,
        subject: subject(kind),
        subject_id: id.to_owned(),
        summary,
    };
    activity::record(tx, entry).await
}
