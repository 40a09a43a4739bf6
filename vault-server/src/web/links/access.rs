//! Who may see a link and from which side: the check every link page and form runs first.
//!
//! A practitioner or manager sees a link when their organisation is one of its sides (the
//! child's or the family's; both when one organisation placed its own child with its own
//! family). An adopter or foster carer sees the links of their own family profile, and
//! changes none. Anyone else gets "not found", the same answer as an id that does not exist.

use vault_core::ids::{ChildProfileId, FamilyProfileId, LinkId, OrgId, UserId};
use vault_core::matching::{self, LinkStatus, Side, TransitionError};

use crate::db::codec;
use crate::state::AppState;
use crate::web::page::PageError;
use crate::web::session::{Role, Viewer};

/// A link as stored.
pub struct Link {
    /// The link.
    pub id: LinkId,
    /// The child profile it is about.
    pub child_profile: ChildProfileId,
    /// The family it was made for.
    pub family_profile: FamilyProfileId,
    /// The child's organisation.
    pub child_org: OrgId,
    /// The family's organisation.
    pub family_org: OrgId,
    /// Where it stands.
    pub status: LinkStatus,
    /// Why the child's side declined it.
    pub decline_reason: Option<String>,
    /// Who made it.
    pub created_by: UserId,
    /// When it was made and last changed.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// How the viewer stands to a link.
pub enum Access {
    /// Staff of one or both sides' organisations.
    Staff(Vec<Side>),
    /// The adopter or foster carer the link was made for: reads, never changes.
    Family,
}

impl Access {
    /// The sides the viewer acts for; none for a family.
    #[must_use]
    pub fn sides(&self) -> &[Side] {
        match self {
            Self::Staff(sides) => sides,
            Self::Family => &[],
        }
    }

    /// Staff sides, or 403 for the family, who follow the link but do not move it.
    pub fn staff_sides(&self) -> Result<&[Side], PageError> {
        match self {
            Self::Staff(sides) => Ok(sides),
            Self::Family => Err(PageError::Forbidden(
                "adopters and foster carers follow their links here; their social worker \
                 takes the steps and writes the messages",
            )),
        }
    }
}

/// The columns [`Link`] is read from, for every query that loads links.
pub const COLUMNS: &str = "l.id, l.child_profile_id, l.family_profile_id, l.child_org, \
     l.family_org, l.status, l.decline_reason, l.created_by, l.created_at, l.updated_at";

/// One stored row of [`COLUMNS`].
pub type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

/// Decodes a row of [`COLUMNS`].
pub fn decode(row: Row) -> Result<Link, PageError> {
    let (id, child, family, child_org, family_org, status, reason, by, created, updated) = row;
    Ok(Link {
        id: codec::parse(&id)?,
        child_profile: codec::parse(&child)?,
        family_profile: codec::parse(&family)?,
        child_org: codec::parse(&child_org)?,
        family_org: codec::parse(&family_org)?,
        status: status
            .parse()
            .map_err(|_| PageError::internal(anyhow::anyhow!("a link has an unknown status")))?,
        decline_reason: reason,
        created_by: codec::parse(&by)?,
        created_at: created,
        updated_at: updated,
    })
}

/// Link `id` and how `viewer` stands to it, or 404 when they are no side of it.
pub async fn load(
    state: &AppState,
    id: LinkId,
    viewer: &Viewer,
) -> Result<(Link, Access), PageError> {
    let sql = format!("SELECT {COLUMNS} FROM links l WHERE l.id = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(state.db.reader())
        .await?;
    let link = decode(row.ok_or(PageError::NotFound)?)?;
    let access = access(state, &link, viewer).await?;
    Ok((link, access))
}

async fn access(state: &AppState, link: &Link, viewer: &Viewer) -> Result<Access, PageError> {
    match (viewer.role, viewer.org_id) {
        (Role::Manager | Role::Practitioner, Some(org)) => {
            let mut sides = Vec::new();
            if org == link.child_org {
                sides.push(Side::ChildSide);
            }
            if org == link.family_org {
                sides.push(Side::FamilySide);
            }
            if sides.is_empty() {
                Err(PageError::NotFound)
            } else {
                Ok(Access::Staff(sides))
            }
        }
        (Role::Family, Some(_)) => {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM family_profiles WHERE id = $1 AND account_user_id = $2",
            )
            .bind(link.family_profile.to_string())
            .bind(viewer.user_id.to_string())
            .fetch_one(state.db.reader())
            .await?;
            if n == 1 {
                Ok(Access::Family)
            } else {
                Err(PageError::NotFound)
            }
        }
        _ => Err(PageError::NotFound),
    }
}

/// The steps the viewer's sides may take from `status`, the forward step first, no repeats.
#[must_use]
pub fn steps(status: LinkStatus, sides: &[Side]) -> Vec<LinkStatus> {
    let mut steps: Vec<LinkStatus> = Vec::new();
    for side in sides {
        for step in matching::next_steps(status, *side) {
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
    }
    steps.sort_by_key(|s| LinkStatus::ALL.iter().position(|a| a == s));
    steps
}

/// Checks a step for a viewer acting for `sides`: allowed if any side may take it. A step
/// out of order is 409 whoever asks; the other side's step is 403; both with the reason.
pub fn check_step(from: LinkStatus, to: LinkStatus, sides: &[Side]) -> Result<(), PageError> {
    let mut refusal = None;
    for side in sides {
        match matching::check(from, to, *side) {
            Ok(()) => return Ok(()),
            Err(err) => refusal = Some(err),
        }
    }
    Err(match refusal {
        Some(err @ TransitionError::WrongSide(_)) => PageError::Forbidden(err.reason()),
        Some(err) => PageError::Conflict(err.reason()),
        None => PageError::Forbidden("only the link's organisations take its steps"),
    })
}
