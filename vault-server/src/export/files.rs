//! The files of an export: a hidden directory that becomes the export only once complete, and
//! writers for JSON records, one a line or one array written piece by piece, so that no list
//! is held whole in memory.
//!
//! An export killed outright (`kill -9`, a crash, a reboot) cannot remove its hidden directory
//! itself, and it holds as much ciphertext as the platform. So each hidden directory is locked
//! while its export runs, and the next export into the same parent removes those of its kind
//! whose lock nobody holds.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::Serialize;
use tokio::io::{AsyncWriteExt as _, BufWriter};

/// What a hidden export directory is called before the random part: `.NAME` + this.
const STAGING_MARK: &str = ".partial-";
/// Bytes of randomness in a hidden export directory's name, written as twice as many hex digits.
const STAGING_RANDOM: usize = 8;

/// A directory being filled, removed again unless [`Staging::commit`] renamed it into place.
pub(super) struct Staging {
    dir: PathBuf,
    committed: bool,
    /// The directory itself, opened and locked while this export runs: a later export sees the
    /// lock and leaves the directory alone. The lock goes with the process, however it ends.
    _lock: std::fs::File,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Staging {
    /// Refuses an `out` that exists and is not an empty directory, then makes the hidden
    /// sibling the export is written into.
    pub(super) fn begin(out: &Path) -> anyhow::Result<Self> {
        refuse_used(out)?;
        let name = out
            .file_name()
            .with_context(|| format!("{} does not name a directory", out.display()))?;
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
        let parent = parent.unwrap_or_else(|| Path::new("."));
        let swept = sweep_stale(parent);
        if swept > 0 {
            tracing::warn!(
                directories = swept,
                parent = %parent.display(),
                "removed the hidden directories (.NAME{STAGING_MARK}…) of earlier exports \
                 that were stopped before they finished"
            );
        }
        let mut random = [0u8; STAGING_RANDOM];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
        let dir = parent.join(format!(
            ".{}{STAGING_MARK}{}",
            name.to_string_lossy(),
            hex::encode(random)
        ));
        private_dir(&dir).context("creating the export's temporary directory")?;
        // Between the two steps another export's sweep could take this directory for a stale
        // one; the lock then fails, or the files below cannot be made: an error, never a
        // silently incomplete export.
        let lock = lock_dir(&dir)
            .ok()
            .filter(|(_, held)| *held)
            .map(|(file, _)| file)
            .context("locking the export's temporary directory")?;
        let staging = Self {
            dir,
            committed: false,
            _lock: lock,
        };
        private_dir(&staging.dir.join("log"))?;
        private_dir(&staging.dir.join("objects"))?;
        Ok(staging)
    }

    /// A new file inside, readable by the owner only.
    pub(super) async fn file(&self, name: &str) -> anyhow::Result<BufWriter<tokio::fs::File>> {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options
            .open(self.dir.join(name))
            .await
            .with_context(|| format!("creating {name} in the export"))?;
        Ok(BufWriter::new(file))
    }

    /// Renames the finished export to `out`.
    pub(super) fn commit(mut self, out: &Path) -> anyhow::Result<()> {
        std::fs::rename(&self.dir, out).with_context(|| {
            format!(
                "moving the finished export to {} (it must be new or empty)",
                out.display()
            )
        })?;
        self.committed = true;
        Ok(())
    }
}

/// Refuses an `out` that exists and is not an empty directory.
pub(super) fn refuse_used(out: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty; export-audit writes only into a new or empty directory",
                    out.display()
                );
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err).with_context(|| format!("{} is not a directory", out.display())),
    }
}

/// Whether `name` is that of an export's hidden directory: `.NAME.partial-` and the random
/// hex digits, exactly as [`Staging::begin`] makes them.
fn is_staging_name(name: &str) -> bool {
    let Some((front, random)) = name.rsplit_once(STAGING_MARK) else {
        return false;
    };
    front.len() > 1
        && front.starts_with('.')
        && random.len() == 2 * STAGING_RANDOM
        && random
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Opens the directory `dir` and tries to lock it; answers the handle and whether it is held.
fn lock_dir(dir: &Path) -> std::io::Result<(std::fs::File, bool)> {
    let file = std::fs::File::open(dir)?;
    let held = file.try_lock().is_ok();
    Ok((file, held))
}

/// Removes from `parent` the hidden directories of exports that no longer run (their lock is
/// free); answers how many. Only real directories named as [`Staging::begin`] names them are
/// considered, never a link or anything else, and one whose export still runs is left alone.
fn sweep_stale(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || !entry.file_name().to_str().is_some_and(is_staging_name) {
            continue;
        }
        let path = entry.path();
        // Held while removing, so that no other export takes it for its own meanwhile.
        if let Ok((_lock, true)) = lock_dir(&path) {
            if std::fs::remove_dir_all(&path).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// A file of JSON records: one a line (`.jsonl`), or one JSON array written piece by piece.
pub(super) struct Records {
    out: BufWriter<tokio::fs::File>,
    array: bool,
    /// Records written so far.
    pub(super) count: u64,
}

impl Records {
    pub(super) async fn lines(staging: &Staging, name: &str) -> anyhow::Result<Self> {
        Self::open(staging, name, false).await
    }

    pub(super) async fn array(staging: &Staging, name: &str) -> anyhow::Result<Self> {
        Self::open(staging, name, true).await
    }

    async fn open(staging: &Staging, name: &str, array: bool) -> anyhow::Result<Self> {
        Ok(Self {
            out: staging.file(name).await?,
            array,
            count: 0,
        })
    }

    pub(super) async fn push<T: Serialize>(&mut self, record: &T) -> anyhow::Result<()> {
        let mut bytes = Vec::new();
        if self.array {
            bytes.extend_from_slice(if self.count == 0 { b"[\n" } else { b",\n" });
        }
        serde_json::to_writer(&mut bytes, record)?;
        if !self.array {
            bytes.push(b'\n');
        }
        self.out.write_all(&bytes).await?;
        self.count += 1;
        Ok(())
    }

    /// Raw bytes as one line, for leaves, which must stay exactly as hashed.
    pub(super) async fn push_line(&mut self, line: &[u8]) -> anyhow::Result<()> {
        self.out.write_all(line).await?;
        self.out.write_all(b"\n").await?;
        self.count += 1;
        Ok(())
    }

    pub(super) async fn finish(mut self) -> anyhow::Result<u64> {
        if self.array {
            let end: &[u8] = if self.count == 0 { b"[]\n" } else { b"\n]\n" };
            self.out.write_all(end).await?;
        }
        self.out.flush().await?;
        self.out.get_ref().sync_all().await?;
        Ok(self.count)
    }
}

/// Writes `value` as one pretty JSON file.
pub(super) async fn write_json<T: Serialize>(
    staging: &Staging,
    name: &str,
    value: &T,
) -> anyhow::Result<()> {
    let mut out = staging.file(name).await?;
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    out.write_all(&bytes).await?;
    out.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unfinished_export_leaves_nothing_and_a_finished_one_is_renamed() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("export");
        let staging = Staging::begin(&out).unwrap();
        let mut file = staging.file("manifest.json").await.unwrap();
        file.write_all(b"{}").await.unwrap();
        file.flush().await.unwrap();
        drop(staging);
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);

        let staging = Staging::begin(&out).unwrap();
        let mut records = Records::array(&staging, "access.json").await.unwrap();
        records.push(&[1, 2]).await.unwrap();
        records.push(&"x").await.unwrap();
        assert_eq!(records.finish().await.unwrap(), 2);
        staging.commit(&out).unwrap();
        let written = std::fs::read_to_string(out.join("access.json")).unwrap();
        assert_eq!(written, "[\n[1,2],\n\"x\"\n]\n");
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out), 0o700);
            assert_eq!(mode(&out.join("objects")), 0o700);
            assert_eq!(mode(&out.join("access.json")), 0o600);
        }
    }

    #[tokio::test]
    async fn an_empty_array_file_is_valid_json() {
        let parent = tempfile::tempdir().unwrap();
        let staging = Staging::begin(&parent.path().join("e")).unwrap();
        let records = Records::array(&staging, "inventory.json").await.unwrap();
        assert_eq!(records.finish().await.unwrap(), 0);
        let written = std::fs::read(staging.dir.join("inventory.json")).unwrap();
        assert_eq!(written, b"[]\n");
    }

    /// Regression: an export killed with -9 left its hidden directory for good.
    #[tokio::test]
    async fn a_later_export_removes_only_the_stale_hidden_directories_of_earlier_ones() {
        let parent = tempfile::tempdir().unwrap();
        let at = |name: &str| parent.path().join(name);
        let stale = at(".audit-1.partial-0123456789abcdef");
        std::fs::create_dir_all(stale.join("objects")).unwrap();
        std::fs::write(stale.join("objects").join("x"), b"ciphertext").unwrap();
        let running = Staging::begin(&at("audit-2")).unwrap();
        // Named alike but not as an export names its directory, or not a directory at all.
        let kept = [
            ".audit-1.partial-0123456789abcdeg",
            ".audit-1.partial-0123456789abcde",
            ".partial-0123456789abcdef",
            "audit-1.partial-0123456789abcdef",
            "audit-0",
        ];
        for name in kept {
            std::fs::create_dir(at(name)).unwrap();
        }
        std::fs::write(at(".file.partial-0123456789abcdef"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&stale, at(".link.partial-0123456789abcdef")).unwrap();

        let staging = Staging::begin(&at("audit-3")).unwrap();
        assert!(!stale.exists(), "the stale directory is still there");
        assert!(running.dir.is_dir(), "a running export lost its directory");
        assert!(staging.dir.is_dir());
        for name in kept {
            assert!(at(name).is_dir(), "{name} was removed");
        }
        assert!(at(".file.partial-0123456789abcdef").is_file());
    }

    #[test]
    fn a_file_or_a_full_directory_is_refused() {
        let parent = tempfile::tempdir().unwrap();
        let file = parent.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = Staging::begin(&file).err().unwrap();
        assert!(format!("{err:#}").contains("is not a directory"), "{err:#}");
        let full = parent.path().join("full");
        std::fs::create_dir(&full).unwrap();
        std::fs::write(full.join("x"), b"x").unwrap();
        let err = Staging::begin(&full).err().unwrap();
        assert!(err.to_string().ends_with(
            "is not empty; export-audit writes only into a new or \
             empty directory"
        ));
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 2);
    }
}
