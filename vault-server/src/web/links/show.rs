//! One link's page: both profiles' summaries, the steps as a timeline with a button for each
//! step the viewer's side may take, the practitioners' messages and the activity trail.
//!
//! A family following its own link gets the same page without the buttons, the messages or
//! a decline reason: those are between the practitioners.

use askama::Template;
use vault_core::ids::LinkId;
use vault_core::matching::{LinkStatus, Side};

use super::access::{self, Access, Link};
use super::profiles::{self, ChildSummary, FamilySummary};
use crate::state::AppState;
use crate::web::activity::{self, Shown, Subject};
use crate::web::page::{render_invalid, when, Chrome, FieldErrors, PageError, PageResult};
use crate::web::session::Viewer;

/// One step of the timeline.
pub struct Stage {
    label: &'static str,
    /// "done", "current" or "to come".
    state: &'static str,
}

/// A button for a step the viewer may take.
pub struct StepButton {
    to: &'static str,
    label: String,
    /// Decline needs a reason, so its form has a text box.
    needs_reason: bool,
}

/// One message.
pub struct Message {
    who: String,
    when: String,
    at: i64,
    body: String,
}

#[derive(Template)]
#[template(path = "links_show.html")]
pub struct ShowPage {
    c: Chrome,
    id: String,
    child: ChildSummary,
    family: FamilySummary,
    status: LinkStatus,
    decline_reason: Option<String>,
    timeline: Vec<Stage>,
    steps: Vec<StepButton>,
    staff: bool,
    sides: String,
    messages: Vec<Message>,
    errors: FieldErrors,
    body: String,
    reason: String,
    activity: Vec<Shown>,
    sent: String,
}

fn timeline(status: LinkStatus) -> Vec<Stage> {
    let path = &LinkStatus::ALL[..8];
    let at = path.iter().position(|s| *s == status);
    let mut stages: Vec<Stage> = path
        .iter()
        .enumerate()
        .map(|(i, s)| Stage {
            label: s.words(),
            state: match at {
                Some(a) if i < a => "done",
                Some(a) if i == a => "current",
                _ => "to come",
            },
        })
        .collect();
    if at.is_none() {
        stages.push(Stage {
            label: status.words(),
            state: "current",
        });
    }
    stages
}

fn buttons(status: LinkStatus, sides: &[Side]) -> Vec<StepButton> {
    access::steps(status, sides)
        .into_iter()
        .map(|to| StepButton {
            to: to.as_str(),
            label: match to {
                LinkStatus::Declined => "Decline".to_owned(),
                LinkStatus::Withdrawn => "Withdraw".to_owned(),
                LinkStatus::Closed => "Close the link".to_owned(),
                other => format!("Move on to: {}", other.words()),
            },
            needs_reason: to == LinkStatus::Declined,
        })
        .collect()
}

fn sides_words(access: &Access) -> String {
    match access.sides() {
        [Side::ChildSide] => "You act for the child's organisation.".to_owned(),
        [Side::FamilySide] => "You act for the family's organisation.".to_owned(),
        [] => {
            "Your social worker takes the steps of this link; you can follow them here.".to_owned()
        }
        _ => "Your organisation is both the child's and the family's.".to_owned(),
    }
}

/// Body, time, author's name and e-mail, author's organisation.
type MessageRow = (String, i64, Option<String>, String, Option<String>);

async fn messages(state: &AppState, link: LinkId) -> Result<Vec<Message>, PageError> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT m.body, m.created_at, u.display_name, u.email, o.name FROM link_messages m \
         JOIN users u ON u.id = m.author LEFT JOIN orgs o ON o.id = u.org_id \
         WHERE m.link_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(link.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(body, at, name, email, org)| {
            let person = crate::web::cases::view::person(name, Some(email));
            Message {
                who: org.map_or_else(|| person.clone(), |o| format!("{person} ({o})")),
                when: when(at),
                at,
                body,
            }
        })
        .collect())
}

/// Builds the page of `link` for `viewer`, with `errors` and the texts they typed.
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    link: &Link,
    access: &Access,
    errors: FieldErrors,
    (body, reason): (String, String),
) -> Result<ShowPage, PageError> {
    let child = profiles::child(state, link.child_profile).await?;
    let family = profiles::family(state, link.family_profile).await?;
    let staff = matches!(access, Access::Staff(_));
    let org = viewer.org_id.ok_or(PageError::NotFound)?;
    Ok(ShowPage {
        c: Chrome::new(
            viewer,
            format!("Link: {} with {}", child.label, family.name),
            "/links",
        ),
        id: link.id.to_string(),
        status: link.status,
        decline_reason: if staff {
            link.decline_reason.clone()
        } else {
            None
        },
        timeline: timeline(link.status),
        steps: buttons(link.status, access.sides()),
        staff,
        sides: sides_words(access),
        messages: if staff {
            messages(state, link.id).await?
        } else {
            Vec::new()
        },
        errors,
        body,
        reason,
        activity: activity::trail(state, Subject::Link, &link.id.to_string(), org).await?,
        sent: when(link.created_at),
        child,
        family,
    })
}

/// The link's page again (422) with `message` next to `field`, and the texts the viewer
/// typed (message body, decline reason) kept in their boxes.
pub async fn invalid(
    state: &AppState,
    viewer: &Viewer,
    (link, access): (&Link, &Access),
    (field, message, texts): (&'static str, String, (String, String)),
) -> PageResult {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    let page = page(state, viewer, link, access, errors, texts).await?;
    render_invalid(&page)
}
