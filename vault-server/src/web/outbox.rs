//! The outbox sender: delivers queued notification e-mail through the configured SMTP server.
//!
//! E-mail is written to the `outbox` table in the transaction of what it reports
//! ([`super::notify`]), so nothing is sent for a change that rolled back and nothing is lost
//! when the SMTP server is down. [`run`] goes beside the server: it looks for due rows every
//! few seconds, claims each one before sending it (an update that succeeds for one replica
//! only), and records the outcome: the time it was sent, or the failure with the SMTP
//! server's reply and a pause that doubles with each attempt, giving up after
//! [`MAX_ATTEMPTS`]. Without `smtp_url` nothing runs and the e-mail waits, visible to the
//! platform admin at `/admin/outbox`.
//!
//! Logs name outbox ids only: addresses and bodies stay out of them (debug level at most).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::page::when;
use crate::db::now;
use crate::state::AppState;

/// Attempts after which an e-mail is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How often the sender looks for due e-mail.
const POLL: Duration = Duration::from_secs(2);
/// Rows taken per look.
const BATCH: i64 = 20;
/// How long a claimed row stays out of other replicas' reach; a replica that stops while
/// sending leaves the row to be tried again after this.
const LEASE_SECS: i64 = 600;
/// The pause after a first failure; each further failure doubles it.
const FIRST_PAUSE_SECS: i64 = 60;
/// Longest last error kept for the admin page.
const MAX_ERROR_CHARS: usize = 300;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

type Mailer = AsyncSmtpTransport<Tokio1Executor>;

/// The state of an outbox row in words, for `/admin/outbox`.
#[must_use]
pub fn state_words(sent_at: Option<i64>, attempts: i64, next_attempt_at: i64) -> String {
    match sent_at {
        Some(at) => format!("sent {}", when(at)),
        None if attempts >= MAX_ATTEMPTS => format!("given up after {attempts} attempts"),
        None if attempts == 0 => "waiting to be sent".to_owned(),
        None => format!(
            "waiting; {attempts} failed {}, next try {}",
            if attempts == 1 { "attempt" } else { "attempts" },
            when(next_attempt_at)
        ),
    }
}

/// Sends due outbox e-mail for as long as it is polled; the server drops it when it stops.
/// Without SMTP settings (or with unusable ones) it does nothing and never completes.
pub async fn run(state: AppState) {
    let Some(url) = state.settings.smtp_url.as_ref() else {
        return std::future::pending().await;
    };
    // The URL holds the SMTP password: neither it nor a parse error quoting it is logged.
    let Ok(builder) = Mailer::from_url(url.expose_secret()) else {
        tracing::error!("the SMTP URL is not usable (smtp:// or smtps://); e-mail waits");
        return std::future::pending().await;
    };
    let mailer = builder.timeout(Some(SMTP_TIMEOUT)).build();
    let Ok(from) = state.settings.mail_from.parse::<Mailbox>() else {
        tracing::error!("the sender address (mail_from) is not valid; e-mail waits");
        return std::future::pending().await;
    };
    tracing::info!("outbox sender started");
    loop {
        if let Err(err) = send_due(&state, &mailer, &from).await {
            tracing::warn!(error = %err, "outbox: could not work through due e-mail");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A row to send.
struct Due {
    id: String,
    to: String,
    subject: String,
    body: String,
    attempts: i64,
    next_attempt_at: i64,
}

async fn send_due(state: &AppState, mailer: &Mailer, from: &Mailbox) -> sqlx::Result<()> {
    let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, to_address, subject, body, attempts, next_attempt_at FROM outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 \
         ORDER BY next_attempt_at, id LIMIT $3",
    )
    .bind(now())
    .bind(MAX_ATTEMPTS)
    .bind(BATCH)
    .fetch_all(state.db.reader())
    .await?;
    for (id, to, subject, body, attempts, next_attempt_at) in rows {
        let due = Due {
            id,
            to,
            subject,
            body,
            attempts,
            next_attempt_at,
        };
        if !claim(state, &due).await? {
            continue;
        }
        let outcome = deliver(mailer, from, &due).await;
        settle(state, &due, outcome).await?;
    }
    Ok(())
}

/// Takes `due` for this replica: moves its next attempt past the lease, if no other replica
/// moved it first.
async fn claim(state: &AppState, due: &Due) -> sqlx::Result<bool> {
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 \
         WHERE id = $2 AND next_attempt_at = $3 AND sent_at IS NULL",
    )
    .bind(now().saturating_add(LEASE_SECS))
    .bind(&due.id)
    .bind(due.next_attempt_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

async fn deliver(mailer: &Mailer, from: &Mailbox, due: &Due) -> Result<(), String> {
    let to: Mailbox = due
        .to
        .parse()
        .map_err(|_| "the recipient address is not valid".to_owned())?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(due.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(due.body.clone())
        .map_err(|err| format!("the message could not be built: {err}"))?;
    mailer
        .send(message)
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
}

/// Records the outcome of one attempt.
async fn settle(state: &AppState, due: &Due, outcome: Result<(), String>) -> sqlx::Result<()> {
    let at = now();
    let mut tx = state.db.begin().await?;
    match outcome {
        Ok(()) => {
            sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
                .bind(at)
                .bind(&due.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(outbox.id = %due.id, "e-mail sent");
        }
        Err(reply) => {
            let attempts = due.attempts.saturating_add(1);
            let next = at.saturating_add(pause_after(due.attempts));
            sqlx::query(
                "UPDATE outbox SET attempts = $1, last_error = $2, next_attempt_at = $3 \
                 WHERE id = $4",
            )
            .bind(attempts)
            .bind(clean(&reply))
            .bind(next)
            .bind(&due.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            // The reply may quote the address, so it goes to debug only.
            tracing::warn!(outbox.id = %due.id, attempts, "e-mail not sent");
            tracing::debug!(outbox.id = %due.id, reply = %reply, "SMTP reply");
        }
    }
    Ok(())
}

/// Seconds to wait after attempt number `earlier + 1` failed: one minute, doubling.
fn pause_after(earlier: i64) -> i64 {
    let doublings = u32::try_from(earlier.clamp(0, 20)).unwrap_or(20);
    FIRST_PAUSE_SECS.saturating_mul(1_i64 << doublings)
}

/// The reply as one short line of plain text.
fn clean(reply: &str) -> String {
    reply
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ERROR_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_a_minute() {
        assert_eq!(pause_after(0), 60);
        assert_eq!(pause_after(1), 120);
        assert_eq!(pause_after(7), 60 * 128);
        assert_eq!(pause_after(-3), 60);
    }

    #[test]
    fn replies_are_kept_on_one_short_line() {
        assert_eq!(
            clean("permanent error (550):\r\n no such user"),
            "permanent error (550):   no such user"
        );
        assert_eq!(clean(&"x".repeat(1000)).len(), MAX_ERROR_CHARS);
    }

    #[test]
    fn states_read_as_words() {
        assert_eq!(state_words(None, 0, 0), "waiting to be sent");
        assert!(state_words(None, 1, 0).starts_with("waiting; 1 failed attempt, next try"));
        assert_eq!(state_words(None, 8, 0), "given up after 8 attempts");
        assert!(state_words(Some(0), 2, 0).starts_with("sent "));
    }
}
