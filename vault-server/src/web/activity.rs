//! The activity trail: who added, edited or changed what, and when, on profiles, cases, links
//! and organisations.
//!
//! Entries are written in the same transaction as the change they describe, so the trail
//! never shows a change that did not happen nor misses one that did. An entry is visible to
//! the organisation that owns its subject and, for a link, to the other side's organisation.

use vault_core::ids::{OrgId, UserId};

use super::page::when;
use crate::db::{now, Tx};
use crate::state::AppState;

/// What a trail entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A child profile.
    Child,
    /// A family profile.
    Family,
    /// A link (expression of interest).
    Link,
    /// A case file.
    Case,
    /// An organisation (members, settings, licence).
    Org,
}

impl Subject {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Family => "family",
            Self::Link => "link",
            Self::Case => "case",
            Self::Org => "org",
        }
    }
}

/// One change to record.
pub struct Entry<'a> {
    /// Who made it; `None` for the operator's command line.
    pub actor: Option<UserId>,
    /// The organisation that owns the subject.
    pub org_id: OrgId,
    /// For a link, the other side's organisation.
    pub other_org_id: Option<OrgId>,
    /// What kind of record changed.
    pub subject: Subject,
    /// Its id.
    pub subject_id: String,
    /// What happened, in words people read ("changed the status to visit").
    pub summary: &'a str,
}

/// Records `entry` inside the transaction of the change.
pub async fn record(tx: &mut Tx, entry: Entry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO activity (at, actor, org_id, other_org_id, subject_kind, subject_id, summary) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now())
    .bind(entry.actor.map(|u| u.to_string()))
    .bind(entry.org_id.to_string())
    .bind(entry.other_org_id.map(|o| o.to_string()))
    .bind(entry.subject.as_str())
    .bind(entry.subject_id)
    .bind(entry.summary)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records `summary` on the trail of organisation `org` itself (its licence, its members),
/// as done by `actor`.
pub async fn record_org(tx: &mut Tx, actor: UserId, org: OrgId, summary: &str) -> sqlx::Result<()> {
    let entry = Entry {
        actor: Some(actor),
        org_id: org,
        other_org_id: None,
        subject: Subject::Org,
        subject_id: org.to_string(),
        summary,
    };
    record(tx, entry).await
}

/// One entry as a page shows it.
pub struct Shown {
    /// When, in words.
    pub when: String,
    /// Machine-readable time for `<time datetime>`.
    pub at: i64,
    /// Who, by name and organisation.
    pub who: String,
    /// What happened.
    pub summary: String,
}

/// At, actor's name and e-mail, actor's organisation, summary.
type TrailRow = (i64, Option<String>, Option<String>, Option<String>, String);

/// The trail of one subject, newest first, as organisation `viewer_org` may see it (entries
/// of its own or where it is the other side).
pub async fn trail(
    state: &AppState,
    subject: Subject,
    subject_id: &str,
    viewer_org: OrgId,
) -> sqlx::Result<Vec<Shown>> {
    let rows: Vec<TrailRow> = sqlx::query_as(
        "SELECT a.at, u.display_name, u.email, o.name, a.summary FROM activity a \
             LEFT JOIN users u ON u.id = a.actor LEFT JOIN orgs o ON o.id = u.org_id \
             WHERE a.subject_kind = $1 AND a.subject_id = $2 \
               AND (a.org_id = $3 OR a.other_org_id = $3) \
             ORDER BY a.seq DESC LIMIT 500",
    )
    .bind(subject.as_str())
    .bind(subject_id)
    .bind(viewer_org.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, name, email, org, summary)| {
            let person = name
                .or_else(|| email.map(|e| e.split('@').next().unwrap_or("").to_owned()))
                .unwrap_or_else(|| "the platform".to_owned());
            let who = match org {
                Some(org) => format!("{person} ({org})"),
                None => person,
            };
            Shown {
                when: when(at),
                at,
                who,
                summary,
            }
        })
        .collect())
}
