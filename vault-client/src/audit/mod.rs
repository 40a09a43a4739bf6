//! `vaultctl audit verify`: an auditor, holding no key that opens anything, checks from the
//! outside what the platform stores.
//!
//! A [`Snapshot`] is what the auditor can see (the log, its checkpoints, the key directory,
//! envelopes, the ciphertext inventory and objects, who can open what today), read from an
//! export directory or fetched from a live server into one ([`live`]). [`verify`] runs the six
//! checks over it and returns a [`Report`]:
//!
//! 1. `log`: checkpoint signatures, the tree rebuilt from every leaf, consistency with the
//!    checkpoint saved by the last passing audit ([`saved`]);
//! 2. `directory`: every published key chains to its organisation's logged root and is logged;
//! 3. `objects`: every object is a well-formed age file whose digest a certified member signed;
//! 4. `envelopes`: every envelope is signed by a certified member, logged, and wrapped to a
//!    published key;
//! 5. `no-keys`: no private key anywhere in the snapshot;
//! 6. `access-ledger`: who could open each document, from the log alone, equals the database.
//!
//! The log is read once, in parallel ([`leaves`]), then replayed in order ([`replay`]) so that
//! every statement is judged by what was true when it was logged.

mod checks;
mod leaves;
mod ledger;
mod lines;
pub mod live;
mod replay;
pub mod report;
pub mod saved;
mod snapshot;

use std::path::Path;
use std::time::Instant;

use vault_core::checkpoint::NoteKey;
use vault_core::merkle::MemoryTree;

pub use report::{Report, CHECKS};
pub use saved::{SavedCheckpoint, SavedCheckpoints};
pub use snapshot::Snapshot;

use crate::error::{ClientError, Result};
use report::{Findings, SavedOutcome, Timing};

/// How to run an audit.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The log key (`name+keyid+base64`, from `--expect-log-key`) to verify checkpoints with;
    /// else the one saved by an earlier audit; else, the first time, the one the snapshot
    /// names.
    pub log_key: Option<String>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// Verifies `snapshot`; keeps the auditor's saved checkpoint in `home` and moves it forward
/// when every check passed.
pub fn verify(snapshot: &Snapshot, home: &Path, options: &Options) -> Result<Report> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        n => n,
    };
    let saved_path = home.join(saved::FILE);
    let mut saved_all = SavedCheckpoints::load(&saved_path)?;
    let origin = snapshot.manifest.log_origin.clone();
    let saved = saved_all.get(&origin).cloned();
    let (vkey, from) = match (&options.log_key, &saved) {
        (Some(k), _) => (k.clone(), "--expect-log-key"),
        (None, Some(s)) => (s.log_key.clone(), "saved"),
        (None, None) => (snapshot.manifest.log_vkey.clone(), "snapshot"),
    };
    let key = NoteKey::parse_vkey(&vkey)
        .map_err(|e| ClientError::Invalid(format!("the log key {vkey:?} does not parse: {e}")))?;
    if from == "--expect-log-key" {
        if let Some(used) = checks::log::key_not_used(snapshot, &key) {
            return Err(ClientError::Invalid(format!(
                "the log key the {} uses is {used}, not the one given with --expect-log-key \
                 ({vkey}); check which key the operator gave you",
                snapshot.source
            )));
        }
    }

    let mut run = Run::new(threads);
    let (leaves, tree, log_findings, latest) = run.log(snapshot, &key, saved.as_ref())?;
    let t = Instant::now();
    let state = replay::LogState::replay(&leaves);
    run.time("log replayed (who could do what, leaf by leaf)", t, None);
    let mut checks = vec![log_findings];
    checks.push(run.check("directory", &state, |f| {
        checks::directory::check(snapshot, &leaves, &state, f);
        Ok(())
    })?);
    let mut objects_seen = checks::no_keys::ObjectsScanned::default();
    checks.push(run.check("objects", &state, |f| {
        objects_seen = checks::objects::check(snapshot, &leaves, &state, threads, f)?;
        Ok(())
    })?);
    checks.push(run.check("envelopes", &state, |f| {
        checks::envelopes::check(snapshot, &leaves, &state, threads, f)
    })?);
    checks.push(run.check("no-keys", &state, |f| {
        checks::no_keys::check(snapshot, &key, threads, &objects_seen, f)
    })?);
    checks.push(run.check("access-ledger", &state, |f| {
        checks::access::check(snapshot, &state, f);
        Ok(())
    })?);
    let mut report = Report {
        source: snapshot.source.clone(),
        origin: origin.clone(),
        log_key: vkey.clone(),
        log_key_from: from,
        tree_size: tree.len(),
        root: hex::encode(tree.root()),
        organisations: checks::directory::organisations(snapshot, &state),
        checks,
        timings: run.timings,
        saved: SavedOutcome {
            previous_size: saved.as_ref().map(|s| s.size),
            updated: false,
            file: saved_path.display().to_string(),
        },
        ledger: checks::access::ledger(&state),
    };
    if let (true, Some(latest)) = (report.passed(), latest) {
        let moved = saved
            .as_ref()
            .is_none_or(|s| s.size < latest.size || s.log_key != vkey);
        if moved {
            saved_all.set(
                &origin,
                SavedCheckpoint {
                    log_key: vkey,
                    size: latest.size,
                    root: hex::encode(latest.root),
                    time: latest.time,
                    note: latest.note,
                    source: snapshot.source.clone(),
                },
            );
            saved_all.save(&saved_path)?;
            report.saved.updated = true;
        }
    }
    Ok(report)
}

/// Timings gathered along the way.
struct Run {
    threads: usize,
    timings: Vec<Timing>,
}

type LogOutcome = (
    leaves::Leaves,
    MemoryTree,
    report::CheckReport,
    Option<checks::log::Latest>,
);

impl Run {
    fn new(threads: usize) -> Self {
        Self {
            threads,
            timings: Vec::new(),
        }
    }

    fn time(&mut self, phase: &'static str, start: Instant, thread_seconds: Option<f64>) -> f64 {
        let seconds = start.elapsed().as_secs_f64();
        self.timings.push(Timing {
            phase,
            seconds,
            thread_seconds,
        });
        seconds
    }

    /// Check `log`: read every leaf, rebuild the tree, verify the checkpoints.
    fn log(
        &mut self,
        snapshot: &Snapshot,
        key: &NoteKey,
        saved: Option<&SavedCheckpoint>,
    ) -> Result<LogOutcome> {
        let mut f = Findings::new("log");
        let path = snapshot.leaves_path();
        let t = Instant::now();
        let trusted = saved.map_or(0, |s| s.size);
        let mut leaves = leaves::read(&path, self.threads, trusted)?;
        let mut seconds = self.leaves_time(
            &leaves,
            t,
            "leaves read, parsed, hashed, signatures checked",
        );
        let t = Instant::now();
        let mut tree = MemoryTree::new();
        for hash in &leaves.hashes {
            tree.push(*hash);
        }
        seconds += self.time("tree rebuilt from the leaf hashes", t, None);
        let prefix_kept = saved.is_none_or(|s| {
            tree.root_at(s.size)
                .is_ok_and(|root| hex::encode(root) == s.root)
        });
        if !prefix_kept {
            // The leaves the last audit verified changed: trust none of them.
            let t = Instant::now();
            leaves = leaves::read(&path, self.threads, 0)?;
            seconds += self.leaves_time(&leaves, t, "leaves read again, every signature checked");
        }
        f.count("statement signatures verified", leaves.signatures);
        f.count("statements kept from the saved checkpoint", leaves.trusted);
        for (i, fact) in leaves.facts.iter().enumerate() {
            if let Err(reason) = fact {
                f.fail(format!("leaf {i}"), reason.clone());
            }
        }
        let t = Instant::now();
        let latest = checks::log::check(snapshot, &tree, key, saved, &mut f);
        seconds += self.time("checkpoints verified", t, None);
        f.report.seconds = seconds;
        Ok((leaves, tree, f.report, latest))
    }

    /// Times a read of the leaves, with the thread time of its three parts.
    fn leaves_time(&mut self, leaves: &leaves::Leaves, start: Instant, phase: &'static str) -> f64 {
        let busy = (leaves.parse + leaves.hash + leaves.verify).as_secs_f64();
        let seconds = self.time(phase, start, Some(busy));
        let threads = u32::try_from(self.threads).map_or(1.0, f64::from);
        let share = |d: std::time::Duration| d.as_secs_f64() / threads;
        for (phase, d) in [
            (
                "  of which parsing leaf JSON (est. wall share)",
                leaves.parse,
            ),
            ("  of which hashing leaves (est. wall share)", leaves.hash),
            (
                "  of which statement signatures (est. wall share)",
                leaves.verify,
            ),
        ] {
            self.timings.push(Timing {
                phase,
                seconds: share(d),
                thread_seconds: Some(d.as_secs_f64()),
            });
        }
        seconds
    }

    /// Runs one check, timing it and adding the failures the replay attributed to it.
    fn check(
        &mut self,
        name: &'static str,
        state: &replay::LogState,
        body: impl FnOnce(&mut Findings) -> Result<()>,
    ) -> Result<report::CheckReport> {
        let mut f = Findings::new(name);
        if let Some(found) = state.failures.get(name) {
            f.absorb(found.clone());
        }
        let t = Instant::now();
        body(&mut f)?;
        f.report.seconds = self.time(name, t, None);
        Ok(f.report)
    }
}
