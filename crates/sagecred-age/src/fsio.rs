//! File-system steps: private directories, reads that refuse anything but a regular file,
//! locked atomic writes through `sagecred-ini`'s helpers, and the no-clobber write that
//! creates the identity file.
//!
//! Every record is encrypted in memory before it is written, so the temporary file a
//! killed writer may leave behind holds ciphertext only, and the rename that publishes a
//! record is atomic: a reader sees the old record or the new one, never half of either.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// What went wrong with a file, before it is turned into a store error.
#[derive(Debug)]
pub(crate) enum FsError {
    /// The path exists and is not a regular file (a directory, a symlink, a FIFO...).
    NotRegular,
    /// The operating system refused.
    Io(&'static str, io::Error),
}

impl FsError {
    pub(crate) fn describe(&self, path: &Path) -> String {
        match self {
            Self::NotRegular => format!(
                "{} is not a regular file; sagecred never reads or replaces anything else there",
                path.display()
            ),
            Self::Io(action, _) => format!("{action} {}", path.display()),
        }
    }
}

/// Creates `dir` (and its parents) with mode 0700 if missing, and takes group and other
/// permissions away from it if it has any: the store's directories are private.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<(), FsError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => tighten(dir, &meta),
        Ok(_) => Err(FsError::NotRegular),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(dir)
                .map_err(|e| FsError::Io("creating directory", e))
        }
        Err(e) => Err(FsError::Io("reading metadata of", e)),
    }
}

#[cfg(unix)]
fn tighten(dir: &Path, meta: &fs::Metadata) -> Result<(), FsError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))
            .map_err(|e| FsError::Io("setting permissions on", e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_dir: &Path, _meta: &fs::Metadata) -> Result<(), FsError> {
    // Windows directories inherit the ACL of the user's profile.
    Ok(())
}

/// Whether `path` exists at all (as anything).
pub(crate) fn exists(path: &Path) -> Result<bool, FsError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FsError::Io("reading metadata of", e)),
    }
}

/// The contents of a regular file, `None` when nothing is there. A symlink, directory or
/// device is refused, not followed.
pub(crate) fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(FsError::NotRegular),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FsError::Io("reading metadata of", e)),
    }
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        // Deleted between the two calls: nothing is there.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::Io("reading", e)),
    }
}

/// Fails unless `path` is a regular file or absent.
fn check_replaceable(path: &Path) -> Result<(), FsError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(FsError::NotRegular),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FsError::Io("reading metadata of", e)),
    }
}

/// Takes the lock of `path` (its sidecar `<name>.lock`, shared with `sagecred-ini`).
pub(crate) fn lock(path: &Path) -> Result<sagecred_ini::FileLock, FsError> {
    sagecred_ini::lock_file(path).map_err(ini_error)
}

/// Replaces `path` atomically with `bytes` (mode 0600). The caller holds its lock.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    check_replaceable(path)?;
    sagecred_ini::write_private(path, bytes).map_err(ini_error)
}

/// Removes the regular file at `path`. Returns whether there was one. The caller holds
/// its lock.
pub(crate) fn remove(path: &Path) -> Result<bool, FsError> {
    check_replaceable(path)?;
    match fs::remove_file(path) {
        Ok(()) => {
            sync_parent(path);
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FsError::Io("removing", e)),
    }
}

/// Writes `bytes` to `path` only if nothing is there: a temporary file in the same
/// directory, fsynced, then hard-linked into place, which fails if `path` exists. Returns
/// `false` when something was already there (nothing is changed then).
pub(crate) fn create_new(path: &Path, bytes: &[u8]) -> Result<bool, FsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".sagecred-new")
        .tempfile_in(dir)
        .map_err(|e| FsError::Io("creating a temporary file in", e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| FsError::Io("writing", e))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {
            sync_parent(path);
            Ok(true)
        }
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(FsError::Io("creating", e.error)),
    }
}

/// The names of the entries of `dir`; an absent directory has none.
pub(crate) fn file_names(dir: &Path) -> Result<Vec<String>, FsError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FsError::Io("listing", e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FsError::Io("listing", e))?;
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

fn ini_error(e: sagecred_ini::IniError) -> FsError {
    match e {
        sagecred_ini::IniError::Io { action, source, .. } => FsError::Io(action, source),
        other => FsError::Io("writing", io::Error::other(other.to_string())),
    }
}

/// Makes a removal or creation in `path`'s directory durable. Best effort.
#[cfg(unix)]
fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

#[cfg(not(unix))]
fn sync_parent(_path: &Path) {
    // Directories cannot be opened for syncing on Windows.
}
