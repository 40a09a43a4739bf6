//! Backfilling the Merkle log of a database made before the log existed.
//!
//! Such a database holds organisations, keys, members, cases, documents, shares and transfers,
//! and an empty log. At the first start over it the server appends, in one transaction, the
//! leaves the original actions would have written, rebuilt from the rows: the same actions,
//! object kinds, signed statements and `key.wrapped` leaves as the live routes, each leaf's
//! time the time of the action. They follow one `log.started` leaf whose object id
//! (`earlier-history-backfilled:N`) says that the N leaves after it were written afterwards.
//!
//! Actions are ordered by their time, then by the order of their audit records (which the old
//! server wrote in commit order, in the same transactions), then by kind, so that a key is
//! published before it is wrapped to and a member certified before anything they signed. The
//! audit records also give the time and actor of what the tables do not date (an approval, a
//! removal, an offer closed). What the database no longer holds is not invented: an envelope
//! replaced by a rotation or a transfer is gone (the current one is logged with the action
//! that stored it), and a removal's signed statement was never stored, so its leaf has none.
//!
//! Two replicas starting together backfill once: the transaction first moves the log head by
//! nothing, which holds the head's row lock (and, on SQLite, the write lock) until it commits,
//! and backfills only if the size it read is still 0.

use std::collections::{HashMap, HashSet};

use vault_core::api::Envelope;
use vault_core::ids::{CaseId, OrgId, UserId};
use vault_core::keys::{Fingerprint, VerifyingKey};
use vault_core::leaf::{LogLeaf, LEAF_VERSION};
use vault_core::statement::{Claim, SignedStatement, Statement};

use super::codec::{parse, vk_parse};
use super::{now, Db, Tx};
use crate::error::{ApiError, ApiResult};

/// Position of each kind of action among those of the same second without audit records.
mod rank {
    pub(super) const ORG_CREATED: u8 = 0;
    pub(super) const FOUNDED: u8 = 1;
    pub(super) const REGISTERED: u8 = 2;
    pub(super) const APPROVED: u8 = 3;
    pub(super) const ROTATED: u8 = 4;
    pub(super) const REMOVED: u8 = 5;
    pub(super) const CASE: u8 = 6;
    pub(super) const SEALED: u8 = 7;
    pub(super) const SHARED: u8 = 8;
    pub(super) const OFFERED: u8 = 9;
    pub(super) const ACCEPTED: u8 = 10;
    pub(super) const CLOSED: u8 = 11;
}

/// The actions backfilled, as the routes name them in their audit records.
const LOGGED_ACTIONS: [&str; 13] = [
    "org.created",
    "org.founded",
    "org.key_rotated",
    "user.registered",
    "member.approved",
    "member.removed",
    "case.created",
    "document.sealed",
    "document.shared",
    "case.transfer_offered",
    "case.transfer_accepted",
    "case.transfer_withdrawn",
    "case.transfer_declined",
];

/// One action's leaves and where it falls in the history.
struct Action {
    /// (time, audit sequence or `i64::MAX`, kind rank, certificate depth, creation order).
    order: (i64, i64, u8, u32, usize),
    leaves: Vec<LogLeaf>,
}

/// An action's audit record: its sequence number, time and actor.
#[derive(Clone, Copy)]
struct Audited {
    seq: i64,
    at: i64,
    actor: Option<UserId>,
}

/// Who acted, on what, when: the fields every leaf of one action shares.
#[derive(Clone)]
struct Head {
    time: i64,
    actor: Option<UserId>,
    org: Option<OrgId>,
    case: Option<CaseId>,
}

/// What is being rebuilt.
#[derive(Default)]
struct Backfill {
    actions: Vec<Action>,
    audit: HashMap<(String, String), Vec<Audited>>,
    /// Members by signing key.
    signers: HashMap<VerifyingKey, UserId>,
    /// Organisation key versions: their fingerprints, and the rotating action and signer.
    org_keys: HashMap<(OrgId, u32), Fingerprint>,
    rotations: HashMap<(OrgId, u32), (usize, VerifyingKey)>,
    /// Envelopes a transfer offer carries, logged with the offer only.
    offered: HashSet<[u8; 32]>,
    /// Each founded organisation's founding action.
    founded: HashMap<OrgId, usize>,
    /// The organisation that created each transferred case: the sender of its first offer.
    first_owner: HashMap<CaseId, OrgId>,
}

/// Backfills the log if it is empty while organisations exist; nothing otherwise.
pub async fn run(db: &Db) -> anyhow::Result<()> {
    let unlogged = "SELECT (SELECT size FROM log_head WHERE id = 1), (SELECT COUNT(*) FROM orgs)";
    let (size, orgs): (i64, i64) = sqlx::query_as(unlogged).fetch_one(db.reader()).await?;
    if size > 0 || orgs == 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let (size,): (i64,) =
        sqlx::query_as("UPDATE log_head SET size = size WHERE id = 1 RETURNING size")
            .fetch_one(&mut *tx)
            .await?;
    if size > 0 {
        return Ok(());
    }
    let count = backfill(&mut tx)
        .await
        .map_err(|err| anyhow::anyhow!("backfilling the log: {err:?}"))?;
    tx.commit().await?;
    if count > 0 {
        tracing::warn!(
            leaves = count,
            "the log was empty: backfilled the history this database holds"
        );
    }
    Ok(())
}

/// Appends the backfilled leaves inside `tx`; returns how many follow `log.started`.
async fn backfill(tx: &mut Tx) -> ApiResult<usize> {
    let mut b = Backfill::default();
    b.load_audit(tx).await?;
    b.load_signers(tx).await?;
    b.orgs(tx).await?;
    b.members(tx).await?;
    b.transfers(tx).await?;
    b.cases(tx).await?;
    b.documents(tx).await?;
    b.shares(tx).await?;
    b.actions.sort_by_key(|a| a.order);
    let leaves: Vec<LogLeaf> = b.actions.into_iter().flat_map(|a| a.leaves).collect();
    if leaves.is_empty() {
        return Ok(0);
    }
    let started = LogLeaf {
        object_kind: "log".to_owned(),
        ..leaf(
            &Head {
                time: now(),
                actor: None,
                org: None,
                case: None,
            },
            "log.started",
            format!("earlier-history-backfilled:{}", leaves.len()),
        )
    };
    let count = leaves.len();
    let mut all = Vec::with_capacity(count + 1);
    all.push(started);
    all.extend(leaves);
    super::log::append(tx, &all).await?;
    Ok(count)
}

/// A leaf without statement or keys; `object_kind` is set by the caller when not `org`.
fn leaf(head: &Head, action: &str, object_id: String) -> LogLeaf {
    LogLeaf {
        v: LEAF_VERSION,
        time: head.time,
        action: action.to_owned(),
        actor: head.actor,
        org_id: head.org,
        object_kind: "org".to_owned(),
        object_id,
        case_id: head.case,
        statement: None,
        keys: None,
    }
}

/// A leaf of `kind` carrying `statement`.
fn signed(head: &Head, action: &str, kind: &str, id: String, st: SignedStatement) -> LogLeaf {
    LogLeaf {
        object_kind: kind.to_owned(),
        statement: Some(st),
        ..leaf(head, action, id)
    }
}

/// The claim of a stored statement.
fn claim(statement: &SignedStatement) -> ApiResult<Claim> {
    Statement::decode(&statement.bytes)
        .map(|s| s.claim)
        .map_err(ApiError::internal)
}

fn opt_parse<T: std::str::FromStr>(text: Option<&str>) -> ApiResult<Option<T>>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.map(parse).transpose()
}

impl Backfill {
    /// Adds an action; returns its position for envelopes placed with it later.
    fn push(&mut self, head: &Head, audited: Option<Audited>, rank: u8, depth: u32) -> usize {
        let seq = audited.map_or(i64::MAX, |a| a.seq);
        let at = self.actions.len();
        self.actions.push(Action {
            order: (head.time, seq, rank, depth, at),
            leaves: Vec::new(),
        });
        at
    }

    /// The `nth` audit record of `action` on `object`, if the old server wrote one.
    fn audited(&self, action: &str, object: &str, nth: usize) -> Option<Audited> {
        let key = (action.to_owned(), object.to_owned());
        self.audit.get(&key).and_then(|rows| rows.get(nth)).copied()
    }

    /// The head of an action: the audit record's time and actor when there is one, else the
    /// row's time and the statement signer.
    fn head(&self, audited: Option<Audited>, time: i64, signer: Option<&VerifyingKey>) -> Head {
        let signer = signer.and_then(|s| self.signers.get(s)).copied();
        Head {
            time: audited.map_or(time, |a| a.at),
            actor: audited.and_then(|a| a.actor).or(signer),
            org: None,
            case: None,
        }
    }

    /// Appends the `key.wrapped` leaf of `envelope` to action `at`, with that action's head.
    fn wrap(&mut self, at: usize, envelope: &Envelope) {
        let action = &mut self.actions[at];
        let first = &action.leaves[0];
        let head = Head {
            time: first.time,
            actor: first.actor,
            org: first.org_id,
            case: first.case_id,
        };
        let id = hex::encode(vault_core::sha256(&envelope.wrapped));
        let wrapped = signed(
            &head,
            "key.wrapped",
            "envelope",
            id,
            envelope.statement.clone(),
        );
        action.leaves.push(wrapped);
    }

    /// Where a current envelope of one of `org`'s keys (`org_key`: the key inside a member's
    /// envelope, the recipient of a case's or a share's) was stored: by the rotation to that
    /// key, when the rotation's signer wrapped it no earlier than `original` was done; else by
    /// the `original` action.
    fn place(
        &self,
        org: OrgId,
        org_key: Fingerprint,
        envelope: &Envelope,
        original: usize,
    ) -> usize {
        let version = self
            .org_keys
            .iter()
            .find(|((o, _), fp)| *o == org && **fp == org_key)
            .map(|((_, v), _)| *v);
        let rotation = version.and_then(|v| self.rotations.get(&(org, v)));
        match rotation {
            Some((at, signer))
                if *signer == envelope.statement.signer
                    && self.actions[*at].order.0 >= self.actions[original].order.0 =>
            {
                *at
            }
            _ => original,
        }
    }

    /// The audit records of the actions the log keeps (not the sign-ins, which may be many).
    async fn load_audit(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let kept = LOGGED_ACTIONS
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT seq, at, actor, action, object_id FROM audit_events \
             WHERE action IN ({kept}) ORDER BY seq"
        );
        let rows: Vec<(i64, i64, Option<String>, String, String)> =
            sqlx::query_as(&sql).fetch_all(&mut **tx).await?;
        for (seq, at, actor, action, object) in rows {
            let actor = opt_parse(actor.as_deref())?;
            let audited = Audited { seq, at, actor };
            self.audit
                .entry((action, object))
                .or_default()
                .push(audited);
        }
        Ok(())
    }

    async fn load_signers(&mut self, tx: &mut Tx) -> ApiResult<()> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, signing_key FROM users WHERE kind = 'member' AND signing_key IS NOT NULL",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (id, key) in rows {
            self.signers.insert(vk_parse(&key)?, parse(&id)?);
        }
        Ok(())
    }
}

mod cases;
mod orgs;
