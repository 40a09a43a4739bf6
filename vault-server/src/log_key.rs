//! The log signing key: loaded from its file, or made once when the file is missing.
//!
//! The key signs every checkpoint of the Merkle log, so every replica must hold the same one
//! and losing it gives the log a new identity that clients will refuse. The file is PKCS#8
//! Ed25519 as ring writes it, readable by its owner only. A missing file is created whole or
//! not at all: the key is written to a private temporary file that is then hard-linked to the
//! final name, which fails if another replica got there first; the loser reads the winner's key.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use vault_core::checkpoint::{Checkpoint, NoteKey};
use vault_core::keys::SigningKey;

/// The key that signs checkpoints, with the name (the log's origin) it signs under.
pub struct LogSigner {
    note_key: NoteKey,
    key: SigningKey,
}

impl LogSigner {
    /// Loads the key at `path` (making it when missing) for the log named `origin`.
    pub fn load_or_create(origin: &str, path: &Path) -> anyhow::Result<Self> {
        check_origin(origin)?;
        let key = load_or_create(path)?;
        let note_key = NoteKey {
            name: origin.to_owned(),
            key: key.verifying_key(),
        };
        Ok(Self { note_key, key })
    }

    /// The log's origin, first line of every checkpoint.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.note_key.name
    }

    /// The public key clients and auditors pin.
    #[must_use]
    pub fn note_key(&self) -> &NoteKey {
        &self.note_key
    }

    /// The public key in its text form (`origin+keyid+key`).
    #[must_use]
    pub fn vkey(&self) -> String {
        self.note_key.to_vkey()
    }

    /// The signed note of `checkpoint`.
    #[must_use]
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        checkpoint.sign(&self.key)
    }
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigner")
            .field("vkey", &self.vkey())
            .finish_non_exhaustive()
    }
}

/// A note key name may not be empty, hold spaces or control characters, or a `+`.
fn check_origin(origin: &str) -> anyhow::Result<()> {
    let bad = |c: char| {
        c.is_whitespace() || c.is_control() || c == '+' || vault_core::text::is_hidden_format(c)
    };
    if origin.is_empty() || origin.len() > 200 || origin.contains(bad) {
        anyhow::bail!("the log origin has 1 to 200 bytes and no spaces, control characters or '+'");
    }
    Ok(())
}

fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    match read(path) {
        Ok(key) => return Ok(key),
        Err(err) if !is_missing(&err) => return Err(err),
        Err(_) => {}
    }
    let key = SigningKey::generate().context("making the log signing key")?;
    let temp = temp_path(path);
    write_private(&temp, key.expose_pkcs8())?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "log signing key created");
            Ok(key)
        }
        // Another replica made it meanwhile: use theirs, so the log keeps one identity.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(err) => Err(err).context("storing the log signing key"),
    }
}

fn is_missing(err: &anyhow::Error) -> bool {
    err.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

fn read(path: &Path) -> anyhow::Result<SigningKey> {
    let bytes = zeroize::Zeroizing::new(std::fs::read(path)?);
    warn_if_readable_by_others(path);
    SigningKey::from_pkcs8(&bytes).context("the log signing key file is not PKCS#8 Ed25519")
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the log signing key file is readable by other users; chmod 600 it"
                );
            }
        }
    }
}

/// A name beside `path` no other process uses.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    path.with_file_name(name)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .context("creating the log signing key file")?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .context("writing the log signing key file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_that_cannot_name_a_note_key_are_refused() {
        assert!(check_origin("case-vault.localhost/log").is_ok());
        for bad in ["", "a b", "a+b", "a\nb", "a\u{200b}b"] {
            assert!(check_origin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.p8");
        let first = LogSigner::load_or_create("o.example/log", &path).unwrap();
        let again = LogSigner::load_or_create("o.example/log", &path).unwrap();
        assert_eq!(first.vkey(), again.vkey());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn replicas_starting_together_end_up_with_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.p8");
        let start = std::sync::Barrier::new(8);
        let vkeys: Vec<String> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        LogSigner::load_or_create("o.example/log", &path)
                            .unwrap()
                            .vkey()
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert!(vkeys.iter().all(|v| *v == vkeys[0]), "{vkeys:?}");
        let on_disk = SigningKey::from_pkcs8(&std::fs::read(&path).unwrap()).unwrap();
        assert!(vkeys[0].ends_with(&vault_core::b64::encode(
            [&[1u8][..], on_disk.verifying_key().as_bytes()].concat()
        )));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_that_is_not_a_key_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.p8");
        std::fs::write(&path, b"not a key").unwrap();
        let err = LogSigner::load_or_create("o.example/log", &path).unwrap_err();
        assert!(format!("{err:#}").contains("not PKCS#8"), "{err:#}");
    }
}
