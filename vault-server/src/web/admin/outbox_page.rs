//! The outbox as the platform admin sees it: every e-mail, newest first, with whether it was
//! sent, or its attempts and the SMTP server's last reply. E-mail written within one second
//! keeps its order through its time-ordered id ([`crate::web::notify::time_ordered_id`]).

use askama::Template;
use axum::extract::State;

use crate::state::AppState;
use crate::web::page::{render, when, Chrome, PageResult};
use crate::web::session::Viewer;

/// Outbox rows the page lists at most, newest first.
const OUTBOX_LISTED: i64 = 200;

/// One outbox e-mail as the platform admin sees it.
pub(super) struct Mail {
    to: String,
    subject: String,
    created: String,
    state: String,
    last_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    c: Chrome,
    smtp: bool,
    mails: Vec<Mail>,
}

type MailRow = (String, String, i64, Option<i64>, i64, Option<String>, i64);

#[tracing::instrument(name = "GET /admin/outbox", skip_all, fields(user.id = %viewer.user_id))]
pub(super) async fn outbox(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.platform_admin()?;
    let rows: Vec<MailRow> = sqlx::query_as(
        "SELECT to_address, subject, created_at, sent_at, attempts, last_error, \
                next_attempt_at \
         FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(OUTBOX_LISTED)
    .fetch_all(state.db.reader())
    .await?;
    let mails = rows
        .into_iter()
        .map(
            |(to, subject, created, sent, attempts, last_error, next)| Mail {
                to,
                subject,
                created: when(created),
                state: crate::web::outbox::state_words(sent, attempts, next),
                last_error,
            },
        )
        .collect();
    render(&OutboxPage {
        c: Chrome::new(&viewer, "Outbox", "/admin/outbox"),
        smtp: state.settings.smtp_url.is_some(),
        mails,
    })
}
