//! Notifications: in the app, and by e-mail through the outbox.
//!
//! [`tell`] writes a notification for each person and, in the same transaction, one outbox
//! e-mail that says only that something happened and where to look (never profile details or
//! message text, which e-mail would carry in clear across other servers). [`email`] queues an
//! e-mail alone, for people who cannot sign in (such as a registration with a taken address).
//! The page `/notifications` lists a person's own notifications; opening one marks it read.
//!
//! `created_at` holds whole seconds, so rows written within one second tie on it. Their ids
//! are therefore [`time_ordered_id`]s, and every list orders by `created_at` then `id`: a link
//! moved to "matched" and then "placed" in the same second lists "placed" first.

use std::sync::atomic::{AtomicU64, Ordering};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use vault_core::ids::UserId;

use super::form::{Empty, Form, Id};
use super::page::{render, see_other, when, Chrome, PageError, PageResult};
use super::paging::{Asked, Pager};
use super::session::Viewer;
use crate::db::{now, Tx};
use crate::state::AppState;

/// Notifications on one page; they are short lines, so a page holds more than other lists.
const PAGE_SIZE: i64 = 100;

/// The notification routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read", post(mark_all_read))
        .route("/notifications/{id}/open", post(open))
}

/// An id that sorts by the moment it was made (a version 7 UUID, whose text sorts as its
/// bytes do), for rows listed in the order they were written: notifications, outbox e-mail,
/// link messages. Within one server the ids strictly increase even when the clock gives the
/// same millisecond twice (or steps back), because each takes at least the last one's
/// millisecond plus one.
#[must_use]
pub fn time_ordered_id() -> uuid::Uuid {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let next = |last: u64| clock.max(last.saturating_add(1));
    let last = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(next(last)))
        .unwrap_or_else(|last| last);
    uuid::Builder::from_unix_timestamp_millis(next(last), &rand::random()).into_uuid()
}

/// Tells each of `people` that `text` happened, with a link to `path` (a path of the app such
/// as `/links/<id>`). The e-mail goes through the outbox; its last line says why the person
/// receives it, in the words that fit staff or a family.
pub async fn tell(
    tx: &mut Tx,
    state: &AppState,
    people: &[UserId],
    text: &str,
    path: &str,
) -> sqlx::Result<()> {
    let at = now();
    for person in people {
        // A busy thread would send one e-mail per message: while the same news about the same
        // page is unread from the last hour, the app shows it again but e-mail stays quiet.
        let (unread_alike,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND path = $2 \
             AND text = $3 AND read_at IS NULL AND created_at > $4",
        )
        .bind(person.to_string())
        .bind(path)
        .bind(text)
        .bind(at - QUIET_EMAIL_SECS)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO notifications (id, user_id, text, path, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(time_ordered_id().to_string())
        .bind(person.to_string())
        .bind(text)
        .bind(path)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let (address, kind): (String, String) =
            sqlx::query_as("SELECT email, kind FROM users WHERE id = $1")
                .bind(person.to_string())
                .fetch_one(&mut **tx)
                .await?;
        let why = if kind == "family" {
            "your family's social worker gave you an account in the case vault"
        } else {
            "you work on this record in the case vault"
        };
        let body = format!(
            "{text}\n\nSign in to read it: {}{path}\n\nYou receive this because {why}.\n",
            state.settings.base_url()
        );
        if unread_alike == 0 {
            email(tx, &address, text, &body).await?;
        }
    }
    Ok(())
}

/// How long e-mail stays quiet about news a person has not read yet.
pub const QUIET_EMAIL_SECS: i64 = 60 * 60;

/// Queues one e-mail in the outbox, inside the transaction of what it reports; the sender
/// ([`super::outbox`]) delivers it once SMTP is configured.
pub async fn email(tx: &mut Tx, to: &str, subject: &str, body: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body, created_at, attempts, \
                             next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, $5)",
    )
    .bind(time_ordered_id().to_string())
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One notification as the page lists it.
pub struct Listed {
    id: String,
    text: String,
    when: String,
    at: i64,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    items: Vec<Listed>,
    unread: i64,
    pager: Pager,
}

#[tracing::instrument(name = "GET /notifications", skip_all, fields(user.id = %viewer.user_id))]
async fn list(State(state): State<AppState>, viewer: Viewer, asked: Asked) -> PageResult {
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
        .bind(viewer.user_id.to_string())
        .fetch_one(state.db.reader())
        .await?;
    let pager = Pager::new(asked, total, PAGE_SIZE, "/notifications");
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, text, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(viewer.user_id.to_string())
    .bind(pager.limit())
    .bind(pager.offset())
    .fetch_all(state.db.reader())
    .await?;
    let items: Vec<Listed> = rows
        .into_iter()
        .map(|(id, text, at, read_at)| Listed {
            id,
            text,
            when: when(at),
            at,
            unread: read_at.is_none(),
        })
        .collect();
    // All unread ones, on every page, as the bell beside the navigation counts them.
    let unread = viewer.unread;
    render(&NotificationsPage {
        c: Chrome::new(&viewer, "Notifications", "/notifications"),
        items,
        unread,
        pager,
    })
}

#[tracing::instrument(
    name = "POST /notifications/read",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
async fn mark_all_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(Empty {}): Form<Empty>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(viewer.user_id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(see_other("/notifications"))
}

#[tracing::instrument(
    name = "POST /notifications/{id}/open",
    skip_all,
    fields(user.id = %viewer.user_id),
)]
async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<uuid::Uuid>,
    Form(Empty {}): Form<Empty>,
) -> PageResult<Response> {
    let mut tx = state.db.begin().await?;
    // Another person's notification is "not found", like one that does not exist.
    let row: Option<(String,)> =
        sqlx::query_as("SELECT path FROM notifications WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(viewer.user_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let (path,) = row.ok_or(PageError::NotFound)?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(see_other(local_path(&path)))
}

/// `path` when it is a path of this app; otherwise the dashboard, so a stored notification can
/// never send a browser to another site.
fn local_path(path: &str) -> &str {
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if local {
        path
    } else {
        "/dashboard"
    }
}

#[cfg(test)]
mod tests {
    use super::{local_path, time_ordered_id};

    #[test]
    fn ids_made_one_after_another_sort_in_that_order() {
        let ids: Vec<String> = (0..1000).map(|_| time_ordered_id().to_string()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
        assert_eq!(time_ordered_id().get_version_num(), 7);
    }

    #[test]
    fn only_paths_of_this_app_are_followed() {
        assert_eq!(local_path("/links/7"), "/links/7");
        assert_eq!(local_path("//evil.example/x"), "/dashboard");
        assert_eq!(local_path("https://evil.example"), "/dashboard");
        assert_eq!(local_path("/\\evil.example"), "/dashboard");
        assert_eq!(local_path(""), "/dashboard");
    }
}
