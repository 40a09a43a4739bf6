//! Changes to links: a new link, a step, a message, and "viewed" when the child's side first
//! opens one. Each is one transaction with its activity entry and its notifications, so a
//! failure leaves nothing half-written.
//!
//! Who is told of each change, and in which words, is decided in [`super::told`].

use vault_core::ids::{ChildProfileId, FamilyProfileId, LinkId, OrgId, UserId};
use vault_core::matching::LinkStatus;

use super::access::Link;
use super::told::{self, Event};
use crate::db::{now, Tx};
use crate::state::AppState;
use crate::web::activity::{self, Entry, Subject};
use crate::web::notify::time_ordered_id;
use crate::web::page::PageError;

fn entry<'a>(link: &Link, actor: UserId, summary: &'a str) -> Entry<'a> {
    Entry {
        actor: Some(actor),
        org_id: link.child_org,
        other_org_id: Some(link.family_org),
        subject: Subject::Link,
        subject_id: link.id.to_string(),
        summary,
    }
}

/// What the trail says about a step.
fn step_summary(to: LinkStatus) -> String {
    match to {
        LinkStatus::Declined => "declined the link".to_owned(),
        LinkStatus::Withdrawn => "withdrew the link".to_owned(),
        LinkStatus::Closed => "closed the link".to_owned(),
        other => format!("changed the status to {}", other.words()),
    }
}

/// Moves `link` from `from` (the status the page showed) to `to`. 409 when the link moved
/// meanwhile; the caller has checked the step is allowed for the actor's sides.
pub async fn step(
    state: &AppState,
    link: &Link,
    actor: UserId,
    (from, to): (LinkStatus, LinkStatus),
    reason: Option<&str>,
) -> Result<(), PageError> {
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE links SET status = $1, decline_reason = COALESCE($2, decline_reason), \
         updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(now())
    .bind(link.id.to_string())
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(PageError::Conflict(
            "the link changed while you were looking at it; reload the page to see where it \
             stands now",
        ));
    }
    activity::record(&mut tx, entry(link, actor, &step_summary(to))).await?;
    told::tell(&mut tx, state, link, actor, &Event::Moved(to)).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a sent link viewed, when the child's side opens it for the first time. Does
/// nothing when someone else did so first.
pub async fn mark_viewed(state: &AppState, link: &Link, actor: UserId) -> Result<(), PageError> {
    let first_view = (LinkStatus::Sent, LinkStatus::Viewed);
    match step(state, link, actor, first_view, None).await {
        Ok(()) | Err(PageError::Conflict(_)) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Adds a message from `actor` to `link`.
pub async fn message(
    state: &AppState,
    link: &Link,
    actor: UserId,
    body: &str,
) -> Result<(), PageError> {
    let mut tx = state.db.begin().await?;
    insert_message(&mut tx, link.id, actor, body).await?;
    told::tell(&mut tx, state, link, actor, &Event::Message).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_message(tx: &mut Tx, link: LinkId, actor: UserId, body: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO link_messages (id, link_id, author, body, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(time_ordered_id().to_string())
    .bind(link.to_string())
    .bind(actor.to_string())
    .bind(body)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The page of link `id`.
#[must_use]
pub fn path(id: LinkId) -> String {
    format!("/links/{id}")
}

/// A new link to make.
pub struct NewLink<'a> {
    /// The child profile and its organisation.
    pub child: (ChildProfileId, OrgId),
    /// The family, which belongs to the viewer's organisation.
    pub family: (FamilyProfileId, OrgId),
    /// Who makes it.
    pub actor: UserId,
    /// A first message, if any.
    pub message: Option<&'a str>,
    /// Most open links the family may have.
    pub cap: i64,
}

/// Why a new link was refused; shown next to the family field.
pub enum Refused {
    /// The family already has an open link with this child.
    Duplicate,
    /// The family has as many open links as its organisation allows.
    Cap(i64),
}

/// Makes a link, checking the duplicate and the cap inside the same transaction.
pub async fn create(
    state: &AppState,
    new: NewLink<'_>,
) -> Result<Result<LinkId, Refused>, PageError> {
    let open = LinkStatus::open_names()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut tx = state.db.begin().await?;
    let (same,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM links WHERE child_profile_id = $1 AND family_profile_id = $2 \
         AND status IN ({open})"
    ))
    .bind(new.child.0.to_string())
    .bind(new.family.0.to_string())
    .fetch_one(&mut *tx)
    .await?;
    if same > 0 {
        return Ok(Err(Refused::Duplicate));
    }
    let (count,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM links WHERE family_profile_id = $1 AND status IN ({open})"
    ))
    .bind(new.family.0.to_string())
    .fetch_one(&mut *tx)
    .await?;
    if count >= new.cap {
        return Ok(Err(Refused::Cap(new.cap)));
    }
    let id = LinkId::new();
    let at = now();
    sqlx::query(
        "INSERT INTO links (id, child_profile_id, family_profile_id, child_org, family_org, \
                            status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(new.child.0.to_string())
    .bind(new.family.0.to_string())
    .bind(new.child.1.to_string())
    .bind(new.family.1.to_string())
    .bind(new.actor.to_string())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if let Some(body) = new.message {
        insert_message(&mut tx, id, new.actor, body).await?;
    }
    let link = Link {
        id,
        child_profile: new.child.0,
        family_profile: new.family.0,
        child_org: new.child.1,
        family_org: new.family.1,
        status: LinkStatus::Sent,
        decline_reason: None,
        created_by: new.actor,
        created_at: at,
        updated_at: at,
    };
    activity::record(
        &mut tx,
        entry(&link, new.actor, "sent an expression of interest"),
    )
    .await?;
    told::tell(&mut tx, state, &link, new.actor, &Event::Sent).await?;
    tx.commit().await?;
    Ok(Ok(id))
}
