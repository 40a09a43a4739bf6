//! `vaultctl`: the command line of the sealed case-file vault. Everything it does is in the
//! `vault_client` library; this file parses arguments and turns errors into an exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    stop_quietly_when_stdout_closes();
    let args = cli::Cli::parse();
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vaultctl: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// When whoever reads our output stops early (`vaultctl doc list CASE | head -1`), `println!`
/// panics on the closed pipe. Other Unix tools die of SIGPIPE there; stop the same way, with the
/// status such a death gives (128 + 13) and no panic message. Every other panic is reported as
/// usual.
fn stop_quietly_when_stdout_closes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        report(info);
    }));
}

/// The error and its causes in one line. Many of our messages already quote their cause, so a
/// cause is added only when its text is not in the line yet (no "X: X").
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = e.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::describe;
    use vault_client::ClientError;
    use vault_core::ids::OrgId;
    use vault_core::trust::TrustError;

    /// Regression: a trust error was printed as "trust check failed: X: X".
    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        let org: OrgId = "00000000-0000-4000-8000-000000000001".parse().unwrap();
        let e = ClientError::from(TrustError::NoRoot(org));
        assert_eq!(
            describe(&e),
            "trust check failed: organisation 00000000-0000-4000-8000-000000000001 has not been \
             set up by its first manager"
        );
    }

    #[test]
    fn a_cause_not_quoted_is_added() {
        let outer = Wrapper(std::io::Error::other("disk full"));
        assert_eq!(describe(&outer), "could not save: disk full");
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("could not save")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
