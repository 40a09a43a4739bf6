//! Check `envelopes`: every stored envelope is an age file for X25519 recipients only, carries
//! a `key-wrapped` statement that names exactly its key, its recipient and its bytes, for the
//! object the row belongs to, that statement is in the log (where the replay found its signer
//! certified at that leaf), and the recipient is a key the log published: an organisation's,
//! a member's or a case's. A member's organisation-key envelope must be wrapped to the
//! encryption key the log certified for that very member, so one member's envelope put in
//! another's place fails. A row the server lists without an envelope (its record no longer
//! reads) fails, named. Envelopes are streamed from `envelopes.jsonl` on every core.

use std::collections::HashMap;

use vault_core::api::{Envelope, StoredEnvelope};
use vault_core::header::{check_header, HeaderCheck};
use vault_core::keys::Fingerprint;
use vault_core::statement::{Claim, KeyScope, Statement};

use super::logged_leaf;
use crate::audit::leaves::Leaves;
use crate::audit::replay::LogState;
use crate::audit::report::{Failure, Findings};
use crate::audit::snapshot::Snapshot;

#[derive(Default)]
struct Batch {
    envelopes: u64,
    extra_signatures: u64,
    failures: Vec<Failure>,
}

/// Runs the check.
pub(crate) fn check(
    snapshot: &Snapshot,
    leaves: &Leaves,
    state: &LogState,
    threads: usize,
    f: &mut Findings,
) -> crate::Result<()> {
    let certified = certified_keys(state);
    let batches =
        crate::audit::lines::par_batches(&snapshot.envelopes_path(), threads, |start, lines| {
            let mut b = Batch::default();
            for (i, line) in lines.iter().enumerate() {
                if line.is_empty() {
                    continue;
                }
                b.envelopes += 1;
                one(start + i as u64, line, leaves, state, &certified, &mut b);
            }
            b
        })?;
    for b in batches {
        f.count("envelopes", b.envelopes);
        f.count("signatures verified outside the log", b.extra_signatures);
        f.absorb(b.failures);
    }
    Ok(())
}

/// The encryption keys the log certified for each member, by user id as the rows name them.
fn certified_keys(state: &LogState) -> HashMap<String, Vec<Fingerprint>> {
    let mut keys: HashMap<String, Vec<Fingerprint>> = HashMap::new();
    for member in state.orgs.values().flat_map(|org| org.members.values()) {
        keys.entry(member.user.to_string())
            .or_default()
            .push(member.encryption_key.fingerprint());
    }
    keys
}

/// Checks one line of `envelopes.jsonl` against the log's leaves, its replayed state and the
/// keys it certified for each member.
fn one(
    line_no: u64,
    line: &[u8],
    leaves: &Leaves,
    state: &LogState,
    certified: &HashMap<String, Vec<Fingerprint>>,
    b: &mut Batch,
) {
    let stored: StoredEnvelope = match serde_json::from_slice(line) {
        Ok(s) => s,
        Err(e) => {
            return b.failures.push(Failure {
                subject: format!("envelopes.jsonl line {}", line_no + 1),
                reason: format!("does not parse: {e}"),
            })
        }
    };
    let subject = format!("envelope {}/{}", stored.place, stored.owner);
    let Some(env) = &stored.envelope else {
        return b.failures.push(Failure {
            subject,
            reason: "the platform's stored record holds no envelope that reads: it was changed \
                     outside the server"
                .into(),
        });
    };
    let mut reasons = Vec::new();
    let (extra, verdict) = verdicts(&stored, env, leaves, state, &mut reasons);
    b.extra_signatures += extra;
    if let Err(reason) = verdict {
        reasons.push(reason);
    }
    if stored.place == "member" {
        reasons.extend(member_slot(&stored.owner, &env.recipient, certified));
    }
    b.failures.extend(reasons.into_iter().map(|reason| Failure {
        subject: subject.clone(),
        reason,
    }));
}

/// Every reason the envelope fails, pushed onto `reasons`; returns the signatures verified
/// here (those of statements not found in the log) and a last refusal, if any.
fn verdicts(
    stored: &StoredEnvelope,
    env: &Envelope,
    leaves: &Leaves,
    state: &LogState,
    reasons: &mut Vec<String>,
) -> (u64, Result<(), String>) {
    let mut extra = 0;
    let mut fail = |reason: String| reasons.push(reason);
    let statement: Option<Statement> = match logged_leaf(state, leaves, &env.statement) {
        Ok(leaf) => leaves.facts[leaf as usize]
            .as_ref()
            .ok()
            .and_then(|f| f.statement.as_ref())
            .and_then(|s| s.verified.as_ref().ok().cloned()),
        Err(reason) => {
            fail(format!("its key-wrapped statement {reason}"));
            extra += 1;
            env.statement.verify().ok()
        }
    };
    let Some(statement) = statement else {
        return (
            extra,
            Err("its statement's signature does not verify".into()),
        );
    };
    let Claim::KeyWrapped {
        scope,
        key,
        recipient,
        envelope_sha256,
        ..
    } = statement.claim
    else {
        return (
            extra,
            Err("its statement is not a key-wrapped statement".into()),
        );
    };
    if key != env.key || recipient != env.recipient {
        fail("key or recipient differs from the signed statement".into());
    }
    if envelope_sha256 != vault_core::sha256(&env.wrapped) {
        fail("wrapped bytes differ from the signed digest".into());
    }
    if !scope_fits(stored, scope) {
        fail(format!(
            "signed for the key of {}, not for this {} row",
            scope_text(scope),
            stored.place
        ));
    }
    if !state.recipients.contains(&env.recipient) {
        fail(format!(
            "wrapped to {}, a key the log never published",
            env.recipient
        ));
    }
    match check_header(&env.wrapped) {
        Ok(HeaderCheck::Valid(info)) if info.x25519_only() => {}
        _ => fail("not an age file wrapped to X25519 recipients only".into()),
    }
    (extra, Ok(()))
}

/// Why a member's envelope does not belong in the place of member `owner`: wrapped to a key the
/// log never certified for them (another member's envelope put there), or held for someone the
/// log never certified at all.
fn member_slot(
    owner: &str,
    recipient: &Fingerprint,
    certified: &HashMap<String, Vec<Fingerprint>>,
) -> Option<String> {
    match certified.get(owner) {
        None => Some(format!(
            "held for member {owner}, whom the log never certified"
        )),
        Some(keys) if keys.contains(recipient) => None,
        Some(_) => Some(format!(
            "wrapped to {recipient}, not to a key the log certified for member {owner}, whose \
             place holds it"
        )),
    }
}

/// What a wrapped key belongs to, in words, with a plain id.
fn scope_text(scope: KeyScope) -> String {
    match scope {
        KeyScope::Org(id) => format!("organisation {id}"),
        KeyScope::Case(id) => format!("case {id}"),
        KeyScope::Document(id) => format!("document {id}"),
    }
}

/// Whether the statement's scope is the object the row belongs to.
fn scope_fits(stored: &StoredEnvelope, scope: KeyScope) -> bool {
    let first = stored.owner.split('/').next().unwrap_or_default();
    let last = stored.owner.rsplit('/').next().unwrap_or_default();
    match (stored.place.as_str(), scope) {
        ("member", KeyScope::Org(_)) | ("transfer-case", KeyScope::Case(_)) => true,
        ("case", KeyScope::Case(id)) => id.to_string() == stored.owner,
        ("document" | "share", KeyScope::Document(id)) => id.to_string() == first,
        ("transfer-document", KeyScope::Document(id)) => id.to_string() == last,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault_core::ids::{CaseId, DocumentId, OrgId};

    #[test]
    fn a_scope_reads_as_words_and_a_plain_id() {
        let (org, case, doc) = (OrgId::new(), CaseId::new(), DocumentId::new());
        assert_eq!(
            scope_text(KeyScope::Org(org)),
            format!("organisation {org}")
        );
        assert_eq!(scope_text(KeyScope::Case(case)), format!("case {case}"));
        assert_eq!(
            scope_text(KeyScope::Document(doc)),
            format!("document {doc}")
        );
    }
}
