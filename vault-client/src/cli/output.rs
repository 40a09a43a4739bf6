//! Printing: JSON for scripts, short lines for people, progress bars for large files.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use vault_client::documents::{OpenedFile, Progress};
use vault_client::{ClientError, Result};

/// Files smaller than this finish too fast for a bar to help.
const BAR_THRESHOLD: u64 = 4 * 1024 * 1024;

/// Text from the server or from other people (file names, case references, organisation
/// names, e-mail addresses) with control characters and invisible formatting characters (such
/// as right-to-left overrides) shown as escapes, so that none of it can move the cursor, clear
/// a line, pose as another line on the terminal or show a name backwards.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() || vault_core::text::is_hidden_format(c) {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Prints where an opened document was written, escaped as `doc list` shows names. When it
/// went into a directory under a name that differs from the sealed one (characters replaced
/// by [`vault_client::files::sanitise_file_name`]), both names follow on stderr, so the
/// person can tell the file on disk from the name the sealer gave, and stdout stays one path.
pub(crate) fn opened(opened: &OpenedFile, into_dir: bool) {
    println!("{}", printable(&opened.path.display().to_string()));
    let written = opened
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if into_dir && written != opened.sealed_name {
        eprintln!(
            "sealed as {}, written as {written}: path separators, control and invisible \
             formatting characters in a sealed name are written as _",
            printable(&opened.sealed_name)
        );
    }
}

/// `n` and the noun, plural unless there is exactly one ("1 document", "3 documents").
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Prints a value as pretty JSON on stdout.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|_| ClientError::Invalid("cannot encode the answer as JSON".into()))?;
    println!("{text}");
    Ok(())
}

/// A progress bar on stderr, hidden when stderr is not a terminal or the file is small.
pub(crate) struct Bar {
    label: String,
    bar: Option<ProgressBar>,
}

impl Bar {
    pub(crate) fn new(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            bar: None,
        }
    }
}

impl Progress for Bar {
    fn start(&mut self, total: u64) {
        if total < BAR_THRESHOLD || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(self.label.clone());
        self.bar = Some(bar);
    }

    fn update(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Seconds since the epoch as a UTC date and time, without a time-zone library.
pub(crate) fn date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), valid for the whole i64 day range we meet.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            printable("invoice\u{1b}[2K\rFAKE.pdf"),
            "invoice\\u{1b}[2K\\u{d}FAKE.pdf"
        );
        assert_eq!(
            printable("Médical report – Zoë (2).pdf"),
            "Médical report – Zoë (2).pdf"
        );
        assert_eq!(printable("NC\u{202e}fdp.exe"), "NC\\u{202e}fdp.exe");
    }
}
