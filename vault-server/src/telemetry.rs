//! Logging set-up for the binary: plain text for a person at a terminal, or one JSON object a
//! line for a log collector (`--log-format json`, `VAULT_LOG_FORMAT=json`).
//!
//! Either way the access log (target `vault_server::access`, see [`crate::access`]) gives one
//! line per request with its method, route template, status, duration and byte counts.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines; colours only on a terminal.
    #[default]
    Text,
    /// One JSON object a line, the event's fields at the top level beside `timestamp`,
    /// `level`, `target` and `message`.
    Json,
}

/// Logs to stderr in `format`, filtered by `RUST_LOG` (default `info`); colours only on a
/// terminal, so a log file holds plain text.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}
