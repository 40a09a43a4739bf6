//! Working through a JSON-lines file on every core without holding it in memory.
//!
//! Worker threads take turns reading a batch of lines under a lock, then work on their batch
//! alone; each batch remembers the index of its first line, so results come back in file
//! order whatever order the threads finished in. Memory is a few batches, not the file.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::sync::Mutex;

use crate::error::{ClientError, Result};

/// Lines per batch: large enough that the lock is rare, small enough to keep memory low.
pub(crate) const BATCH: usize = 4096;

/// Calls `work(first_line_index, lines)` for every batch of lines of `path` (each line without
/// its `\n`) on `threads` threads, and returns the results in file order.
pub(crate) fn par_batches<R, F>(path: &Path, threads: usize, work: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(u64, &[&[u8]]) -> R + Sync,
{
    let file = super::snapshot::open(path)?;
    let shared = Mutex::new((BufReader::with_capacity(1 << 20, file), 0u64));
    let outcomes: Vec<std::io::Result<Vec<(u64, R)>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| scope.spawn(|| worker(&shared, &work)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("worker panicked")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for outcome in outcomes {
        all.extend(
            outcome.map_err(|e| ClientError::io(format!("cannot read {}", path.display()), e))?,
        );
    }
    all.sort_unstable_by_key(|(start, _)| *start);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

type Shared = Mutex<(BufReader<std::fs::File>, u64)>;

fn worker<R, F>(shared: &Shared, work: &F) -> std::io::Result<Vec<(u64, R)>>
where
    F: Fn(u64, &[&[u8]]) -> R,
{
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut ranges = Vec::with_capacity(BATCH);
    loop {
        buf.clear();
        ranges.clear();
        let start = {
            let mut guard = shared
                .lock()
                .map_err(|_| std::io::Error::other("reader lock poisoned"))?;
            let (reader, next) = &mut *guard;
            for _ in 0..BATCH {
                let from = buf.len();
                if reader.read_until(b'\n', &mut buf)? == 0 {
                    break;
                }
                let to = if buf.last() == Some(&b'\n') {
                    buf.len() - 1
                } else {
                    buf.len()
                };
                ranges.push((from, to));
            }
            let start = *next;
            *next += ranges.len() as u64;
            start
        };
        if ranges.is_empty() {
            return Ok(out);
        }
        let lines: Vec<&[u8]> = ranges.iter().map(|&(a, b)| &buf[a..b]).collect();
        out.push((start, work(start, &lines)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_back_in_file_order_with_their_indices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines");
        let text: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let text = text.join("\n") + "\n";
        std::fs::write(&path, text).unwrap();
        let batches = par_batches(&path, 2, |start, lines| {
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| (start + i as u64, std::str::from_utf8(l).unwrap().to_owned()))
                .collect::<Vec<_>>()
        })
        .unwrap();
        let flat: Vec<_> = batches.into_iter().flatten().collect();
        assert_eq!(flat.len(), 10_000);
        for (i, (index, text)) in flat.iter().enumerate() {
            assert_eq!(*index, i as u64);
            assert_eq!(text, &i.to_string());
        }
    }
}
