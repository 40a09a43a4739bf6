//! `vaultctl audit verify [--offline DIR]`: fetch or open the snapshot, run the six checks,
//! print the report, and fail (exit status 1) when any check failed.

use std::path::{Path, PathBuf};

use clap::Args;

use vault_client::audit::{self, Options, Snapshot};
use vault_client::{ClientError, Result};

use super::commands::open;
use super::{output, Global};

/// Arguments of `audit verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// Verify an export written by `vault-server export-audit --out DIR` instead of the live
    /// server (no login needed).
    #[arg(long, value_name = "DIR")]
    pub(crate) offline: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Print the report as JSON (with the whole access ledger).
    #[arg(long)]
    pub(crate) json: bool,
    /// Add where the time went, phase by phase (for benchmarks).
    #[arg(long)]
    pub(crate) timings: bool,
}

/// Runs `audit verify`.
pub(crate) async fn run(g: &Global, home: &Path, args: VerifyArgs) -> Result<()> {
    let options = Options {
        log_key: g.expect_log_key.clone(),
        threads: args.threads,
    };
    let mut report = if let Some(dir) = &args.offline {
        let snapshot = Snapshot::open(dir, format!("export {}", dir.display()))?;
        let home = home.to_owned();
        tokio::task::spawn_blocking(move || audit::verify(&snapshot, &home, &options))
            .await
            .map_err(|_| ClientError::Invalid("the audit stopped unexpectedly".into()))??
    } else {
        let client = open(g, home)?;
        audit::live::verify_live(&client, home, &options).await?
    };
    if !args.timings {
        report.timings.clear();
    }
    if args.json {
        output::json(&report)?;
    } else {
        print!("{}", report.to_text());
    }
    if report.passed() {
        Ok(())
    } else {
        Err(ClientError::Invalid(format!(
            "audit failed: {}",
            report.failed_checks().join(", ")
        )))
    }
}
