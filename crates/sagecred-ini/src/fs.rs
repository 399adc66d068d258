//! Reading and writing the files: locked read-modify-write and atomic replacement.
//!
//! A write never leaves a half-written file behind: the new bytes go to a temporary file
//! in the same directory, are fsynced, and are renamed over the target, and then the
//! directory is fsynced so that the rename survives a crash. Concurrent sagecred
//! processes serialise on an advisory lock on a sidecar `<name>.lock` file, which is left
//! in place: deleting it while another process waits on it would let two writers in.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::document::{Document, FileKind, ParseError};

/// Why reading or writing an AWS shared file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IniError {
    /// The file is not valid by AWS's rules; the message names the line and never
    /// quotes a secret.
    #[error("{}:{}: {}", path.display(), source.line, source.message)]
    Parse {
        /// The file, as the caller named it.
        path: PathBuf,
        /// The line and what is wrong with it.
        source: ParseError,
    },
    /// A file-system operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What was being done: "reading", "writing", "locking", "renaming"...
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
}

impl IniError {
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> IniError {
        let path = path.to_owned();
        move |source| IniError::Io {
            path,
            action,
            source,
        }
    }
}

/// Reads and parses a file; a missing file reads as empty.
pub(crate) fn read_document(path: &Path, kind: FileKind) -> Result<Document, IniError> {
    let text = read_text(path)?;
    Document::parse_owned(text, kind).map_err(|source| IniError::Parse {
        path: path.to_owned(),
        source,
    })
}

fn read_text(path: &Path) -> Result<String, IniError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(err) => Err(IniError::io("reading", path)(err)),
    }
}

/// Locks, reads (a missing file is empty), parses, lets `f` edit the document, and if
/// the bytes changed writes them back with [`write_atomic`]. Returns `f`'s value.
///
/// The lock is an advisory exclusive lock on `<file name>.lock` next to the target,
/// created with mode 0600 and left in place. Nothing is written when the file does not
/// parse, when `f` fails, or when the bytes did not change. A symlinked target is
/// followed, so the link itself survives and its destination is updated.
///
/// ```
/// use sagecred_ini::{FileKind, IniError, SectionKey, edit};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("config");
/// let dev = SectionKey::Profile("dev".into());
/// let changed = edit(&path, FileKind::Config, |doc| {
///     Ok::<_, IniError>(doc.set(&dev, "region", "us-east-1"))
/// })
/// .unwrap();
/// assert!(changed);
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "[profile dev]\nregion = us-east-1\n");
/// ```
pub fn edit<T, E: From<IniError>>(
    path: &Path,
    kind: FileKind,
    f: impl FnOnce(&mut Document) -> Result<T, E>,
) -> Result<T, E> {
    let target = resolve_target(path)?;
    ensure_parent(&target)?;
    let _lock = lock(&target)?;
    // Only lock holders create temp files, so any found now were left by a writer that
    // died before its rename. They may hold secrets: remove them.
    remove_stale_temp_files(&target);
    let original = read_text(&target)?;
    let mut doc = Document::parse(&original, kind).map_err(|source| IniError::Parse {
        path: path.to_owned(),
        source,
    })?;
    let value = f(&mut doc)?;
    if doc.as_str() != original {
        write_resolved(&target, doc.as_str().as_bytes())?;
    }
    Ok(value)
}

/// Replaces the file's contents atomically: a temporary file in the same directory is
/// written, fsynced, given the old file's mode (0600 for a new file) and renamed over
/// the target, and the directory is fsynced. A missing parent directory is created with
/// mode 0700. A symlinked target is followed. This takes no lock; [`edit`] does.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IniError> {
    let target = resolve_target(path)?;
    write_resolved(&target, bytes)
}

/// Like [`write_atomic`], but the file always ends up with mode 0600, whatever mode an
/// older copy had: for files that hold tokens, such as the SSO token cache.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), IniError> {
    let target = resolve_target(path)?;
    write_with_mode(&target, bytes, Some(private_mode()))
}

/// An exclusive advisory lock on a file's sidecar `<name>.lock`, held until dropped.
///
/// [`edit`] takes the same lock, so holders of a `FileLock` on a file and editors of that
/// file exclude each other.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes the exclusive lock on `<file name>.lock` next to `path`, waiting for other
/// holders; the directory is created (mode 0700) when missing.
pub fn lock_file(path: &Path) -> Result<FileLock, IniError> {
    let target = resolve_target(path)?;
    ensure_parent(&target)?;
    Ok(FileLock {
        _file: lock(&target)?,
    })
}

#[cfg(unix)]
fn private_mode() -> Mode {
    0o600
}

#[cfg(not(unix))]
fn private_mode() -> Mode {}

fn write_resolved(target: &Path, bytes: &[u8]) -> Result<(), IniError> {
    write_with_mode(target, bytes, None)
}

fn write_with_mode(target: &Path, bytes: &[u8], mode: Option<Mode>) -> Result<(), IniError> {
    let dir = ensure_parent(target)?;
    let mode = match mode {
        Some(mode) => mode,
        None => existing_mode(target)?,
    };
    // tempfile creates the file with mode 0600, so secrets are never readable by others,
    // even for the moment before the final mode is set.
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .tempfile_in(&dir)
        .map_err(IniError::io("creating a temporary file in", &dir))?;
    tmp.write_all(bytes)
        .map_err(IniError::io("writing", tmp.path()))?;
    set_mode(tmp.as_file(), mode).map_err(IniError::io("setting permissions on", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(IniError::io("syncing", tmp.path()))?;
    tmp.persist(target)
        .map_err(|err| IniError::io("renaming a temporary file to", target)(err.error))?;
    sync_dir(&dir)
}

/// The name prefix of the temp files written for `target`: `.credentials.sagecred-tmp`.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.sagecred-tmp")
}

/// Removes temp files that a killed writer of `target` left behind. Best effort: a file
/// that cannot be removed is left for the next writer.
fn remove_stale_temp_files(target: &Path) {
    let prefix = temp_prefix(target);
    let Some(dir) = target.parent() else { return };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The path to write: the destination of a symlink (even a dangling one), else `path`.
fn resolve_target(path: &Path) -> Result<PathBuf, IniError> {
    let is_link = |p: &Path| {
        fs::symlink_metadata(p)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
    };
    if !is_link(path) {
        return Ok(path.to_owned());
    }
    match fs::canonicalize(path) {
        Ok(resolved) => Ok(resolved),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            // A dangling link: follow it by hand so that the first write creates the
            // file the link points at instead of replacing the link.
            let mut current = path.to_owned();
            for _ in 0..40 {
                if !is_link(&current) {
                    return Ok(current);
                }
                let next =
                    fs::read_link(&current).map_err(IniError::io("reading symlink", &current))?;
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                };
            }
            Err(IniError::io("resolving symlink", path)(io::Error::other(
                "too many levels of symbolic links",
            )))
        }
        Err(err) => Err(IniError::io("resolving symlink", path)(err)),
    }
}

/// Creates the target's directory (mode 0700) if missing and returns it.
fn ensure_parent(target: &Path) -> Result<PathBuf, IniError> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&dir)
            .map_err(IniError::io("creating directory", &dir))?;
    }
    Ok(dir)
}

/// Takes the exclusive lock on `<file name>.lock` next to `target`.
fn lock(target: &Path) -> Result<File, IniError> {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    let lock_path = target.with_file_name(name);
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&lock_path)
        .map_err(IniError::io("opening lock file", &lock_path))?;
    file.lock().map_err(IniError::io("locking", &lock_path))?;
    Ok(file)
}

#[cfg(unix)]
type Mode = u32;
#[cfg(not(unix))]
type Mode = ();

/// The permission bits of the file being replaced, or 0600 for a new one.
fn existing_mode(target: &Path) -> Result<Mode, IniError> {
    match fs::metadata(target) {
        #[cfg(unix)]
        Ok(meta) => {
            use std::os::unix::fs::PermissionsExt;
            Ok(meta.permissions().mode() & 0o7777)
        }
        #[cfg(not(unix))]
        Ok(_) => Ok(()),
        #[cfg(unix)]
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(0o600),
        #[cfg(not(unix))]
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(IniError::io("reading metadata of", target)(err)),
    }
}

#[cfg(unix)]
fn set_mode(file: &File, mode: Mode) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: Mode) -> io::Result<()> {
    // Windows files inherit their directory's ACL, which keeps them private in the
    // user's profile; there are no mode bits to carry over.
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), IniError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(IniError::io("syncing directory", dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), IniError> {
    // Directories cannot be opened for syncing on Windows; the rename is durable once
    // the file's own data is flushed.
    Ok(())
}
