//! Notifications: in the app, and by e-mail through the outbox.
//!
//! [`tell`] writes a notification for each person and, in the same transaction, one outbox
//! e-mail that says only that something happened and where to look (never profile details or
//! message text, which e-mail would carry in clear across other servers).

use axum::Router;
use vault_core::ids::UserId;

use crate::db::{now, Tx};
use crate::state::AppState;

/// The notification routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Tells each of `people` that `text` happened, with a link to `path` (a path of the app such
/// as `/links/<id>`). The e-mail goes through the outbox.
pub async fn tell(
    tx: &mut Tx,
    state: &AppState,
    people: &[UserId],
    text: &str,
    path: &str,
) -> sqlx::Result<()> {
    let at = now();
    for person in people {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, text, path, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(person.to_string())
        .bind(text)
        .bind(path)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let (email,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(person.to_string())
            .fetch_one(&mut **tx)
            .await?;
        let body = format!(
            "{text}\n\nSign in to read it: {}{path}\n\nYou receive this because you work on \
             this record in the case vault.\n",
            state.settings.base_url()
        );
        sqlx::query(
            "INSERT INTO outbox (id, to_address, subject, body, created_at, attempts, \
                                 next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(email)
        .bind(text)
        .bind(body)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
