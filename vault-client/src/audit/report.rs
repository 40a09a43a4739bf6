//! What `audit verify` found: per check, what was looked at (counts), how long it took, and
//! every failure with the thing that failed and why; rendered as text or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// The six checks, in the order they run and are reported.
pub const CHECKS: [&str; 6] = [
    "log",
    "directory",
    "objects",
    "envelopes",
    "no-keys",
    "access-ledger",
];

/// Failures kept per check; beyond this only the count grows, so a wholly rewritten log
/// does not make a report of a million lines.
const MAX_KEPT: usize = 1000;
/// Failures printed per check in the text report.
const MAX_PRINTED: usize = 50;

/// One thing that did not verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The thing that failed: `leaf 17`, `org …`, `document …`, `envelope share/…`.
    pub subject: String,
    /// Why.
    pub reason: String,
}

/// The outcome of one check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// One of [`CHECKS`].
    pub name: &'static str,
    /// True when nothing failed.
    pub passed: bool,
    /// What was checked, by kind ("leaves", "objects", …).
    pub checked: BTreeMap<&'static str, u64>,
    /// Number of failures (the list may be cut short).
    pub failure_count: u64,
    /// The failures, at most [`MAX_KEPT`].
    pub failures: Vec<Failure>,
    /// Wall-clock seconds spent on this check alone.
    pub seconds: f64,
}

impl CheckReport {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            passed: true,
            checked: BTreeMap::new(),
            failure_count: 0,
            failures: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// A measured part of the run; `thread_seconds` adds up the time of every worker thread.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// What was done.
    pub phase: &'static str,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Seconds summed over worker threads, when the phase ran on several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_seconds: Option<f64>,
}

/// The auditor's saved checkpoint, before and after this run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SavedOutcome {
    /// Tree size of the checkpoint saved by an earlier run, if any.
    pub previous_size: Option<u64>,
    /// Whether the latest checkpoint was saved by this run (only when every check passed).
    pub updated: bool,
    /// Where it is kept.
    pub file: String,
}

/// One organisation's access to one document, derived from the log alone.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    /// The organisation.
    pub org: String,
    /// `owner`, `share` or `transfer-offer`.
    pub via: &'static str,
    /// The leaf that gave access, and its time.
    pub from_leaf: u64,
    /// Server time of that leaf, seconds since the Unix epoch.
    pub from_time: i64,
    /// The leaf that ended it, if it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_leaf: Option<u64>,
}

/// Every organisation that could ever open one document.
#[derive(Clone, Debug, Serialize)]
pub struct LedgerEntry {
    /// The document.
    pub document_id: String,
    /// Grants in log order.
    pub grants: Vec<Grant>,
}

/// One organisation, for comparing its root fingerprint with the one it holds.
#[derive(Clone, Debug, Serialize)]
pub struct Organisation {
    /// The organisation.
    pub org_id: String,
    /// Its name, when the directory has it.
    pub name: Option<String>,
    /// Its root key's fingerprint, as the log fixed it; `None` before its first manager.
    pub root_fingerprint: Option<String>,
    /// Members certified and not removed, by the log.
    pub members: u64,
    /// Organisation keys published (one per rotation), by the log.
    pub org_keys: u64,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// What was verified: `export DIR` or `server URL`.
    pub source: String,
    /// The log's origin line.
    pub origin: String,
    /// The log key the checkpoints were verified with, and where it came from.
    pub log_key: String,
    /// `--expect-log-key` (given), `saved` (pinned by an earlier audit) or `snapshot` (named by the
    /// export, or by this client's pin of the live server; compare it once with the operator).
    pub log_key_from: &'static str,
    /// Leaves in the rebuilt tree.
    pub tree_size: u64,
    /// Its root, lower-case hex.
    pub root: String,
    /// Every organisation, with its root fingerprint.
    pub organisations: Vec<Organisation>,
    /// The six checks.
    pub checks: Vec<CheckReport>,
    /// Where the time went (empty unless asked for: `--timings`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timings: Vec<Timing>,
    /// The saved checkpoint.
    pub saved: SavedOutcome,
    /// The access ledger derived from the log.
    pub ledger: Vec<LedgerEntry>,
}

impl Report {
    /// True when every check passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The check named `name`.
    #[must_use]
    pub fn check(&self, name: &str) -> Option<&CheckReport> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Names of the checks that failed.
    #[must_use]
    pub fn failed_checks(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name)
            .collect()
    }

    /// The report for people: what was checked, what failed and why, and where the time went
    /// when [`Report::timings`] holds anything.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "audit of {}", self.source);
        let _ = writeln!(out, "log {} ({} leaves)", self.origin, self.tree_size);
        let _ = writeln!(out, "root {}", self.root);
        let _ = writeln!(out, "log key {} (from {})", self.log_key, self.log_key_from);
        self.organisations_text(&mut out);
        for check in &self.checks {
            let counts: Vec<String> = check
                .checked
                .iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            let verdict = if check.passed { "ok" } else { "FAILED" };
            let _ = writeln!(
                out,
                "{:<14} {verdict:<6} {:>7.2} s  {}",
                check.name,
                check.seconds,
                counts.join(", ")
            );
            for failure in check.failures.iter().take(MAX_PRINTED) {
                let _ = writeln!(out, "    {}: {}", failure.subject, failure.reason);
            }
            let shown = check.failures.len().min(MAX_PRINTED) as u64;
            if check.failure_count > shown {
                let _ = writeln!(out, "    … and {} more", check.failure_count - shown);
            }
        }
        if !self.timings.is_empty() {
            let _ = writeln!(out, "time:");
        }
        for t in &self.timings {
            match t.thread_seconds {
                Some(ts) => {
                    let _ = writeln!(
                        out,
                        "    {:<50} {:>7.2} s  ({ts:.2} s over all threads)",
                        t.phase, t.seconds
                    );
                }
                None => {
                    let _ = writeln!(out, "    {:<50} {:>7.2} s", t.phase, t.seconds);
                }
            }
        }
        self.saved_text(&mut out);
        out
    }

    /// One line per organisation: compare each root fingerprint with the organisation's.
    fn organisations_text(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "organisations (compare each root fingerprint with theirs):"
        );
        for org in &self.organisations {
            let root = org
                .root_fingerprint
                .as_deref()
                .map_or_else(|| "no root key yet".to_owned(), |f| format!("root {f}"));
            let _ = writeln!(
                out,
                "    {} ({}): {root}; {}, {}",
                org.name.as_deref().unwrap_or("name not in the directory"),
                org.org_id,
                counted(org.members, "member"),
                counted(org.org_keys, "organisation key")
            );
        }
    }

    fn saved_text(&self, out: &mut String) {
        let previous = self
            .saved
            .previous_size
            .map_or_else(|| "none".to_owned(), |s| format!("size {s}"));
        let _ = writeln!(
            out,
            "saved checkpoint before: {previous} ({})",
            self.saved.file
        );
        if self.saved.updated {
            let _ = writeln!(out, "saved checkpoint now: size {}", self.tree_size);
        } else if self.passed() {
            let _ = writeln!(out, "saved checkpoint unchanged");
        } else {
            let failed = self.failed_checks().join(", ");
            let _ = writeln!(out, "saved checkpoint NOT updated: failed checks: {failed}");
        }
    }
}

/// `1 member`, `2 members`.
fn counted(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Collects one check's counts and failures while it runs.
pub(crate) struct Findings {
    pub(crate) report: CheckReport,
}

impl Findings {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            report: CheckReport::new(name),
        }
    }

    /// Records a failure of `subject`.
    pub(crate) fn fail(&mut self, subject: impl Into<String>, reason: impl Into<String>) {
        self.report.passed = false;
        self.report.failure_count += 1;
        if self.report.failures.len() < MAX_KEPT {
            self.report.failures.push(Failure {
                subject: subject.into(),
                reason: reason.into(),
            });
        }
    }

    /// Adds `n` to the count of `what` checked.
    pub(crate) fn count(&mut self, what: &'static str, n: u64) {
        *self.report.checked.entry(what).or_default() += n;
    }

    /// Takes in failures found by a worker thread.
    pub(crate) fn absorb(&mut self, failures: Vec<Failure>) {
        for f in failures {
            self.fail(f.subject, f.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(timings: Vec<Timing>) -> Report {
        Report {
            source: "export /tmp/e".into(),
            origin: "log".into(),
            log_key: "log+01020304+AQ".into(),
            log_key_from: "saved",
            tree_size: 0,
            root: "00".repeat(32),
            organisations: Vec::new(),
            checks: vec![CheckReport::new("log")],
            timings,
            saved: SavedOutcome::default(),
            ledger: Vec::new(),
        }
    }

    #[test]
    fn where_the_time_went_shows_only_when_kept() {
        let phase = Timing {
            phase: "checkpoints verified",
            seconds: 0.5,
            thread_seconds: None,
        };
        let with = report(vec![phase]);
        let without = report(Vec::new());
        let line = format!("time:\n    {:<50} {:>7.2} s\n", "checkpoints verified", 0.5);
        assert!(with.to_text().contains(&line), "{}", with.to_text());
        assert!(
            !without.to_text().contains("time:"),
            "{}",
            without.to_text()
        );
        let json = |r: &Report| serde_json::to_value(r).unwrap();
        assert_eq!(json(&with)["timings"][0]["phase"], "checkpoints verified");
        assert!(json(&without).get("timings").is_none());
    }
}
