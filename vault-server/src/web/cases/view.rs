//! What a case page reads: its sealed documents, the links of its profiles, its history and
//! its transfer offers. The caller has checked that the viewer's organisation owns the case.

use vault_core::ids::{CaseId, OrgId};

use crate::routes::documents::{log_damaged, metadata_column};
use crate::state::AppState;
use crate::web::activity::{self, Subject};
use crate::web::links;
use crate::web::page::{when, PageError};

/// A sealed document as the page lists it: only what the platform knows without a key.
pub struct CaseDocument {
    /// The document's id, for the browser that will open it.
    pub id: String,
    /// The sealed metadata record (name, type, size), base64, for the browser to decrypt;
    /// `None` when the stored record was changed outside the server and cannot be read.
    pub sealed_metadata: Option<String>,
    /// Size of the ciphertext in words ("12.4 KiB").
    pub size: String,
    /// Size in bytes.
    pub bytes: i64,
    /// When it was sealed.
    pub sealed: String,
    /// Seconds, for `<time datetime>`.
    pub at: i64,
    /// Who sealed it.
    pub by: String,
}

/// A link of a profile attached to the case.
pub type CaseLink = links::Row;

/// One line of the case's history: an app activity entry or a vault audit event.
pub struct History {
    /// When, in words.
    pub when: String,
    /// Seconds, for sorting and `<time datetime>`.
    pub at: i64,
    /// Who.
    pub who: String,
    /// What happened.
    pub what: String,
}

/// A transfer offer of the case.
pub struct Transfer {
    /// Offered or accepted.
    pub status: String,
    /// The organisation that offered it.
    pub from: String,
    /// The organisation it was offered to.
    pub to: String,
    /// Documents it carries.
    pub documents: i64,
    /// When it was offered.
    pub offered: String,
}

/// A byte count as people read it, in binary units named as such (1 KiB is 1,024 bytes), so
/// a figure compared with a file manager's or `ls -lh`'s means the same.
#[must_use]
pub fn size_words(bytes: i64) -> String {
    let Some((name, scale)) = crate::error::binary_unit(u64::try_from(bytes).unwrap_or(0)) else {
        return format!("{bytes} bytes");
    };
    // One decimal is shown, and sizes are far below the 2^52 an f64 holds exactly.
    #[allow(clippy::cast_precision_loss)]
    let units = bytes as f64 / scale as f64;
    format!("{units:.1} {name}")
}

/// A person as pages name them: their display name, else their e-mail's local part, else
/// "the platform" (actions of the operator's command line have no person).
#[must_use]
pub fn person(name: Option<String>, email: Option<String>) -> String {
    name.or_else(|| email.map(|e| e.split('@').next().unwrap_or("").to_owned()))
        .unwrap_or_else(|| "the platform".to_owned())
}

type DocumentRow = (String, i64, Option<Vec<u8>>, i64, Option<String>, String);

/// The sealed documents of `case`, oldest first. A document whose stored record was changed
/// outside the server is still listed, without metadata, so the rest of the page answers.
pub async fn documents(state: &AppState, case: CaseId) -> Result<Vec<CaseDocument>, PageError> {
    let sql = format!(
        "SELECT d.id, d.ciphertext_size, {}, d.created_at, u.display_name, \
                u.email FROM documents d JOIN users u ON u.id = d.sealed_by \
         WHERE d.case_id = $1 ORDER BY d.created_at, d.id",
        metadata_column(state.db.backend())
    );
    let rows: Vec<DocumentRow> = sqlx::query_as(&sql)
        .bind(case.to_string())
        .fetch_all(state.db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, bytes, metadata, at, name, email)| CaseDocument {
            sealed_metadata: metadata.map_or_else(
                || {
                    log_damaged(&id);
                    None
                },
                |m| Some(vault_core::b64::encode(m)),
            ),
            id,
            size: size_words(bytes),
            bytes,
            sealed: when(at),
            at,
            by: person(name, Some(email)),
        })
        .collect())
}

/// Links of the organisation's child and family profiles attached to `case`.
pub async fn links(state: &AppState, case: CaseId, org: OrgId) -> Result<Vec<CaseLink>, PageError> {
    let scope = "(l.child_profile_id IN (SELECT id FROM child_profiles \
                   WHERE case_id = $1 AND org_id = $2) \
                 OR l.family_profile_id IN (SELECT id FROM family_profiles \
                   WHERE case_id = $1 AND org_id = $2))";
    links::listed(
        state,
        scope,
        &[case.to_string(), org.to_string()],
        Some(org),
        None,
    )
    .await
}

type AuditRow = (i64, String, Option<String>, Option<String>, Option<String>);

/// The app's activity on the case and the vault's audit events for it, newest first.
pub async fn history(
    state: &AppState,
    case: CaseId,
    org: OrgId,
) -> Result<Vec<History>, PageError> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT a.at, a.action, u.display_name, u.email, o.name FROM audit_events a \
         LEFT JOIN users u ON u.id = a.actor LEFT JOIN orgs o ON o.id = a.org_id \
         WHERE a.case_id = $1 ORDER BY a.seq DESC LIMIT 500",
    )
    .bind(case.to_string())
    .fetch_all(state.db.reader())
    .await?;
    let mut out: Vec<History> = rows
        .into_iter()
        .map(|(at, action, name, email, org_name)| {
            let who = person(name, email);
            History {
                when: when(at),
                at,
                who: org_name.map_or_else(|| who.clone(), |o| format!("{who} ({o})")),
                what: action_words(&action),
            }
        })
        .collect();
    for entry in activity::trail(state, Subject::Case, &case.to_string(), org).await? {
        out.push(History {
            when: entry.when,
            at: entry.at,
            who: entry.who,
            what: entry.summary,
        });
    }
    out.sort_by_key(|h| std::cmp::Reverse(h.at));
    Ok(out)
}

/// A vault action in words.
fn action_words(action: &str) -> String {
    match action {
        "case.created" => "opened the case",
        "document.sealed" => "sealed a document",
        "document.shared" => "shared a document with another organisation",
        "document.share_revoked" => "revoked a document's share",
        "case.transfer_offered" => "offered the case to another organisation",
        "case.transfer_accepted" => "accepted the case's transfer",
        "case.transfer_declined" => "declined the case's transfer",
        "case.transfer_withdrawn" => "withdrew the case's transfer offer",
        other => return other.replace(['.', '_'], " "),
    }
    .to_owned()
}

type TransferRow = (String, String, String, i64, i64);

/// Transfer offers of `case`, newest first.
pub async fn transfers(state: &AppState, case: CaseId) -> Result<Vec<Transfer>, PageError> {
    let rows: Vec<TransferRow> = sqlx::query_as(
        "SELECT t.status, f.name, r.name, t.document_count, t.created_at FROM transfers t \
         JOIN orgs f ON f.id = t.from_org JOIN orgs r ON r.id = t.to_org \
         WHERE t.case_id = $1 ORDER BY t.created_at DESC, t.id",
    )
    .bind(case.to_string())
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(status, from, to, documents, at)| Transfer {
            status,
            from,
            to,
            documents,
            offered: when(at),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_bytes_and_binary_units() {
        assert_eq!(size_words(512), "512 bytes");
        assert_eq!(size_words(1023), "1023 bytes");
        assert_eq!(size_words(1024), "1.0 KiB");
        assert_eq!(size_words(12_700), "12.4 KiB");
        assert_eq!(size_words(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(size_words(5 * 1024 * 1024 * 1024 / 2), "2.5 GiB");
    }

    #[test]
    fn vault_actions_read_as_words() {
        assert_eq!(action_words("document.sealed"), "sealed a document");
        assert_eq!(action_words("case.renamed_once"), "case renamed once");
    }
}
