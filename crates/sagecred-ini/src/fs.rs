//! Reading and writing the files: locked read-modify-write and atomic replacement.
//!
//! A write never leaves a half-written file behind: the new bytes go to a temporary file
//! in the same directory, are fsynced, and are renamed over the target, and then the
//! directory is fsynced so that the rename survives a crash. Concurrent sagecred
//! processes serialise on an advisory lock on a sidecar `<name>.lock` file, which is left
//! in place: deleting it while another process waits on it would let two writers in.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::document::{Document, FileKind, ParseError};

/// The largest AWS file sagecred reads: 64 MiB.
///
/// A config file with 10,000 profiles is some 1.5 MB; the limit leaves forty times that
/// and keeps a hostile path (`/dev/zero`, a huge file) from filling memory.
pub const MAX_FILE_LEN: u64 = 64 * 1024 * 1024;

/// Why reading or writing an AWS shared file failed.
///
/// No variant quotes the file's contents: messages name the file, the line, and what is
/// wrong, because the contents may be secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IniError {
    /// The file is not valid by AWS's rules; the message names the line and the kind of
    /// error, and quotes nothing of the file.
    #[error("line {} of {}: {}", source.line, path.display(), source.kind)]
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
    /// The path (or the file a symlink leads to) exists but is not a regular file: a
    /// device, a FIFO, a socket or a directory. Nothing was written and nothing was
    /// created beside it.
    #[error("cannot {action} {}: {}", path.display(), describe_target(path, target, file_type))]
    NotAFile {
        /// The path as the caller named it.
        path: PathBuf,
        /// Where symlinks led: the path that is not a regular file.
        target: PathBuf,
        /// What it is instead, such as "a character device".
        file_type: &'static str,
        /// What was refused: "write", "read" or "lock".
        action: &'static str,
    },
    /// The file is read-only (its owner may not write it), and sagecred does not replace
    /// a file its owner protected.
    #[error("{} is read-only{}; sagecred will not replace it", path.display(), describe_mode(*mode))]
    ReadOnly {
        /// The path as the caller named it.
        path: PathBuf,
        /// Its permission bits (Unix only).
        mode: Option<u32>,
    },
    /// Secrets were to be written to an existing file that other users may read or
    /// write (group or other permission bits are set). Unix only.
    #[error(
        "{} is open to other users (mode {mode:04o}); refusing to write secrets to it",
        path.display()
    )]
    NotPrivate {
        /// The path as the caller named it.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is larger than [`MAX_FILE_LEN`].
    #[error("{} is larger than {} MiB, too large to be an AWS profile file", path.display(), MAX_FILE_LEN >> 20)]
    TooLarge {
        /// The path as the caller named it.
        path: PathBuf,
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

/// "it is a character device, not a regular file", naming the symlink's destination when
/// there is one.
fn describe_target(path: &Path, target: &Path, file_type: &str) -> String {
    if path == target {
        format!("it is {file_type}, not a regular file")
    } else {
        format!(
            "it leads to {}, which is {file_type}, not a regular file",
            target.display()
        )
    }
}

fn describe_mode(mode: Option<u32>) -> String {
    mode.map(|m| format!(" (mode {m:04o})")).unwrap_or_default()
}

/// What a write is allowed to do to an existing file.
///
/// The default writes anything but secrets. [`WriteOptions::secrets`] marks writes that
/// put secrets into the file: those refuse an existing file that other users may read
/// ([`IniError::NotPrivate`]) unless [`WriteOptions::force`] is set. Whatever the options,
/// a write never replaces something that is not a regular file ([`IniError::NotAFile`])
/// or a read-only file ([`IniError::ReadOnly`]).
///
/// ```
/// use sagecred_ini::WriteOptions;
///
/// let options = WriteOptions::default().secrets(true).force(false);
/// assert!(options.holds_secrets());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    secrets: bool,
    force: bool,
}

impl WriteOptions {
    /// Marks the write as putting secrets into the file.
    #[must_use]
    pub fn secrets(mut self, secrets: bool) -> Self {
        self.secrets = secrets;
        self
    }

    /// Writes secrets even into a file other users may read; its mode is left as it is.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Whether the write puts secrets into the file.
    pub fn holds_secrets(self) -> bool {
        self.secrets
    }
}

/// Reads and parses a file; a missing file reads as empty.
pub(crate) fn read_document(path: &Path, kind: FileKind) -> Result<Document, IniError> {
    let text = read_text(path, path)?;
    Document::parse_owned(text, kind).map_err(|source| IniError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Reads the file at `target` (named `path` by the caller) as text; a missing file is
/// empty. See [`open_for_reading`] for what is read besides regular files.
fn read_text(target: &Path, path: &Path) -> Result<String, IniError> {
    let Some((file, meta)) = open_for_reading(target, path)? else {
        return Ok(String::new());
    };
    let size = meta.map_or(0, |m| m.len().min(MAX_FILE_LEN));
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(IniError::io("reading", path))?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(IniError::TooLarge {
            path: path.to_owned(),
        });
    }
    String::from_utf8(bytes).map_err(|_| IniError::io("reading", path)(not_utf8()))
}

/// The error `fs::read_to_string` gives for text that is not UTF-8.
pub(crate) fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// Opens a file to read it, or `None` when it does not exist.
///
/// Regular files are read, and so are character devices (an empty `/dev/null` config has
/// no profiles) and FIFOs. Neither ever blocks the open: a FIFO without a writer reads as
/// empty, and a FIFO with one (a shell's `<(...)`) is read to its end; a character device
/// is read without waiting, so a terminal gives an error instead of a hang. Directories,
/// sockets and block devices are [`IniError::NotAFile`]. A regular file larger than
/// [`MAX_FILE_LEN`] is [`IniError::TooLarge`]; callers bound what they read from the
/// others.
pub(crate) fn open_for_reading(
    target: &Path,
    path: &Path,
) -> Result<Option<(File, Option<Metadata>)>, IniError> {
    let meta = match probe(target, path)? {
        Existing::Missing => return Ok(None),
        Existing::Other {
            file_type,
            readable: false,
        } => return Err(not_a_file(path, target, file_type, "read")),
        Existing::Regular(meta) if meta.len() > MAX_FILE_LEN => {
            return Err(IniError::TooLarge {
                path: path.to_owned(),
            });
        }
        Existing::Regular(meta) => Some(meta),
        Existing::Other { .. } => None,
    };
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
        options.custom_flags(flags.bits() as i32);
    }
    let file = match options.open(target) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(IniError::io("reading", path)(err)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        // The path may have changed between the two looks; trust the open file.
        let file_type = file
            .metadata()
            .map_err(IniError::io("reading metadata of", path))?
            .file_type();
        if !readable_type(&file_type) {
            return Err(not_a_file(path, target, type_name(&file_type), "read"));
        }
        if file_type.is_fifo() {
            // Opened without waiting for a writer; now wait for data as an ordinary
            // read does. A FIFO with no writer reads as at its end at once.
            let flags = rustix::fs::fcntl_getfl(&file)
                .map_err(|e| IniError::io("reading", path)(e.into()))?;
            rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)
                .map_err(|e| IniError::io("reading", path)(e.into()))?;
        }
    }
    Ok(Some((file, meta)))
}

/// What is at a path, symlinks followed.
enum Existing {
    Missing,
    Regular(Metadata),
    /// Not a regular file: `readable` for character devices and FIFOs.
    Other {
        file_type: &'static str,
        readable: bool,
    },
}

/// Looks at what is at `target` (named `path` by the caller).
fn probe(target: &Path, path: &Path) -> Result<Existing, IniError> {
    #[cfg(windows)]
    if is_windows_device(target) {
        // `NUL`, `CON` and the like are devices in every directory; Windows has no file
        // type for them.
        return Ok(Existing::Other {
            file_type: "a device",
            readable: true,
        });
    }
    match fs::metadata(target) {
        Ok(meta) if meta.is_file() => Ok(Existing::Regular(meta)),
        Ok(meta) => Ok(Existing::Other {
            file_type: type_name(&meta.file_type()),
            readable: readable_type(&meta.file_type()),
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Existing::Missing),
        Err(err) => Err(IniError::io("reading metadata of", path)(err)),
    }
}

/// Whether the file name is one of the names Windows reserves for devices (`NUL`,
/// `CON`, `PRN`, `AUX`, `COM1`-`COM9`, `LPT1`-`LPT9`), with or without an extension.
#[cfg(windows)]
fn is_windows_device(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end_matches(' ')
        .to_ascii_uppercase();
    matches!(stem.as_str(), "NUL" | "CON" | "PRN" | "AUX")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && matches!(stem.as_bytes()[3], b'1'..=b'9'))
}

/// Whether sagecred reads a file of this type: regular files, character devices and
/// FIFOs.
fn readable_type(file_type: &fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        file_type.is_file() || file_type.is_char_device() || file_type.is_fifo()
    }
    #[cfg(not(unix))]
    {
        file_type.is_file()
    }
}

/// The article and name of a file type, for errors.
fn type_name(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

fn not_a_file(
    path: &Path,
    target: &Path,
    file_type: &'static str,
    action: &'static str,
) -> IniError {
    IniError::NotAFile {
        path: path.to_owned(),
        target: target.to_owned(),
        file_type,
        action,
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
/// A target that exists but is not a regular file is never written: a character device
/// or a FIFO is read (so that `/dev/null` reads as an empty file), `f` runs, and the edit
/// succeeds when it changed nothing and fails with [`IniError::NotAFile`] when it did; a
/// directory, socket or block device fails at once. Either way no lock file or temporary
/// file is created beside it. A read-only file that would change fails with
/// [`IniError::ReadOnly`]. This is [`edit_with`] with default [`WriteOptions`].
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
    edit_with(path, kind, WriteOptions::default(), f)
}

/// [`edit`] with [`WriteOptions`]: with `secrets`, an existing file that other users may
/// read is refused with [`IniError::NotPrivate`] when the edit would change it, unless
/// `force` is set.
pub fn edit_with<T, E: From<IniError>>(
    path: &Path,
    kind: FileKind,
    options: WriteOptions,
    f: impl FnOnce(&mut Document) -> Result<T, E>,
) -> Result<T, E> {
    let target = resolve_target(path)?;
    if let Existing::Other { file_type, .. } = probe(&target, path)? {
        // Read what can be read, and refuse the write only if there is one: deleting a
        // profile from a `/dev/null` credentials file finds nothing to delete.
        let original = read_text(&target, path)?;
        let mut doc = parse(&original, kind, path)?;
        let value = f(&mut doc)?;
        if doc.as_str() != original {
            return Err(not_a_file(path, &target, file_type, "write").into());
        }
        return Ok(value);
    }
    ensure_parent(&target)?;
    let _lock = lock(&target)?;
    // Only lock holders create temp files, so any found now were left by a writer that
    // died before its rename. They may hold secrets: remove them.
    remove_stale_temp_files(&target);
    let original = read_text(&target, path)?;
    let mut doc = parse(&original, kind, path)?;
    let value = f(&mut doc)?;
    if doc.as_str() != original {
        write_checked(&target, path, doc.as_str().as_bytes(), options, None)?;
    }
    Ok(value)
}

fn parse(text: &str, kind: FileKind, path: &Path) -> Result<Document, IniError> {
    Document::parse(text, kind).map_err(|source| IniError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Replaces the file's contents atomically: a temporary file in the same directory is
/// written, fsynced, given the old file's mode (0600 for a new file) and renamed over
/// the target, and the directory is fsynced. A missing parent directory is created with
/// mode 0700. A symlinked target is followed. This takes no lock; [`edit`] does.
///
/// Refused, with nothing written or created: a target that is not a regular file
/// ([`IniError::NotAFile`]) and a read-only one ([`IniError::ReadOnly`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IniError> {
    let target = resolve_target(path)?;
    write_checked(&target, path, bytes, WriteOptions::default(), None)
}

/// Like [`write_atomic`], but for files that hold tokens, such as the SSO token cache:
/// the file always ends up with mode 0600, and an existing file that other users may
/// read is refused ([`IniError::NotPrivate`]). This is [`write_private_with`] without
/// `force`.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), IniError> {
    write_private_with(path, bytes, WriteOptions::default())
}

/// [`write_private`] with [`WriteOptions`]; `secrets` is implied, and `force` writes
/// even over a file that other users may read (which then becomes 0600).
pub fn write_private_with(
    path: &Path,
    bytes: &[u8],
    options: WriteOptions,
) -> Result<(), IniError> {
    let target = resolve_target(path)?;
    write_checked(
        &target,
        path,
        bytes,
        options.secrets(true),
        Some(private_mode()),
    )
}

/// Checks, without writing or creating anything, that a write with `options` may
/// replace the file at `path`: that it is missing or a regular file, not read-only, and
/// for secrets, private to its owner (unless forced). Symlinks are followed.
///
/// Commands call it before any other side effect (storing a key elsewhere, say), so that
/// a refusal leaves everything as it was. The writes check again when they happen.
pub fn check_writable(path: &Path, options: WriteOptions) -> Result<(), IniError> {
    let target = resolve_target(path)?;
    check_target(&target, path, options).map(|_| ())
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
///
/// A `path` that exists but is not a regular file is refused ([`IniError::NotAFile`])
/// before anything is created, and so is a lock path that is not a regular file (a
/// symlink, a FIFO...).
pub fn lock_file(path: &Path) -> Result<FileLock, IniError> {
    let target = resolve_target(path)?;
    if let Existing::Other { file_type, .. } = probe(&target, path)? {
        return Err(not_a_file(path, &target, file_type, "lock"));
    }
    ensure_parent(&target)?;
    Ok(FileLock {
        _file: lock(&target)?,
    })
}

/// Refuses what a write with `options` may not replace, and returns the mode the new
/// file gets: the existing file's, or 0600 for a new one.
fn check_target(target: &Path, path: &Path, options: WriteOptions) -> Result<Mode, IniError> {
    let meta = match probe(target, path)? {
        Existing::Missing => return Ok(private_mode()),
        Existing::Regular(meta) => meta,
        Existing::Other { file_type, .. } => {
            return Err(not_a_file(path, target, file_type, "write"));
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o200 == 0 {
            return Err(IniError::ReadOnly {
                path: path.to_owned(),
                mode: Some(mode),
            });
        }
        if options.secrets && !options.force && mode & 0o077 != 0 {
            return Err(IniError::NotPrivate {
                path: path.to_owned(),
                mode,
            });
        }
        Ok(mode)
    }
    #[cfg(not(unix))]
    {
        // Windows has no mode bits: files inherit their directory's ACL, which keeps
        // them private in the user's profile, so only the read-only attribute is checked.
        let _ = options;
        if meta.permissions().readonly() {
            return Err(IniError::ReadOnly {
                path: path.to_owned(),
                mode: None,
            });
        }
        Ok(())
    }
}

#[cfg(unix)]
fn private_mode() -> Mode {
    0o600
}

#[cfg(not(unix))]
fn private_mode() -> Mode {}

/// Checks the target, then replaces it atomically; `mode` overrides the mode that
/// [`check_target`] keeps.
fn write_checked(
    target: &Path,
    path: &Path,
    bytes: &[u8],
    options: WriteOptions,
    mode: Option<Mode>,
) -> Result<(), IniError> {
    let kept = check_target(target, path, options)?;
    let dir = ensure_parent(target)?;
    let mode = mode.unwrap_or(kept);
    // tempfile creates the file with mode 0600 and O_EXCL under a fresh random name, so
    // secrets are never readable by others, even for the moment before the final mode
    // is set, and no existing file is ever opened.
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
///
/// The lock file must be a regular file: a symlink is not followed (it could make the
/// open create or truncate a file elsewhere), and a FIFO or device is refused without
/// waiting for it.
fn lock(target: &Path) -> Result<File, IniError> {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    let lock_path = target.with_file_name(name);
    let refuse = |file_type: &fs::FileType| IniError::NotAFile {
        path: lock_path.clone(),
        target: lock_path.clone(),
        file_type: type_name(file_type),
        action: "lock",
    };
    if let Ok(meta) = fs::symlink_metadata(&lock_path)
        && !meta.is_file()
    {
        return Err(refuse(&meta.file_type()));
    }
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        let flags = rustix::fs::OFlags::NOFOLLOW
            | rustix::fs::OFlags::NONBLOCK
            | rustix::fs::OFlags::NOCTTY;
        options.custom_flags(flags.bits() as i32);
    }
    let file = options
        .open(&lock_path)
        .map_err(IniError::io("opening lock file", &lock_path))?;
    let meta = file
        .metadata()
        .map_err(IniError::io("opening lock file", &lock_path))?;
    if !meta.is_file() {
        return Err(refuse(&meta.file_type()));
    }
    file.lock().map_err(IniError::io("locking", &lock_path))?;
    Ok(file)
}

#[cfg(unix)]
type Mode = u32;
#[cfg(not(unix))]
type Mode = ();

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
