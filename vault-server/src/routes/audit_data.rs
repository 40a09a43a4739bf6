//! What an auditor is given of the database: the key directory, every stored envelope, the
//! ciphertext inventory and who can open each document today.
//!
//! Each reader takes a connection, so that the routes read from the pool and
//! `export-audit` reads everything inside one snapshot. None of them selects an e-mail address,
//! a password hash, a token, a case reference or sealed metadata: what is never read cannot
//! leak. The lists that grow with documents are read a page at a time, in the order of a key
//! the caller can resume after.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use sqlx::AnyConnection;
use vault_core::api::{
    DocumentAccessToday, DocumentEnvelope, Envelope, InventoryEntry, MemberEntry, OrgDirectory,
    StoredEnvelope,
};
use vault_core::ids::{DocumentId, OrgId};
use vault_core::statement::SignedStatement;

use crate::db::codec::{digest_parse, document_json, from_json, parse, Record};
use crate::error::{ApiError, ApiResult};

/// Every organisation's summary, key history and members, oldest organisation first.
/// Members carry no e-mail address (the field is empty, as in another organisation's view).
pub async fn directory(conn: &mut AnyConnection) -> ApiResult<Vec<OrgDirectory>> {
    let orgs: Vec<(String,)> = sqlx::query_as("SELECT id FROM orgs ORDER BY created_at, id")
        .fetch_all(&mut *conn)
        .await?;
    let statements: Vec<(String, String)> =
        sqlx::query_as("SELECT org_id, statement FROM org_keys ORDER BY org_id, version")
            .fetch_all(&mut *conn)
            .await?;
    let rows: Vec<super::orgs::MemberRow> = sqlx::query_as(
        "SELECT org_id, id, member_role, status, encryption_key, signing_key, certificate \
         FROM users WHERE kind = 'member' ORDER BY created_at, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut keys: BTreeMap<String, Vec<SignedStatement>> = BTreeMap::new();
    for (org, statement) in statements {
        keys.entry(org).or_default().push(from_json(&statement)?);
    }
    let mut members: BTreeMap<String, Vec<MemberEntry>> = BTreeMap::new();
    for (org, id, role, status, enc, sig, cert) in rows {
        let entry = super::orgs::member_entry((id, role, status, enc, sig, cert), String::new())?;
        members.entry(org).or_default().push(entry);
    }
    let mut out = Vec::with_capacity(orgs.len());
    for (id,) in orgs {
        out.push(OrgDirectory {
            org: super::orgs::load_org(conn, parse(&id)?).await?,
            org_key_statements: keys.remove(&id).unwrap_or_default(),
            members: members.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Where envelopes are kept, in the order [`envelopes`] lists them, with the query giving each
/// place's `(owner, envelope)` rows. `transfer-document` has no query: those envelopes sit in
/// a JSON array of the transfer row.
const PLACES: [(&str, &str); 6] = [
    (
        "member",
        "SELECT user_id AS owner, envelope FROM member_envelopes",
    ),
    ("case", "SELECT id AS owner, envelope FROM cases"),
    ("document", "SELECT id AS owner, envelope FROM documents"),
    (
        "share",
        "SELECT document_id || '/' || to_org AS owner, envelope FROM shares",
    ),
    (
        "transfer-case",
        "SELECT id AS owner, case_envelope AS envelope FROM transfers",
    ),
    ("transfer-document", ""),
];

/// A position in the list of envelopes: after this owner in this place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvelopeCursor {
    place: usize,
    owner: String,
}

impl EnvelopeCursor {
    /// Reads `PLACE/OWNER`, the place and owner of the last envelope already seen.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (place, owner) = text.split_once('/')?;
        let place = PLACES.iter().position(|(name, _)| *name == place)?;
        Some(Self {
            place,
            owner: owner.to_owned(),
        })
    }
}

/// Up to `limit` stored envelopes after `after`, by place and then owner.
pub async fn envelopes(
    conn: &mut AnyConnection,
    after: &EnvelopeCursor,
    limit: usize,
) -> ApiResult<Vec<StoredEnvelope>> {
    let mut out = Vec::new();
    for (index, (place, query)) in PLACES.iter().enumerate().skip(after.place) {
        let owner_after = if index == after.place {
            after.owner.as_str()
        } else {
            ""
        };
        let room = limit - out.len();
        if room == 0 {
            break;
        }
        if query.is_empty() {
            out.extend(transfer_documents(conn, owner_after, room).await?);
        } else {
            let sql = format!(
                "SELECT owner, envelope FROM ({query}) AS e WHERE owner > $1 \
                 ORDER BY owner LIMIT $2"
            );
            let rows: Vec<(String, String)> = sqlx::query_as(&sql)
                .bind(owner_after)
                .bind(i64::try_from(room).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
            for (owner, envelope) in rows {
                let envelope = readable(&envelope, place, &owner);
                out.push(stored(place, owner, envelope));
            }
        }
    }
    Ok(out)
}

/// The envelope stored in `text`, or `None` when the row was changed outside the server so
/// that it no longer reads: said once in the log with the row, and listed without an envelope,
/// so the audit names that row and goes on with the others.
fn readable<T: DeserializeOwned>(text: &str, place: &str, owner: &str) -> Option<T> {
    let first = owner.split('/').next().unwrap_or_default();
    let record = match place {
        "document" | "share" => Record::Document(first),
        "case" => Record::Case(first),
        _ => {
            return serde_json::from_str(text)
                .inspect_err(|err| {
                    tracing::error!(
                        place,
                        owner,
                        kind = ?err.classify(),
                        column = err.column(),
                        "stored envelope does not read: it was changed outside the server"
                    );
                })
                .ok();
        }
    };
    document_json(text, record, "envelope").ok()
}

fn stored(place: &str, owner: String, envelope: Option<Envelope>) -> StoredEnvelope {
    StoredEnvelope {
        place: place.to_owned(),
        owner,
        envelope,
    }
}

/// Transfer rows read at a time while listing their document envelopes.
const TRANSFER_BATCH: i64 = 16;

/// Up to `limit` document envelopes of transfer offers after `TRANSFER_ID/DOCUMENT_ID`, by
/// transfer id and then document id.
async fn transfer_documents(
    conn: &mut AnyConnection,
    after: &str,
    limit: usize,
) -> ApiResult<Vec<StoredEnvelope>> {
    let (first, document) = after.split_once('/').unwrap_or((after, ""));
    let mut out = Vec::new();
    // The transfer the cursor stopped inside, then whole transfers after it.
    let mut rows: Vec<(String, String)> = if first.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as("SELECT id, document_envelopes FROM transfers WHERE id = $1")
            .bind(first)
            .fetch_all(&mut *conn)
            .await?
    };
    let mut skip_to = document.to_owned();
    let mut last = first.to_owned();
    loop {
        for (id, list) in rows {
            let resumed = id == first;
            let Some(mut docs) = readable::<Vec<DocumentEnvelope>>(&list, "transfer", &id) else {
                // One entry for the unreadable list, under no document; a page that ended on
                // it resumes inside this transfer, which has nothing more to give.
                if !resumed && out.len() < limit {
                    out.push(stored("transfer-document", format!("{id}/"), None));
                }
                skip_to.clear();
                last = id;
                continue;
            };
            docs.sort_by_key(|d| d.document_id.to_string());
            for doc in docs {
                let document_id = doc.document_id.to_string();
                if document_id > skip_to && out.len() < limit {
                    let owner = format!("{id}/{document_id}");
                    out.push(stored("transfer-document", owner, Some(doc.envelope)));
                }
            }
            skip_to.clear();
            last = id;
        }
        if out.len() >= limit {
            return Ok(out);
        }
        rows = sqlx::query_as(
            "SELECT id, document_envelopes FROM transfers WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(&last)
        .bind(TRANSFER_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(out);
        }
    }
}

type InventoryRow = (String, String, String, String, i64, String, String);

/// Up to `limit` stored objects whose document id comes after `after`, by document id.
pub async fn inventory(
    conn: &mut AnyConnection,
    after: Option<DocumentId>,
    limit: i64,
) -> ApiResult<Vec<InventoryEntry>> {
    let rows: Vec<InventoryRow> = sqlx::query_as(
        "SELECT d.id, c.org_id, d.case_id, d.object_key, d.ciphertext_size, \
         d.ciphertext_sha256, d.statement \
         FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.id > $1 ORDER BY d.id LIMIT $2",
    )
    .bind(after.map(|id| id.to_string()).unwrap_or_default())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, org, case, key, size, sha, statement)| {
            Ok(InventoryEntry {
                document_id: parse(&id)?,
                org_id: parse(&org)?,
                object_key: key,
                ciphertext_size: u64::try_from(size).map_err(ApiError::internal)?,
                ciphertext_sha256: digest_parse(&sha)?,
                case_id: parse(&case)?,
                statement: from_json(&statement)?,
            })
        })
        .collect()
}

/// Up to `limit` documents after `after` (by id), each with the organisations the database
/// lets open it today: the case owner, share recipients and the receiver of a waiting offer.
pub async fn access(
    conn: &mut AnyConnection,
    after: Option<DocumentId>,
    limit: i64,
) -> ApiResult<Vec<DocumentAccessToday>> {
    let after = after.map(|id| id.to_string()).unwrap_or_default();
    let owners: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.id, c.org_id FROM documents d JOIN cases c ON c.id = d.case_id \
         WHERE d.id > $1 ORDER BY d.id LIMIT $2",
    )
    .bind(&after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let Some((page_end, _)) = owners.last() else {
        return Ok(Vec::new());
    };
    // Everyone else who can open a document of this page: rows between the bounds of the page.
    let others: Vec<(String, String)> = sqlx::query_as(
        "SELECT document_id, to_org FROM shares WHERE document_id > $1 AND document_id <= $2 \
         UNION ALL \
         SELECT d.id, t.to_org FROM documents d JOIN transfers t ON t.case_id = d.case_id \
         WHERE t.status = 'offered' AND d.id > $1 AND d.id <= $2",
    )
    .bind(&after)
    .bind(page_end)
    .fetch_all(&mut *conn)
    .await?;
    let mut orgs: BTreeMap<&str, Vec<OrgId>> = BTreeMap::new();
    for (document, org) in owners.iter().chain(&others) {
        orgs.entry(document).or_default().push(parse(org)?);
    }
    owners
        .iter()
        .map(|(document, _)| {
            let mut openers = orgs.remove(document.as_str()).unwrap_or_default();
            openers.sort_unstable();
            openers.dedup();
            Ok(DocumentAccessToday {
                document_id: parse(document)?,
                orgs: openers,
            })
        })
        .collect()
}
