//! Proving that a statement is in the log: its leaf looked up by the statement's digest, the
//! leaf checked to carry exactly that statement, and its inclusion proof verified against a
//! checkpoint this client accepted.

use vault_core::api::{InclusionProof, LogEntry};
use vault_core::checkpoint::Checkpoint;
use vault_core::leaf::LogLeaf;
use vault_core::merkle;
use vault_core::statement::SignedStatement;

use super::check::hashes;
use super::LogError;
use crate::client::Client;
use crate::error::{ClientError, Result};

/// Why a statement was not proven to be in the log.
enum Unproven {
    /// Its leaf is newer than the checkpoint it was checked against.
    PastCheckpoint,
    /// No valid leaf carries it; the text says what failed.
    Refused(String),
    /// The server could not be asked.
    Failed(ClientError),
}

impl From<ClientError> for Unproven {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Api { status: 404, .. } => Self::Refused("no leaf carries it".into()),
            ClientError::Log(e) => Self::Refused(e.to_string()),
            other => Self::Failed(other),
        }
    }
}

impl Client {
    /// After an action: accepts a fresh checkpoint (consistency with the saved one first), then
    /// proves every statement the action signed to be in it. A statement not proven is an
    /// error saying the action happened but is not on the log.
    pub(crate) async fn confirm_on_log(
        &self,
        action: &str,
        statements: &[&SignedStatement],
    ) -> Result<()> {
        let checkpoint = self.check_log().await?;
        for statement in statements {
            match self.prove_logged(statement, &checkpoint).await {
                Ok(()) => {}
                Err(Unproven::Failed(e)) => return Err(e),
                Err(Unproven::PastCheckpoint) => {
                    return Err(not_logged(
                        action,
                        statement,
                        "its leaf is past the checkpoint",
                    ))
                }
                Err(Unproven::Refused(why)) => return Err(not_logged(action, statement, &why)),
            }
        }
        Ok(())
    }

    /// Before relying on `statements` (those certifying a key about to be wrapped to): proves
    /// each in the log, against the checkpoint accepted in this session (a fresh one when a
    /// leaf is newer). Statements proven once are not asked about again in this session.
    pub(crate) async fn require_logged(
        &self,
        what: &str,
        statements: &[SignedStatement],
    ) -> Result<()> {
        let accepted = self.log_state().accepted.clone();
        let mut checkpoint = match accepted {
            Some(c) => c,
            None => self.check_log().await?,
        };
        for statement in statements {
            let digest = statement.digest();
            if self.log_state().proven.contains(&digest) {
                continue;
            }
            let mut outcome = self.prove_logged(statement, &checkpoint).await;
            if matches!(outcome, Err(Unproven::PastCheckpoint)) {
                checkpoint = self.check_log().await?;
                outcome = self.prove_logged(statement, &checkpoint).await;
            }
            match outcome {
                Ok(()) => {
                    self.log_state().proven.insert(digest);
                }
                Err(Unproven::Failed(e)) => return Err(e),
                Err(Unproven::PastCheckpoint) => {
                    return Err(key_not_logged(
                        what,
                        "its leaf is past the latest checkpoint",
                    ))
                }
                Err(Unproven::Refused(why)) => return Err(key_not_logged(what, &why)),
            }
        }
        Ok(())
    }

    /// One statement's leaf and inclusion proof against `checkpoint`.
    async fn prove_logged(
        &self,
        statement: &SignedStatement,
        checkpoint: &Checkpoint,
    ) -> Result<(), Unproven> {
        let digest = hex::encode(statement.digest());
        let entry: LogEntry = self
            .api
            .get(&format!("/v1/log/by-statement/{digest}"))
            .await?;
        let bytes = entry.leaf.as_bytes();
        let leaf = LogLeaf::decode(bytes)
            .map_err(|e| Unproven::Refused(format!("its leaf does not decode: {e}")))?;
        if leaf.statement.as_ref() != Some(statement) {
            return Err(Unproven::Refused(format!(
                "leaf {} does not carry exactly this statement",
                entry.index
            )));
        }
        if entry.index >= checkpoint.size {
            return Err(Unproven::PastCheckpoint);
        }
        let (index, size) = (entry.index, checkpoint.size);
        let path = format!("/v1/log/proof/inclusion?index={index}&size={size}");
        let proof: InclusionProof = self.api.get(&path).await?;
        if proof.index != index || proof.size != size {
            return Err(Unproven::Refused(
                "the server sent an inclusion proof for another leaf or size".into(),
            ));
        }
        let proof = hashes(&proof.proof);
        merkle::verify_inclusion(
            &merkle::leaf_hash(bytes),
            index,
            size,
            &proof,
            &checkpoint.root,
        )
        .map_err(|e| {
            Unproven::Refused(format!(
                "the inclusion proof of leaf {index} in checkpoint size {size} fails: {e}"
            ))
        })
    }
}

fn not_logged(action: &str, statement: &SignedStatement, why: &str) -> ClientError {
    LogError::ActionNotLogged {
        action: action.to_owned(),
        statement: kind_of(statement),
        why: why.to_owned(),
    }
    .into()
}

fn key_not_logged(what: &str, why: &str) -> ClientError {
    LogError::KeyNotLogged {
        what: what.to_owned(),
        why: why.to_owned(),
    }
    .into()
}

/// The statement's kind ("document-sealed"), or "signed" when it does not decode.
fn kind_of(statement: &SignedStatement) -> String {
    statement
        .verify()
        .map_or_else(|_| "signed".to_owned(), |s| s.kind().to_owned())
}
