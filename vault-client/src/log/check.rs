//! Accepting a checkpoint: the log's signature under the pinned key, a consistency proof from
//! the one accepted before, and the witness the person requires, if any.

use vault_core::api::{ConsistencyProof, LogCheckpoint, LogKey};
use vault_core::checkpoint::{Checkpoint, NoteKey, SignedCheckpoint};
use vault_core::merkle::{self, Hash};

use super::book::{LogBook, ServerLog};
use super::{LogError, Named, WitnessRequirement};
use crate::client::Client;
use crate::error::{ClientError, Result};

/// How far ahead of this machine's clock a witness's may be.
const MAX_CLOCK_SKEW_SECS: u64 = 300;

impl Client {
    /// Fetches the server's latest checkpoint and accepts it only when it is signed with the
    /// log key pinned for this server (pinned now, on first sight) and extends the checkpoint
    /// accepted before; then it is saved as the new one. A rollback or a fork is an error
    /// naming both checkpoints, and the saved one is left unchanged. Every command that talks
    /// to the server runs this first, and every action again after it is done.
    pub async fn check_log(&self) -> Result<Checkpoint> {
        let path = self.log_book_path();
        let kept = LogBook::load(&path)?.server(self.server()).cloned();
        let (key, source) = self.log_key(kept.as_ref()).await?;
        let answer: LogCheckpoint = self.api.get("/v1/log/checkpoint").await?;
        let latest = match open_note(&answer.note, &key) {
            Ok(opened) => opened.checkpoint,
            Err(_) if source == KeySource::Expected => return Err(unexpected(&key).into()),
            Err(e) => return Err(e.into()),
        };
        if let Some(note) = kept.as_ref().and_then(|k| k.checkpoint.as_deref()) {
            let saved = open_saved(note, &key, &path)?;
            self.check_consistent(&saved, &latest).await?;
        }
        if let Some(required) = &self.log_policy.require_witness {
            self.check_witness(&key, &latest, required).await?;
        }
        let entry = ServerLog {
            log_key: key.to_vkey(),
            checkpoint: Some(answer.note.clone()),
            size: latest.size,
        };
        LogBook::record(&path, self.server(), entry)?;
        let mut state = self.log_state();
        if source == KeySource::FirstSight {
            state.new_log_key = Some(key.to_vkey());
        }
        state.key = Some(key);
        state.accepted = Some(latest.clone());
        state.accepted_note = Some(answer.note);
        Ok(latest)
    }

    /// The log key: the one pinned for this server, else the expected one (which the first
    /// checkpoint must verify under), else the one the server names (first sight, reported by
    /// [`Client::take_new_log_key`]).
    async fn log_key(&self, kept: Option<&ServerLog>) -> Result<(NoteKey, KeySource)> {
        let expected = self.log_policy.expect_log_key.as_ref();
        if let Some(kept) = kept {
            let pinned = NoteKey::parse_vkey(&kept.log_key)
                .map_err(|_| LogError::malformed("the pinned log key does not parse"))?;
            if let Some(expected) = expected.filter(|e| e.to_vkey() != pinned.to_vkey()) {
                return Err(unexpected(expected).into());
            }
            return Ok((pinned, KeySource::Pinned));
        }
        if let Some(expected) = expected {
            return Ok((expected.clone(), KeySource::Expected));
        }
        Ok((self.served_log_key().await?, KeySource::FirstSight))
    }

    /// The log key as the server names it.
    async fn served_log_key(&self) -> Result<NoteKey> {
        let answer: LogKey = self.api.get("/v1/log/key").await?;
        NoteKey::parse_vkey(&answer.vkey)
            .map_err(|e| LogError::malformed(format!("the server's log key: {e}")).into())
    }

    /// The log key seen and pinned for the first time since the last call, unchecked against
    /// anything the person gave: it should be compared once with the platform's operator.
    pub fn take_new_log_key(&self) -> Option<String> {
        self.log_state().new_log_key.take()
    }

    /// Refuses `latest` unless it extends `saved`.
    pub(crate) async fn check_consistent(
        &self,
        saved: &Checkpoint,
        latest: &Checkpoint,
    ) -> Result<()> {
        let (s, l) = (named(saved), named(latest));
        let fork = |why: String| LogError::Fork {
            saved: s,
            shown: l,
            why,
        };
        if latest.size < saved.size {
            return Err(LogError::Rollback { saved: s, shown: l }.into());
        }
        if latest.size == saved.size {
            if latest.root == saved.root {
                return Ok(());
            }
            return Err(fork("same size, different root".into()).into());
        }
        let proof = match self.consistency_proof(saved.size, latest.size).await {
            Ok(proof) => proof,
            Err(ClientError::Api { message, .. }) => {
                return Err(fork(format!("the server gave no consistency proof: {message}")).into())
            }
            Err(other) => return Err(other),
        };
        merkle::verify_consistency(saved.size, latest.size, &saved.root, &latest.root, &proof)
            .map_err(|e| fork(format!("the consistency proof does not verify: {e}")))?;
        Ok(())
    }

    async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>> {
        let path = format!("/v1/log/proof/consistency?from={from}&to={to}");
        let answer: ConsistencyProof = self.api.get(&path).await?;
        if answer.from != from || answer.to != to {
            return Err(LogError::malformed("a consistency proof for other sizes").into());
        }
        Ok(hashes(&answer.proof))
    }

    /// Refuses unless `required` cosigned, no longer ago than allowed, a checkpoint that
    /// `latest` extends.
    async fn check_witness(
        &self,
        key: &NoteKey,
        latest: &Checkpoint,
        required: &WitnessRequirement,
    ) -> Result<()> {
        let refuse = |why: String| -> ClientError {
            LogError::Witness {
                witness: required.key.name.clone(),
                why,
            }
            .into()
        };
        let path = format!(
            "/v1/log/checkpoint?witness={}",
            super::query_value(&required.key.name)
        );
        let answer: LogCheckpoint = match self.api.get(&path).await {
            Err(ClientError::Api { status: 404, .. }) => {
                return Err(refuse("it has cosigned no checkpoint of this log".into()))
            }
            other => other?,
        };
        let witnessed = open_note(&answer.note, key)?;
        let on = named(&witnessed.checkpoint);
        let time = witnessed
            .cosignatures
            .iter()
            .filter(|c| c.verify(&witnessed.checkpoint, &required.key).is_ok())
            .map(|c| c.time)
            .max()
            .ok_or_else(|| {
                refuse(format!(
                    "checkpoint {on} carries no valid cosignature by it"
                ))
            })?;
        if let Some(why) = too_old(time, required.max_age_secs) {
            return Err(refuse(format!(
                "its newest cosignature, on checkpoint {on}, {why}"
            )));
        }
        match self.check_consistent(&witnessed.checkpoint, latest).await {
            Err(ClientError::Log(e @ (LogError::Fork { .. } | LogError::Rollback { .. }))) => {
                Err(refuse(format!(
                    "the checkpoint it cosigned and the latest do not agree: {e}"
                )))
            }
            other => other,
        }
    }
}

/// Why a cosignature made at `time` is not recent enough, if it is not: older than
/// `max_age_secs`, or dated so far ahead of this machine's clock that it would look fresh for
/// too long.
fn too_old(time: u64, max_age_secs: u64) -> Option<String> {
    let now = super::now();
    if time > now + MAX_CLOCK_SKEW_SECS {
        return Some(format!("is dated {} seconds in the future", time - now));
    }
    let age = now.saturating_sub(time);
    (age > max_age_secs)
        .then(|| format!("is {age} seconds old; at most {max_age_secs} are accepted"))
}

/// Opens a signed note with the log key; a bad signature is named as such.
pub(crate) fn open_note(note: &str, key: &NoteKey) -> Result<SignedCheckpoint, LogError> {
    SignedCheckpoint::open(note, key).map_err(|e| LogError::BadSignature {
        pinned: key.to_vkey(),
        why: e.to_string(),
    })
}

/// Opens a checkpoint saved in the file at `path`; one that no longer verifies was edited.
pub(crate) fn open_saved(note: &str, key: &NoteKey, path: &std::path::Path) -> Result<Checkpoint> {
    open_note(note, key).map(|s| s.checkpoint).map_err(|_| {
        ClientError::Invalid(format!(
            "the checkpoint saved in {} no longer verifies with the pinned log key; restore that \
             file from a backup",
            path.display()
        ))
    })
}

/// A checkpoint's size and root, for messages.
pub(crate) fn named(checkpoint: &Checkpoint) -> Named {
    Named {
        size: checkpoint.size,
        root: checkpoint.root,
    }
}

/// The hashes of a proof.
pub(crate) fn hashes(proof: &[vault_core::api::HexHash]) -> Vec<Hash> {
    proof.iter().map(|h| h.0).collect()
}

/// Where the log key in use came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeySource {
    /// Pinned for this server before.
    Pinned,
    /// Given by the person, not yet pinned.
    Expected,
    /// Named by the server just now.
    FirstSight,
}

fn unexpected(expected: &NoteKey) -> LogError {
    LogError::UnexpectedKey {
        expected: expected.to_vkey(),
    }
}

#[cfg(test)]
mod tests {
    use super::too_old;

    #[test]
    fn a_cosignature_is_recent_within_its_age_and_never_far_in_the_future() {
        let now = super::super::now();
        assert_eq!(too_old(now - 30, 60), None);
        assert_eq!(too_old(now + 200, 60), None);
        let old = too_old(now - 7200, 3600).unwrap();
        assert!(
            old.ends_with("seconds old; at most 3600 are accepted"),
            "{old}"
        );
        let ahead = too_old(now + 86_400, 3600).unwrap();
        assert!(ahead.ends_with("seconds in the future"), "{ahead}");
    }
}
