//! Sealing a file (to any writer, or to a temporary ciphertext), and opening a ciphertext into
//! a file.
//!
//! Opening never leaves a partial plaintext behind: the plaintext goes to a temporary file in
//! the destination directory (so the final rename stays on one file system), and only when
//! every check has passed (age's header MAC and chunk authentication, the ciphertext digest
//! from the signed statement, the plaintext size and digest from the sealed metadata) is it
//! renamed to its real name. On any failure the temporary file is removed and the error names
//! the check that failed. An existing file is replaced only when the caller asks to.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use vault_core::keys::{PublicKey, SecretKey};
use vault_core::seal::{self, Expected, OpenedBody, SealedBody};

use crate::error::{ClientError, Result};

/// Where an opened document goes.
#[derive(Clone, Debug)]
pub struct Destination {
    /// The final path.
    pub path: PathBuf,
    /// Replace an existing file.
    pub force: bool,
}

/// Decrypts `ciphertext` into `dest`, keeping the file only if every check passes.
pub fn open_to_file<R: Read>(
    ciphertext: R,
    key: &SecretKey,
    expected: Expected,
    dest: &Destination,
    progress: impl FnMut(u64),
) -> Result<OpenedBody> {
    if !dest.force && dest.path.exists() {
        return Err(ClientError::OutputExists(dest.path.clone()));
    }
    let temp = crate::private_file::temp_beside(&dest.path)?;
    let mut writer = BufWriter::new(temp);
    // On an error `writer` (and with it the temporary file) is dropped, which deletes it.
    let opened = seal::open(ciphertext, key, expected, &mut writer, progress)?;
    let temp = writer
        .into_inner()
        .map_err(|e| ClientError::io("cannot write the opened document", e.into_error()))?;
    persist(temp, dest)?;
    Ok(opened)
}

/// Saves a ciphertext to `dest` as it is, but only after it has passed every check that
/// opening applies (the plaintext itself is discarded).
pub fn save_ciphertext<R: Read>(
    ciphertext: R,
    key: &SecretKey,
    expected: Expected,
    dest: &Destination,
) -> Result<()> {
    let temp = crate::private_file::temp_beside(&dest.path)?;
    let mut tee = Tee {
        inner: ciphertext,
        copy: BufWriter::new(temp),
    };
    seal::open(&mut tee, key, expected, std::io::sink(), |_| {})?;
    let temp = tee
        .copy
        .into_inner()
        .map_err(|e| ClientError::io("cannot write the ciphertext", e.into_error()))?;
    persist(temp, dest)
}

/// A reader that keeps a copy of everything read.
struct Tee<R, W> {
    inner: R,
    copy: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Moves a finished temporary file to its destination, replacing a file only when asked to,
/// after flushing it to disk: an opened document must not be lost to a crash after the rename.
fn persist(temp: tempfile::NamedTempFile, dest: &Destination) -> Result<()> {
    temp.as_file()
        .sync_all()
        .map_err(|e| ClientError::io(format!("cannot write {}", dest.path.display()), e))?;
    rename_into_place(temp, dest)
}

fn rename_into_place(temp: tempfile::NamedTempFile, dest: &Destination) -> Result<()> {
    let persisted = if dest.force {
        temp.persist(&dest.path)
    } else {
        temp.persist_noclobber(&dest.path)
    };
    persisted.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            ClientError::OutputExists(dest.path.clone())
        } else {
            ClientError::io(format!("cannot write {}", dest.path.display()), e.error)
        }
    })?;
    Ok(())
}

/// Seals the file at `source` to `document_key`, writing the age file to `out` (flushed at
/// the end). Memory use is a fixed buffer whatever the file's size.
pub(crate) fn seal_into<W: Write>(
    source: &Path,
    document_key: &PublicKey,
    out: W,
    progress: impl FnMut(u64),
) -> Result<SealedBody> {
    let input = File::open(source)
        .map_err(|e| ClientError::io(format!("cannot read {}", source.display()), e))?;
    Ok(seal::seal(
        BufReader::new(input),
        document_key,
        out,
        progress,
    )?)
}

/// Seals the file at `source` to `document_key`, writing the age file to a temporary file
/// (mode 0600) in `scratch_dir`. Memory use is a fixed buffer whatever the file's size.
pub fn seal_to_temp(
    source: &Path,
    document_key: &PublicKey,
    scratch_dir: &Path,
    progress: impl FnMut(u64),
) -> Result<(tempfile::NamedTempFile, SealedBody)> {
    let temp = crate::private_file::temp_in(scratch_dir)?;
    let mut writer = BufWriter::new(temp);
    let sealed = seal_into(source, document_key, &mut writer, progress)?;
    writer
        .flush()
        .map_err(|e| ClientError::io("cannot write the sealed document", e))?;
    let temp = writer
        .into_inner()
        .map_err(|e| ClientError::io("cannot write the sealed document", e.into_error()))?;
    Ok((temp, sealed))
}

/// Seals the file at `source` to `document_key` into an age file at `dest`, exactly as
/// [`seal_to_temp`] does before an upload; the file appears only once sealing has finished.
/// It is not flushed to disk first (as the stock `age` tool does not): the result opens for
/// nobody, so a crash loses nothing that cannot be sealed again.
pub fn seal_to_file(
    source: &Path,
    document_key: &PublicKey,
    dest: &Destination,
    progress: impl FnMut(u64),
) -> Result<SealedBody> {
    if !dest.force && dest.path.exists() {
        return Err(ClientError::OutputExists(dest.path.clone()));
    }
    let dir = match dest.path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (temp, sealed) = seal_to_temp(source, document_key, dir, progress)?;
    rename_into_place(temp, dest)?;
    Ok(sealed)
}

/// A file name from sealed metadata made safe to create: no directory parts, never `.` or
/// `..`, and every control or invisible formatting character (such as a right-to-left
/// override) written as `_`. The name came from whoever sealed the document, so it is not
/// trusted to stay inside the destination directory, nor to show what the file is: a file
/// named `invoice` U+202E `fdp.exe` would show as `invoiceexe.pdf` in a folder listing.
#[must_use]
pub fn sanitise_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' => '_',
            c if c.is_control() || vault_core::text::is_hidden_format(c) => '_',
            c => c,
        })
        .collect();
    if cleaned.trim().is_empty() || cleaned.chars().all(|c| c == '.') {
        "document".to_owned()
    } else {
        cleaned
    }
}

/// The media type to record for a file, guessed from its extension.
#[must_use]
pub fn media_type_for(path: &Path) -> String {
    mime_guess::from_path(path)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_to_file_writes_an_age_file_that_opens_and_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("Röntgen report (draft).pdf");
        let plaintext: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&source, &plaintext).unwrap();
        let key = SecretKey::generate();
        let dest = Destination {
            path: dir.path().join("sealed.age"),
            force: false,
        };
        let sealed = seal_to_file(&source, &key.public_key(), &dest, |_| {}).unwrap();
        let ciphertext = std::fs::read(&dest.path).unwrap();
        assert!(ciphertext.starts_with(b"age-encryption.org/v1\n"));
        assert_eq!(sealed.ciphertext_size, ciphertext.len() as u64);
        assert_eq!(sealed.ciphertext_sha256, seal::sha256(&ciphertext));
        assert_eq!(sealed.plaintext_sha256, seal::sha256(&plaintext));
        let mut opened = Vec::new();
        seal::open(
            &ciphertext[..],
            &key,
            Expected::default(),
            &mut opened,
            |_| {},
        )
        .unwrap();
        assert_eq!(opened, plaintext);

        let again = seal_to_file(&source, &key.public_key(), &dest, |_| {});
        assert!(matches!(again, Err(ClientError::OutputExists(_))));
        assert_eq!(std::fs::read(&dest.path).unwrap(), ciphertext);
        // Nothing but the source and the one sealed file is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn file_names_cannot_escape_the_directory() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(sanitise_file_name(".."), "document");
        assert_eq!(sanitise_file_name(""), "document");
        assert_eq!(sanitise_file_name("a\\b\nc"), "a_b_c");
        // Regression: a right-to-left override was kept, so the file showed as "…exe.pdf".
        assert_eq!(
            sanitise_file_name("invoice\u{202e}fdp.exe"),
            "invoice_fdp.exe"
        );
        assert_eq!(sanitise_file_name("a\u{200b}b\u{2066}c.pdf"), "a_b_c.pdf");
        assert_eq!(
            sanitise_file_name("Health assessment – Élodie (draft).pdf"),
            "Health assessment – Élodie (draft).pdf"
        );
    }

    #[test]
    fn media_types_come_from_the_extension() {
        assert_eq!(media_type_for(Path::new("a.pdf")), "application/pdf");
        assert_eq!(
            media_type_for(Path::new("noext")),
            "application/octet-stream"
        );
    }
}
