//! One link's page: both profiles' summaries, the steps as a timeline with a button for each
//! step the viewer's side may take, the practitioners' messages and the activity trail.
//!
//! A family following its own link gets the same page without the buttons, the messages or
//! a decline reason: those are between the practitioners.
//!
//! A link may gather hundreds of messages over months, so the page shows the newest
//! [`MESSAGES_SHOWN`] in the order they were written, with a link to the ones before them
//! (`?before=<message id>`, the oldest shown). The id names a point in the thread rather than
//! a page number, so messages written meanwhile do not shift what "earlier" means. An id that
//! is not a message of this link shows the newest messages, as if none was given.

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

/// Messages shown on one page of a link.
pub const MESSAGES_SHOWN: i64 = 100;

/// One message.
pub struct Message {
    id: String,
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
    thread: Thread,
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

/// Which messages a link's page shows: the newest, or those written before one message.
#[derive(Default)]
pub struct Window {
    /// The `before` of the query string, as given; checked when the messages are read.
    before: Option<String>,
}

impl Window {
    /// Reads `before` from a query string (the last one wins); anything else is ignored.
    #[must_use]
    pub fn from_query(query: &str) -> Self {
        let before = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(name, _)| name == "before")
            .map(|(_, value)| value.into_owned())
            .last();
        Self { before }
    }
}

/// The messages on the page, and where the rest of the thread is.
#[derive(Default)]
pub struct Thread {
    /// Oldest first.
    messages: Vec<Message>,
    /// Messages on the link in all.
    total: i64,
    /// The page of the messages before the oldest shown, if there are any.
    earlier: Option<String>,
    /// Whether these are earlier messages rather than the newest.
    looking_back: bool,
}

impl Thread {
    /// How many of the link's messages the newest page shows, when it does not show them all.
    #[must_use]
    pub fn counted(&self) -> Option<String> {
        let shown = i64::try_from(self.messages.len()).unwrap_or(i64::MAX);
        (!self.looking_back && self.total > shown).then(|| {
            format!(
                "The newest {shown} of {} messages, oldest first.",
                self.total
            )
        })
    }
}

/// Message id, body, time, author's name and e-mail, author's organisation.
type MessageRow = (String, String, i64, Option<String>, String, Option<String>);

const MESSAGE_COLUMNS: &str =
    "SELECT m.id, m.body, m.created_at, u.display_name, u.email, o.name FROM link_messages m \
     JOIN users u ON u.id = m.author LEFT JOIN orgs o ON o.id = u.org_id WHERE m.link_id = $1";

/// The time and id of message `before` when it is a message of `link`.
async fn anchor(
    state: &AppState,
    link: LinkId,
    before: Option<&str>,
) -> Result<Option<(i64, String)>, PageError> {
    let Some(id) = before.and_then(|b| b.trim().parse::<uuid::Uuid>().ok()) else {
        return Ok(None);
    };
    Ok(
        sqlx::query_as("SELECT created_at, id FROM link_messages WHERE id = $1 AND link_id = $2")
            .bind(id.to_string())
            .bind(link.to_string())
            .fetch_optional(state.db.reader())
            .await?,
    )
}

async fn thread(state: &AppState, link: LinkId, window: &Window) -> Result<Thread, PageError> {
    let anchor = anchor(state, link, window.before.as_deref()).await?;
    // One more than shown, to learn whether earlier messages exist.
    let mut rows: Vec<MessageRow> = if let Some((at, id)) = &anchor {
        let sql = format!(
            "{MESSAGE_COLUMNS} AND (m.created_at < $2 OR (m.created_at = $2 AND m.id < $3)) \
             ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
        );
        sqlx::query_as(&sql)
            .bind(link.to_string())
            .bind(*at)
            .bind(id)
            .bind(MESSAGES_SHOWN + 1)
            .fetch_all(state.db.reader())
            .await?
    } else {
        let sql = format!("{MESSAGE_COLUMNS} ORDER BY m.created_at DESC, m.id DESC LIMIT $2");
        sqlx::query_as(&sql)
            .bind(link.to_string())
            .bind(MESSAGES_SHOWN + 1)
            .fetch_all(state.db.reader())
            .await?
    };
    let more = rows.len() > usize::try_from(MESSAGES_SHOWN).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(MESSAGES_SHOWN).unwrap_or(usize::MAX));
    rows.reverse();
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM link_messages WHERE link_id = $1")
        .bind(link.to_string())
        .fetch_one(state.db.reader())
        .await?;
    let earlier = match rows.first() {
        Some((oldest, ..)) if more => Some(format!("/links/{link}?before={oldest}#messages")),
        _ => None,
    };
    Ok(Thread {
        messages: rows.into_iter().map(message).collect(),
        total,
        earlier,
        looking_back: anchor.is_some(),
    })
}

fn message((id, body, at, name, email, org): MessageRow) -> Message {
    let person = crate::web::cases::view::person(name, Some(email));
    Message {
        id,
        who: org.map_or_else(|| person.clone(), |o| format!("{person} ({o})")),
        when: when(at),
        at,
        body,
    }
}

/// Builds the page of `link` for `viewer`, with the messages of `window`, `errors` and the
/// texts they typed.
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    (link, access): (&Link, &Access),
    window: &Window,
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
        thread: if staff {
            thread(state, link.id, window).await?
        } else {
            Thread::default()
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
    let page = page(
        state,
        viewer,
        (link, access),
        &Window::default(),
        errors,
        texts,
    )
    .await?;
    render_invalid(&page)
}
