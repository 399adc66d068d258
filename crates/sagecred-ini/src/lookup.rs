//! [`find_config_profile`]: one profile of the config file, read in chunks.
//!
//! `sagecred env` runs at every shell start and needs a single profile. Reading a large
//! config file into one buffer and indexing every line touches memory in proportion to
//! the file (some 900 fresh pages for a 10,000-profile file), and on small virtual
//! machines each first touch of a page costs more than parsing it. This reads through one
//! reused buffer instead and keeps only the lines of the profile asked for, while still
//! checking every line by the same [`LineReader`] as [`Document::parse`](crate::Document::parse),
//! so that a file is accepted or refused exactly as the full parse would.

use std::io::{self, Read};

use crate::AwsFiles;
use crate::document::{
    FileKind, LineClass, LineReader, Namespace, ParseError, Section, find_newline,
};
use crate::fs::{IniError, MAX_FILE_LEN, not_utf8, open_for_reading};

/// The read buffer's size: large enough that a 1.5 MB file takes a couple of dozen reads,
/// small enough to stay a few pages that are reused for every chunk.
const CHUNK_SIZE: usize = 64 * 1024;

/// The effective properties of profile `profile` in the config file at `files.config`,
/// exactly as `ProfileSet::load_config_only(files)?.profile(profile)` returns them, but
/// without holding the file or an index of it in memory.
///
/// Every line is checked, so a malformed file gives the same [`IniError::Parse`] (same
/// line, same message) as the full parse, and a file that is not UTF-8 the same
/// [`IniError::Io`]. A missing file gives `Ok(None)`. Duplicate sections merge with the
/// later property winning, and for `default` a `[profile default]` section, if any,
/// replaces every `[default]` one, as AWS reads them. The credentials file is never
/// opened.
///
/// ```
/// use sagecred_ini::{AwsFiles, find_config_profile};
///
/// let dir = tempfile::tempdir().unwrap();
/// let files = AwsFiles {
///     config: dir.path().join("config"),
///     credentials: dir.path().join("credentials"),
/// };
/// assert_eq!(find_config_profile(&files, "dev").unwrap(), None);
/// std::fs::write(&files.config, "[profile dev]\nregion = eu-west-1\n").unwrap();
/// let dev = find_config_profile(&files, "dev").unwrap().unwrap();
/// assert_eq!(dev.get("region"), Some("eu-west-1"));
/// ```
pub fn find_config_profile(files: &AwsFiles, profile: &str) -> Result<Option<Section>, IniError> {
    find_config_profile_chunked(files, profile, CHUNK_SIZE)
}

/// [`find_config_profile`] with a read buffer of `chunk_size` bytes (at least one).
///
/// Only for tests, which use tiny chunks so that lines, `\r\n` pairs and multi-byte
/// characters straddle chunk boundaries.
#[doc(hidden)]
pub fn find_config_profile_chunked(
    files: &AwsFiles,
    profile: &str,
    chunk_size: usize,
) -> Result<Option<Section>, IniError> {
    let path = files.config.as_path();
    // The same open as the full parse's, so that the same files are read or refused.
    let Some((file, _)) = open_for_reading(path, path)? else {
        return Ok(None);
    };
    let mut scanner = Scanner::new(profile);
    let mut reader = file.take(MAX_FILE_LEN + 1);
    read_lines(&mut reader, chunk_size.max(1), |line, terminated| {
        scanner.line(line, terminated);
    })
    .map_err(IniError::io("reading", path))?;
    // Only a device or a FIFO can get here with more than the limit; a regular file was
    // measured when it was opened.
    if scanner.bytes > MAX_FILE_LEN {
        return Err(IniError::TooLarge {
            path: path.to_owned(),
        });
    }
    scanner.finish().map_err(|source| IniError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Calls `on_line` with each line of `reader` without its `\n`, and whether a `\n`
/// ended it, reading `chunk_size` bytes at a time.
///
/// A line that straddles chunks is gathered in a second buffer, which grows only to the
/// longest such line; all other lines are passed straight from the read buffer. Text that
/// is not UTF-8 fails as `fs::read_to_string` fails, wherever it is.
fn read_lines(
    mut reader: impl Read,
    chunk_size: usize,
    mut on_line: impl FnMut(&str, bool),
) -> io::Result<()> {
    let mut chunk = vec![0; chunk_size];
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let data = &chunk[..n];
        let complete = data
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |nl| nl + 1);
        let (mut lines, rest) = data.split_at(complete);
        if !lines.is_empty() && !partial.is_empty() {
            let nl = find_newline(lines, 0).unwrap_or(lines.len() - 1);
            partial.extend_from_slice(&lines[..nl]);
            on_line(utf8(&partial)?, true);
            partial.clear();
            lines = &lines[nl + 1..];
        }
        // Lines end at `\n`, which is never part of a multi-byte character, so checking
        // all the complete lines of a chunk at once checks each of them; it is also much
        // cheaper than a check per line.
        let text = utf8(lines)?;
        let mut start = 0;
        while let Some(nl) = find_newline(text.as_bytes(), start) {
            on_line(&text[start..nl], true);
            start = nl + 1;
        }
        partial.extend_from_slice(rest);
    }
    if !partial.is_empty() {
        on_line(utf8(&partial)?, false);
    }
    Ok(())
}

/// `bytes` as text, or the error `fs::read_to_string` gives for text that is not UTF-8.
fn utf8(bytes: &[u8]) -> io::Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| not_utf8())
}

/// Which occurrence of the profile the current section is, if any.
#[derive(Clone, Copy)]
enum Target {
    /// `[profile NAME]`.
    Prefixed,
    /// `[default]`, read only when no `[profile default]` exists.
    Unprefixed,
}

/// The per-line work of [`find_config_profile`]: checks each line and merges the lines of
/// the profile's sections.
struct Scanner<'p> {
    profile: &'p str,
    reader: LineReader,
    /// Bytes seen, for the full parse's size limit.
    bytes: u64,
    /// The first syntax error. Reading goes on after it, since a file that is not UTF-8
    /// further on is reported as such by the full parse, whatever its syntax.
    error: Option<ParseError>,
    /// Where the current section's properties go.
    target: Option<Target>,
    /// The property that continuation lines extend, as [`Section::merge_property`] gave.
    current: Option<usize>,
    prefixed: Option<Section>,
    unprefixed: Option<Section>,
}

impl<'p> Scanner<'p> {
    fn new(profile: &'p str) -> Self {
        Scanner {
            profile,
            reader: LineReader::new(FileKind::Config),
            bytes: 0,
            error: None,
            target: None,
            current: None,
            prefixed: None,
            unprefixed: None,
        }
    }

    /// Reads one line, `terminated` if a `\n` ended it.
    fn line(&mut self, line: &str, terminated: bool) {
        self.bytes += line.len() as u64 + u64::from(terminated);
        if self.error.is_some() {
            return;
        }
        let class = match self.reader.read(line, terminated) {
            Ok((_, class)) => class,
            Err(err) => {
                self.error = Some(err);
                return;
            }
        };
        match class {
            LineClass::Header {
                ns: Namespace::Profile { prefixed },
                name,
            } if name == self.profile => {
                let (target, section) = if prefixed {
                    (Target::Prefixed, &mut self.prefixed)
                } else {
                    (Target::Unprefixed, &mut self.unprefixed)
                };
                // An occurrence counts even with no properties: the profile exists.
                section.get_or_insert_with(Section::default);
                self.target = Some(target);
                self.current = None;
            }
            LineClass::Header { .. } => self.target = None,
            LineClass::Property { key, value } => {
                if let Some(section) = self.section() {
                    self.current = section.merge_property(key, value);
                }
            }
            LineClass::Continuation { value, .. } => {
                if let Some(i) = self.current
                    && let Some(section) = self.section()
                {
                    section.continue_value(i, value);
                }
            }
            LineClass::Blank | LineClass::Comment => {}
        }
    }

    /// The section the current lines merge into, if they belong to the profile.
    fn section(&mut self) -> Option<&mut Section> {
        match self.target? {
            Target::Prefixed => self.prefixed.as_mut(),
            Target::Unprefixed => self.unprefixed.as_mut(),
        }
    }

    fn finish(self) -> Result<Option<Section>, ParseError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        // AWS ignores every `[default]` once a `[profile default]` exists; for any other
        // name only prefixed sections match at all.
        Ok(self.prefixed.or(self.unprefixed))
    }
}
