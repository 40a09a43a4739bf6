//! What a person asks of the log beyond its own consistency: a log key fixed in advance, and
//! a witness whose recent cosignature must back what the server shows.

use vault_core::checkpoint::{NoteKey, WitnessKey};

use crate::error::{ClientError, Result};

/// The log checks a client applies on top of signature and consistency.
#[derive(Clone, Default)]
pub struct LogPolicy {
    /// The log key the server must use (from the platform's operator); checked before anything
    /// is pinned. Without it the key is pinned on first sight and shown once.
    pub expect_log_key: Option<NoteKey>,
    /// A witness that must have cosigned a recent checkpoint consistent with the latest.
    pub require_witness: Option<WitnessRequirement>,
}

/// A witness whose cosignature is required, and how old it may be.
#[derive(Clone)]
pub struct WitnessRequirement {
    /// The witness's key.
    pub key: WitnessKey,
    /// The oldest cosignature accepted, in seconds before now.
    pub max_age_secs: u64,
}

impl LogPolicy {
    /// The policy from the command line's texts: `--expect-log-key VKEY`, and
    /// `--require-witness VKEY` with `--witness-max-age SECS` (both or neither).
    pub fn from_texts(
        expect_log_key: Option<&str>,
        require_witness: Option<&str>,
        witness_max_age: Option<u64>,
    ) -> Result<Self> {
        let expect_log_key = expect_log_key
            .map(|text| {
                NoteKey::parse_vkey(text.trim()).map_err(|e| {
                    ClientError::Invalid(format!("--expect-log-key is not a log key: {e}"))
                })
            })
            .transpose()?;
        let require_witness = match (require_witness, witness_max_age) {
            (None, None) => None,
            (Some(text), Some(max_age_secs)) => Some(WitnessRequirement {
                key: WitnessKey::parse_vkey(text.trim()).map_err(|e| {
                    ClientError::Invalid(format!("--require-witness is not a witness key: {e}"))
                })?,
                max_age_secs,
            }),
            _ => {
                return Err(ClientError::Invalid(
                    "--require-witness and --witness-max-age go together: give both or neither"
                        .into(),
                ))
            }
        };
        Ok(Self {
            expect_log_key,
            require_witness,
        })
    }
}
