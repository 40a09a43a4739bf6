//! Writes a realistic audit export of about `--leaves N` log leaves straight into a directory,
//! in the layout `vault-server export-audit` writes, without a server: for `bench/audit.sh`,
//! which times `vaultctl audit verify --offline` over it.
//!
//! Everything is real: organisations with a root key, an organisation key and certified
//! members; cases of eight documents sealed as age files by a practitioner, each statement
//! signed with Ed25519 and each key wrapped with age; a quarter of the documents shared with
//! another organisation; one case in ten transferred and accepted. The leaves carry the same
//! statements and envelopes, in the same order and shapes, as the server appends them.
//! Cases are made on every core; the log is written in case order.
//!
//! `cargo run --release -p vault-tests --example audit_export -- --out DIR --leaves 1000000`

mod cases;
mod people;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use vault_core::api::{ExportConfig, ExportCounts, ExportManifest, LogCheckpoint, OrgDirectory};
use vault_core::checkpoint::{Checkpoint, NoteKey};
use vault_core::keys::SigningKey;
use vault_core::merkle::{leaf_hash, MemoryTree};

use people::{found, Org, Part};

const ORIGIN: &str = "case-vault.localhost/log";
const ORGS: usize = 20;
pub(crate) const PRACTITIONERS: usize = 9;
pub(crate) const DOCS_PER_CASE: usize = 8;
/// Leaves a case makes on average: creation (2), eight documents (16), two shares (4), and a
/// tenth of a transfer of eight documents (1.2).
const TENTHS_OF_LEAVES_PER_CASE: usize = 232;
fn main() {
    let (out_dir, target) = args();
    let objects = out_dir.join("objects");
    std::fs::create_dir_all(&objects).unwrap();
    std::fs::create_dir_all(out_dir.join("log")).unwrap();
    let started = std::time::Instant::now();
    let mut all = Part::default();
    let orgs: Vec<Org> = (0..ORGS).map(|n| found(n, &mut all)).collect();
    let cases = target.saturating_sub(all.leaves.len()) * 10 / TENTHS_OF_LEAVES_PER_CASE;
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let per = cases.div_ceil(threads).max(1);
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (orgs, objects) = (&orgs, &objects);
                scope.spawn(move || {
                    let mut part = Part::default();
                    for n in t * per..((t + 1) * per).min(cases) {
                        cases::case(objects, orgs, n, &mut part);
                    }
                    part
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for part in parts {
        all.extend(part);
    }
    let directory: Vec<OrgDirectory> = orgs.into_iter().map(|o| o.directory).collect();
    write(&out_dir, &all, &directory);
    eprintln!(
        "wrote {} leaves, {} documents, {} envelopes to {} in {:.1} s",
        all.leaves.len(),
        all.inventory.len(),
        all.envelopes.len(),
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
}

fn args() -> (PathBuf, usize) {
    let mut out = None;
    let mut leaves = 1_000_000;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = it.next().map(PathBuf::from),
            "--leaves" => leaves = it.next().and_then(|n| n.parse().ok()).expect("--leaves N"),
            other => panic!("unknown argument {other}; use --out DIR [--leaves N]"),
        }
    }
    (out.expect("--out DIR"), leaves)
}

/// Writes the files of the export, with a signed checkpoint every tenth of the log and one
/// at its full size.
fn write(dir: &Path, all: &Part, directory: &[OrgDirectory]) {
    let log_key = SigningKey::generate().unwrap();
    let note_key = NoteKey {
        name: ORIGIN.to_owned(),
        key: log_key.verifying_key(),
    };
    let mut tree = MemoryTree::new();
    let mut leaves = lines(&dir.join("log/leaves.jsonl"));
    let mut checkpoints = lines(&dir.join("log/checkpoints.jsonl"));
    let step = (all.leaves.len() / 10).max(1);
    let mut count = 0u64;
    for (i, leaf) in all.leaves.iter().enumerate() {
        leaves.write_all(leaf).unwrap();
        leaves.write_all(b"\n").unwrap();
        tree.push(leaf_hash(leaf));
        if (i + 1) % step == 0 || i + 1 == all.leaves.len() {
            let note = Checkpoint {
                origin: ORIGIN.to_owned(),
                size: tree.len(),
                root: tree.root(),
                time: 1_780_000_000 + i as u64,
            }
            .sign(&log_key);
            serde_json::to_writer(&mut checkpoints, &LogCheckpoint { note }).unwrap();
            checkpoints.write_all(b"\n").unwrap();
            count += 1;
        }
    }
    leaves.flush().unwrap();
    checkpoints.flush().unwrap();
    let mut envelopes = lines(&dir.join("envelopes.jsonl"));
    for e in &all.envelopes {
        serde_json::to_writer(&mut envelopes, e).unwrap();
        envelopes.write_all(b"\n").unwrap();
    }
    envelopes.flush().unwrap();
    json(&dir.join("directory.json"), &directory);
    json(&dir.join("inventory.json"), &all.inventory);
    json(&dir.join("access.json"), &all.access);
    json(
        &dir.join("config.json"),
        &ExportConfig {
            database: "sqlite".into(),
            object_store: "file".into(),
            log_origin: ORIGIN.into(),
            log_vkey: note_key.to_vkey(),
            max_upload_bytes: 1 << 30,
            token_ttl_secs: 43_200,
            upload_idle_secs: 60,
        },
    );
    let counts = ExportCounts {
        leaves: all.leaves.len() as u64,
        checkpoints: count,
        orgs: directory.len() as u64,
        envelopes: all.envelopes.len() as u64,
        inventory: all.inventory.len() as u64,
        access: all.access.len() as u64,
        objects: all.inventory.len() as u64,
    };
    json(
        &dir.join("manifest.json"),
        &ExportManifest {
            format: 1,
            log_origin: ORIGIN.into(),
            log_vkey: note_key.to_vkey(),
            tree_size: all.leaves.len() as u64,
            exported_at: 1_780_000_000,
            counts,
        },
    );
}

fn lines(path: &Path) -> std::io::BufWriter<std::fs::File> {
    std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap())
}

fn json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) {
    let mut out = lines(path);
    serde_json::to_writer(&mut out, value).unwrap();
    out.flush().unwrap();
}
