//! Looking up the live session behind a cookie, shared by pages ([`super::Viewer`]), the
//! waiting page of pending vault members and the API called from pages: one query decides
//! whether a session is live (not revoked, within its absolute and idle limits), and each
//! caller then checks the standing and kind of account it accepts.

use crate::auth;
use crate::db::now;
use crate::state::AppState;

/// How often at most a session's last use is written back; a quarter of the idle limit when
/// that is shorter, so a session in use never runs into the limit.
const TOUCH_EVERY_SECS: i64 = 60;

/// The account behind a live session, whatever its standing: each kind of caller (pages,
/// the waiting page, the API) checks the standing and kind it accepts.
pub(crate) struct SessionUser {
    /// The account's id, as stored.
    pub(crate) id: String,
    /// Its e-mail address.
    pub(crate) email: String,
    /// Its name as colleagues see it, if it has one.
    pub(crate) display_name: Option<String>,
    /// `member`, `staff`, `family`, `platform_admin` or `auditor`.
    pub(crate) kind: String,
    /// `pending`, `active` or `removed`.
    pub(crate) status: String,
    /// `manager` or `practitioner`, once approved.
    pub(crate) member_role: Option<String>,
    /// Its organisation, as stored.
    pub(crate) org_id: Option<String>,
    /// That organisation's name.
    pub(crate) org_name: Option<String>,
    /// A vault member's published signing key.
    pub(crate) signing_key: Option<String>,
}

impl SessionUser {
    /// The name pages show: the display name, else the e-mail address's local part.
    #[must_use]
    pub(crate) fn name(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.email.split('@').next().unwrap_or("").to_owned())
    }
}

type SessionRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// The account of the session whose cookie holds `secret`, if the session is live: not
/// revoked, within its absolute and idle limits. Its idle limit slides forward.
pub(crate) async fn session_user(
    state: &AppState,
    secret: &str,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let hash = auth::secret_hash(secret);
    let at = now();
    let idle = i64::try_from(state.settings.session_idle_secs).unwrap_or(i64::MAX);
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.kind, u.status, u.member_role, u.org_id, \
                o.name, u.signing_key, s.last_seen_at \
         FROM web_sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN orgs o ON o.id = u.org_id \
         WHERE s.session_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
           AND s.last_seen_at > $3",
    )
    .bind(&hash)
    .bind(at)
    .bind(at.saturating_sub(idle))
    .fetch_optional(state.db.reader())
    .await?;
    let Some((id, email, display_name, kind, status, member_role, org_id, org_name, key, seen)) =
        row
    else {
        return Ok(None);
    };
    touch(state, &hash, seen, at).await?;
    Ok(Some(SessionUser {
        id,
        email,
        display_name,
        kind,
        status,
        member_role,
        org_id,
        org_name,
        signing_key: key,
    }))
}

/// Slides a session's idle limit forward, writing at most every [`TOUCH_EVERY_SECS`] (or a
/// quarter of the idle limit) so a session in use is not a write per request.
async fn touch(state: &AppState, hash: &str, seen: i64, at: i64) -> Result<(), sqlx::Error> {
    let idle = i64::try_from(state.settings.session_idle_secs).unwrap_or(i64::MAX);
    if at - seen >= TOUCH_EVERY_SECS.min(idle / 4) {
        let mut tx = state.db.begin().await?;
        sqlx::query("UPDATE web_sessions SET last_seen_at = $1 WHERE session_hash = $2")
            .bind(at)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
