//! Check `no-keys`: the platform holds nothing that opens anything. Every byte of the snapshot
//! (log, directory, envelopes, inventory, configuration and every object) is scanned for the
//! text and binary forms of every private key format the product uses; the configuration must
//! hold only the known non-secret settings; and the log's own signing key must not double as
//! an organisation's root key or a member's key, the only way a platform key could be given a
//! place among the recipients (every envelope's recipient is checked to be a published key by
//! check `envelopes`).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

use vault_core::api::ExportConfig;
use vault_core::checkpoint::NoteKey;

use crate::audit::report::{Failure, Findings};
use crate::audit::snapshot::{Snapshot, CONFIG};

/// What each pattern is. Bech32 text is all upper or all lower case, so an age key is
/// searched in both; the rest are written in one case only.
const PATTERNS: [(&str, &[u8]); 13] = [
    ("an age secret key", b"AGE-SECRET-KEY-1"),
    ("an age secret key", b"age-secret-key-1"),
    ("a PEM private key", b"PRIVATE KEY-----"),
    ("a passphrase-locked age file (a keystore)", b"\n-> scrypt "),
    ("a keystore record", b"\"signing_pkcs8\""),
    // PKCS#8 Ed25519 (the signing keys and the log key), v1 and v2 as ring writes it: raw
    // DER, base64 and hex.
    (
        "an Ed25519 PKCS#8 key",
        &[
            0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ],
    ),
    (
        "an Ed25519 PKCS#8 key",
        &[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ],
    ),
    ("a base64 Ed25519 PKCS#8 key", b"MFMCAQEwBQYDK2VwBCIEI"),
    ("a base64 Ed25519 PKCS#8 key", b"MC4CAQAwBQYDK2VwBCIEI"),
    (
        "a hex Ed25519 PKCS#8 key",
        b"3053020101300506032b657004220420",
    ),
    (
        "a hex Ed25519 PKCS#8 key",
        b"302e020100300506032b657004220420",
    ),
    (
        "a hex Ed25519 PKCS#8 key",
        b"3053020101300506032B657004220420",
    ),
    (
        "a hex Ed25519 PKCS#8 key",
        b"302E020100300506032B657004220420",
    ),
];

const CHUNK: usize = 1 << 20;

/// The scanner for every pattern at once.
pub(crate) fn scanner() -> crate::Result<AhoCorasick> {
    AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(PATTERNS.iter().map(|(_, p)| *p))
        .map_err(|_| crate::ClientError::Invalid("cannot build the key scanner".into()))
}

/// What the objects check found while it read the objects: each object is read once, for its
/// digest and for this scan together.
#[derive(Default)]
pub(crate) struct ObjectsScanned {
    /// Paths of the objects scanned.
    pub(crate) paths: std::collections::HashSet<PathBuf>,
    /// Bytes scanned.
    pub(crate) bytes: u64,
    /// Objects holding a key pattern.
    pub(crate) failures: Vec<Failure>,
}

/// Runs the check; the files in `objects` were scanned by the objects check already.
pub(crate) fn check(
    snapshot: &Snapshot,
    log_key: &NoteKey,
    threads: usize,
    objects: &ObjectsScanned,
    f: &mut Findings,
) -> crate::Result<()> {
    config(snapshot, f);
    log_key_elsewhere(snapshot, log_key, f);
    let files: Vec<PathBuf> = snapshot
        .all_files()?
        .into_iter()
        .filter(|p| !objects.paths.contains(p))
        .collect();
    let scanner = scanner()?;
    let per = files.len().div_ceil(threads.max(1)).max(1);
    let results: Vec<(u64, Vec<Failure>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(per)
            .map(|part| {
                let scanner = &scanner;
                let root = &snapshot.dir;
                scope.spawn(move || scan_all(part, root, scanner))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    f.count("files scanned", (files.len() + objects.paths.len()) as u64);
    f.count("bytes scanned", objects.bytes);
    f.absorb(objects.failures.clone());
    for (bytes, failures) in results {
        f.count("bytes scanned", bytes);
        f.absorb(failures);
    }
    Ok(())
}

fn config(snapshot: &Snapshot, f: &mut Findings) {
    let path = snapshot.dir.join(CONFIG);
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    f.count("configuration files", 1);
    if let Err(e) = serde_json::from_slice::<ExportConfig>(&bytes) {
        f.fail(
            CONFIG,
            format!("is not the known set of non-secret settings: {e}"),
        );
    }
}

fn log_key_elsewhere(snapshot: &Snapshot, log_key: &NoteKey, f: &mut Findings) {
    let key = log_key.key;
    for dir in &snapshot.directory {
        if dir.org.root_signing_key == Some(key) {
            f.fail(
                "log key",
                format!("is also the root key of org {}", dir.org.org_id),
            );
        }
        for m in dir.members.iter().filter(|m| m.signing_key == key) {
            f.fail(
                "log key",
                format!("is also the signing key of member {}", m.user_id),
            );
        }
    }
}

fn scan_all(files: &[PathBuf], root: &Path, scanner: &AhoCorasick) -> (u64, Vec<Failure>) {
    let mut bytes = 0;
    let mut failures = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        match scan(path, scanner) {
            Ok((n, found)) => {
                bytes += n;
                if let Some((what, at)) = found {
                    failures.push(Failure {
                        subject: name,
                        reason: format!("holds {what} at byte {at}"),
                    });
                }
            }
            Err(e) => failures.push(Failure {
                subject: name,
                reason: format!("cannot be read: {e}"),
            }),
        }
    }
    (bytes, failures)
}

/// Streams one file through the scanner.
fn scan(path: &Path, scanner: &AhoCorasick) -> std::io::Result<(u64, Option<(&'static str, u64)>)> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut stream = KeyScan::new(scanner);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok((stream.offset, stream.found));
        }
        stream.feed(&buf[..n]);
        if stream.found.is_some() {
            return Ok((stream.offset, stream.found));
        }
    }
}

/// The scan of one stream fed chunk by chunk: the end of each chunk is kept so that a pattern
/// split across two chunks is still seen.
pub(crate) struct KeyScan<'a> {
    scanner: &'a AhoCorasick,
    tail: Vec<u8>,
    /// Bytes fed so far.
    pub(crate) offset: u64,
    /// The first pattern found and where.
    pub(crate) found: Option<(&'static str, u64)>,
}

impl<'a> KeyScan<'a> {
    /// Longer than every pattern.
    const KEEP: usize = 64;

    pub(crate) fn new(scanner: &'a AhoCorasick) -> Self {
        Self {
            scanner,
            tail: Vec::with_capacity(2 * Self::KEEP),
            offset: 0,
            found: None,
        }
    }

    /// Scans the next chunk of the stream.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if self.found.is_some() {
            return;
        }
        // Where the kept tail meets this chunk, then the chunk itself.
        let head = &chunk[..chunk.len().min(Self::KEEP)];
        let tail_start = self.offset - self.tail.len() as u64;
        self.tail.extend_from_slice(head);
        let hit = self
            .scanner
            .find(&self.tail[..])
            .map(|m| (m, tail_start))
            .or_else(|| self.scanner.find(chunk).map(|m| (m, self.offset)));
        if let Some((m, base)) = hit {
            self.found = Some((PATTERNS[m.pattern().as_usize()].0, base + m.start() as u64));
        }
        self.offset += chunk.len() as u64;
        let mut kept: Vec<u8> = if chunk.len() >= Self::KEEP {
            chunk[chunk.len() - Self::KEEP..].to_vec()
        } else {
            let all = &self.tail[..self.tail.len() - head.len()];
            let mut joined = all.to_vec();
            joined.extend_from_slice(chunk);
            joined
        };
        if kept.len() > Self::KEEP {
            kept.drain(..kept.len() - Self::KEEP);
        }
        self.tail = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a key split across two reads must still be found, at its true offset.
    #[test]
    fn a_key_split_across_chunks_is_found_where_it_starts() {
        let scanner = scanner().unwrap();
        let mut data = vec![b'x'; 1000];
        data.extend_from_slice(b"AGE-SECRET-KEY-1QQQQ");
        data.extend_from_slice(&[b'y'; 500]);
        for cut in [3, 7, 64, 1005, 1010, 1019] {
            let mut scan = KeyScan::new(&scanner);
            for chunk in data[..cut].chunks(cut.clamp(1, 5)).chain([&data[cut..]]) {
                scan.feed(chunk);
            }
            assert_eq!(
                scan.found,
                Some(("an age secret key", 1000)),
                "cut at {cut}"
            );
        }
        let mut clean = KeyScan::new(&scanner);
        clean.feed(&[b'z'; 4096]);
        assert_eq!((clean.found, clean.offset), (None, 4096));
    }
}
