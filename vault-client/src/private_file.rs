//! Writing files only their owner can read.
//!
//! Everything the client keeps on disk (keystore, session, pins, exported keys, opened
//! documents) is written through here: to a temporary file with mode 0600 in the destination
//! directory, then renamed into place, so a crash never leaves a half-written file under the
//! real name and nobody else on the machine can read it in between.

use std::io::Write;
use std::path::Path;

use crate::error::{ClientError, Result};

/// Creates a temporary file beside `path`, readable by its owner only.
pub(crate) fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    temp_in(dir)
}

/// Creates a temporary file in `dir`, readable by its owner only.
pub(crate) fn temp_in(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vaultctl-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    builder
        .tempfile_in(dir)
        .map_err(|e| ClientError::io(format!("cannot create a file in {}", dir.display()), e))
}

/// Writes `bytes` to `path` (mode 0600), replacing it atomically.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = temp_beside(path)?;
    let context = || format!("cannot write {}", path.display());
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| ClientError::io(context(), e))?;
    file.persist(path)
        .map_err(|e| ClientError::io(context(), e.error))?;
    Ok(())
}

/// Writes `bytes` to `path` (mode 0600) only if nothing is there yet.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = temp_beside(path)?;
    let context = || format!("cannot write {}", path.display());
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| ClientError::io(context(), e))?;
    file.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            ClientError::OutputExists(path.to_owned())
        } else {
            ClientError::io(context(), e.error)
        }
    })?;
    Ok(())
}

/// Makes a directory (and its parents) that only its owner can enter.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    let context = || format!("cannot create {}", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| ClientError::io(context(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| ClientError::io(context(), e))?;
    }
    Ok(())
}

/// Makes a directory for opened documents where there is none: a new one (and any missing
/// parent) gets mode 0700, as opened plaintext should, while one that exists keeps its mode,
/// ownership and setgid bit: a folder the person shares with a group on purpose must not lose
/// that access silently because a document was opened into it.
pub(crate) fn create_output_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| ClientError::io(format!("cannot create {}", dir.display()), e))
}

/// Reads a JSON file the client keeps (`what` it holds is named in the error), or the empty
/// value when it does not exist yet. A file that does not parse is an error, never replaced:
/// these files hold what the client pinned or accepted, and starting over would forget it.
pub(crate) fn read_json_or_default<T>(path: &Path, what: &str) -> Result<T>
where
    T: serde::de::DeserializeOwned + Default,
{
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| {
            ClientError::Invalid(format!(
                "{} is damaged; restore it from a backup rather than deleting it: it holds {what}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(ClientError::io(
            format!("cannot read {}", path.display()),
            e,
        )),
    }
}
