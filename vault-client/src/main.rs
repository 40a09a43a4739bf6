//! `vaultctl`: the command line of the sealed case-file vault. Everything it does is in the
//! `vault_client` library; this file parses arguments and turns errors into an exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args).await.map_err(anyhow::Error::from) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vaultctl: {e:#}");
            ExitCode::FAILURE
        }
    }
}
