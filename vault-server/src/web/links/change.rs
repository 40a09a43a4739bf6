//! Changes to links: a new link, a step, a message, and "viewed" when the child's side first
//! opens one. Each is one transaction with its activity entry and its notifications, so a
//! failure leaves nothing half-written.
//!
//! Notification texts go into e-mail through the outbox, so they name no child, family or
//! message text: only that something happened and where to look.

use vault_core::ids::{ChildProfileId, FamilyProfileId, LinkId, OrgId, UserId};
use vault_core::matching::{LinkStatus, Side};

use super::access::Link;
use crate::db::{now, Tx};
use crate::state::AppState;
use crate::web::activity::{self, Entry, Subject};
use crate::web::notify;
use crate::web::page::PageError;

/// The people to tell about a change made by `actor` acting for `sides`: the social worker
/// and the link's author on each other side, and always the family's social worker (what
/// is sent to or from a family is visible to their own social worker). Never the actor.
async fn recipients(
    tx: &mut Tx,
    link: &Link,
    actor: UserId,
    sides: &[Side],
) -> sqlx::Result<Vec<UserId>> {
    let (child_worker,): (String,) =
        sqlx::query_as("SELECT social_worker FROM child_profiles WHERE id = $1")
            .bind(link.child_profile.to_string())
            .fetch_one(&mut **tx)
            .await?;
    let (family_worker,): (String,) =
        sqlx::query_as("SELECT social_worker FROM family_profiles WHERE id = $1")
            .bind(link.family_profile.to_string())
            .fetch_one(&mut **tx)
            .await?;
    let mut people: Vec<String> = vec![family_worker.clone()];
    if !sides.contains(&Side::ChildSide) {
        people.push(child_worker);
    }
    if !sides.contains(&Side::FamilySide) {
        people.push(link.created_by.to_string());
    }
    let actor = actor.to_string();
    let mut out = Vec::new();
    for person in people {
        if person != actor {
            if let Ok(id) = person.parse::<UserId>() {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    Ok(out)
}

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
/// meanwhile; the caller has checked the step is allowed for `sides`.
pub async fn step(
    state: &AppState,
    link: &Link,
    actor: UserId,
    sides: &[Side],
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
    let people = recipients(&mut tx, link, actor, sides).await?;
    let text = format!("A link you work on is now: {}", to.words());
    notify::tell(&mut tx, state, &people, &text, &path(link.id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a sent link viewed, when the child's side opens it for the first time. Does
/// nothing when someone else did so first.
pub async fn mark_viewed(state: &AppState, link: &Link, actor: UserId) -> Result<(), PageError> {
    match step(
        state,
        link,
        actor,
        &[Side::ChildSide],
        (LinkStatus::Sent, LinkStatus::Viewed),
        None,
    )
    .await
    {
        Ok(()) | Err(PageError::Conflict(_)) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Adds a message from `actor` to `link`.
pub async fn message(
    state: &AppState,
    link: &Link,
    actor: UserId,
    sides: &[Side],
    body: &str,
) -> Result<(), PageError> {
    let mut tx = state.db.begin().await?;
    insert_message(&mut tx, link.id, actor, body).await?;
    let people = recipients(&mut tx, link, actor, sides).await?;
    notify::tell(
        &mut tx,
        state,
        &people,
        "New message on a link you work on",
        &path(link.id),
    )
    .await?;
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

/// A message id that sorts by the millisecond it was made (a version 7 UUID), so messages
/// written within the same second still list in the order they were written: the
/// `created_at` column holds only seconds.
fn time_ordered_id() -> uuid::Uuid {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random()).into_uuid()
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
    let people = recipients(&mut tx, &link, new.actor, &[Side::FamilySide]).await?;
    notify::tell(
        &mut tx,
        state,
        &people,
        "A new expression of interest for a child profile you work on",
        &path(id),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}
