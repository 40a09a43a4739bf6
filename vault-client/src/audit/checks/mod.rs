//! The six checks, one module each, over a read log ([`super::leaves::Leaves`]), its replay
//! ([`super::replay::LogState`]) and the snapshot.

pub(crate) mod access;
pub(crate) mod directory;
pub(crate) mod envelopes;
pub(crate) mod log;
pub(crate) mod no_keys;
pub(crate) mod objects;

use vault_core::statement::SignedStatement;

use super::leaves::Leaves;
use super::replay::LogState;

/// The leaf carrying exactly `signed` (bytes, signer and signature), or why there is none.
pub(crate) fn logged_leaf(
    state: &LogState,
    leaves: &Leaves,
    signed: &SignedStatement,
) -> Result<u64, String> {
    let Some(&leaf) = state.by_digest.get(&signed.digest()) else {
        return Err("is not in the log".into());
    };
    let same = leaves.facts[leaf as usize]
        .as_ref()
        .ok()
        .and_then(|f| f.statement.as_ref())
        .is_some_and(|logged| logged.same_as(signed));
    if same {
        Ok(leaf)
    } else {
        Err(format!(
            "differs in signer or signature from the statement logged at leaf {leaf}"
        ))
    }
}
