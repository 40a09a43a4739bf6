//! Client of the sealed case-file vault: the keystore, trust checks, and one async method per
//! action on [`Client`], as used by the `vaultctl` command line and by tests in-process.
//!
//! Documents are sealed on this machine and opened on this machine; the server sees only
//! ciphertext, wrapped keys and signed statements. Before wrapping a key to anyone the client
//! verifies the organisation's directory against what it pinned; before using a key it
//! unwrapped it checks who signed the envelope; before showing a document it checks the
//! document's sealed statement.
//!
//! - [`keystore`]: keys on disk, locked with a passphrase.
//! - [`client`]: the [`Client`] and its session.
//! - [`fetch`]: a keystore the server keeps (made in the browser) brought to this machine.
//! - [`files`]: seal a file, open into a file only when every check passes.
//! - [`pins`]: keys pinned on first sight.
//! - [`audit`]: `audit verify`, the auditor's six checks over a live server or an export.
//! - [`log`]: checkpoints kept and checked, statements proven in the log.
//! - [`witness`]: cosigning checkpoints as an auditor's witness.

mod accept;
pub mod audit;
pub mod cases;
pub mod client;
pub mod documents;
pub mod error;
pub mod fetch;
pub mod files;
mod http;
pub mod keystore;
pub mod log;
pub mod org;
pub mod pins;
mod private_file;
pub mod session;
mod upload;
mod verify;
pub mod witness;

pub use client::{Client, Fingerprints};
pub use error::{ClientError, Result};
pub use verify::OrgSighting;
