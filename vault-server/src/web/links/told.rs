//! Who is told of a change to a link, in one place, so the rule written in docs/web-app.md
//! ("Who is told, and who sees what") is the rule the code follows:
//!
//! - the staff who work on the link: the child's social worker, the family's social worker
//!   and the practitioner who sent it, whichever organisation made the change;
//! - for a new link or a change of status (not a message), the adopter or foster carer whose
//!   family it is, when they have an account, in a sentence of their own that carries no
//!   message and no decline reason (they see neither);
//! - never the person who made the change, and never an account that is not active.
//!
//! Every notification also goes out as e-mail, so the texts name no child, family or message:
//! only that something happened and where to look.

use vault_core::ids::UserId;
use vault_core::matching::LinkStatus;

use super::access::Link;
use super::change::path;
use crate::db::{codec, Tx};
use crate::state::AppState;
use crate::web::notify;
use crate::web::page::PageError;

/// What happened to a link, for choosing who hears of it and in which words.
pub enum Event {
    /// The link was sent, with or without a first message.
    Sent,
    /// The link moved to this status.
    Moved(LinkStatus),
    /// A practitioner wrote a message.
    Message,
}

/// Tells everyone who should hear of `event` on `link`, made by `actor`, in the transaction
/// of the change.
pub async fn tell(
    tx: &mut Tx,
    state: &AppState,
    link: &Link,
    actor: UserId,
    event: &Event,
) -> Result<(), PageError> {
    let staff_text = match event {
        Event::Sent => "A new expression of interest for a child profile you work on".to_owned(),
        Event::Moved(to) => format!("A link you work on is now: {}", to.words()),
        Event::Message => "New message on a link you work on".to_owned(),
    };
    let staff = staff(tx, link, actor).await?;
    notify::tell(tx, state, &staff, &staff_text, &path(link.id)).await?;
    let status = match event {
        Event::Sent => LinkStatus::Sent,
        Event::Moved(to) => *to,
        Event::Message => return Ok(()),
    };
    if let Some(adopter) = family_account(tx, link, actor).await? {
        let text = format!(
            "An expression of interest for your family is now: {}",
            status.words()
        );
        notify::tell(tx, state, &[adopter], &text, &path(link.id)).await?;
    }
    Ok(())
}

/// The active staff accounts working on `link`, once each, without `actor`.
async fn staff(tx: &mut Tx, link: &Link, actor: UserId) -> Result<Vec<UserId>, PageError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT u.id FROM users u \
         WHERE (u.id IN (SELECT social_worker FROM child_profiles WHERE id = $1) \
                OR u.id IN (SELECT social_worker FROM family_profiles WHERE id = $2) \
                OR u.id = $3) \
           AND u.id <> $4 AND u.status = 'active' AND u.kind <> 'family' \
         ORDER BY u.id",
    )
    .bind(link.child_profile.to_string())
    .bind(link.family_profile.to_string())
    .bind(link.created_by.to_string())
    .bind(actor.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|(id,)| Ok(codec::parse(id)?))
        .collect::<Result<_, PageError>>()
}

/// The family's own active account, when it has one and is not `actor`.
async fn family_account(
    tx: &mut Tx,
    link: &Link,
    actor: UserId,
) -> Result<Option<UserId>, PageError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT u.id FROM family_profiles p JOIN users u ON u.id = p.account_user_id \
         WHERE p.id = $1 AND u.id <> $2 AND u.status = 'active' AND u.kind = 'family'",
    )
    .bind(link.family_profile.to_string())
    .bind(actor.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some((id,)) => Ok(Some(codec::parse(&id)?)),
        None => Ok(None),
    }
}
