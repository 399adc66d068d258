//! [`Document`]: one AWS config or credentials file, parsed without losing a byte.
//!
//! The document keeps the file's text and, for each line, the byte ranges of what AWS's
//! parser reads from it (a header's section, a property's name and value, a continuation's
//! value). Reading a section merges those ranges on demand; editing rewrites only the lines
//! concerned and re-parses. No string is allocated per line while parsing, which keeps the
//! shell-start path of `sagecred env` fast on very large config files.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sagecred_core::REDACTED;

pub(crate) use crate::syntax::find_newline;
use crate::syntax::{
    PropertyError, WHITESPACE, is_identifier, is_secret_name, parse_property, strip_comment,
    trim_ws,
};

/// Which of the two AWS shared files a text comes from; the rules for section headers
/// differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The shared config file (`~/.aws/config`): `[default]`, `[profile NAME]`,
    /// `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// The shared credentials file (`~/.aws/credentials`): `[NAME]` only.
    Credentials,
}

/// Which section: in the config file `Profile("default")` is `[default]` (or
/// `[profile default]`), others `[profile NAME]`; in the credentials file `[NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionKey {
    /// A profile.
    Profile(String),
    /// An IAM Identity Center session, `[sso-session NAME]` (config file only).
    SsoSession(String),
    /// A service-specific settings block, `[services NAME]` (config file only).
    Services(String),
}

impl SectionKey {
    /// The section's name, without any prefix.
    pub fn name(&self) -> &str {
        match self {
            Self::Profile(name) | Self::SsoSession(name) | Self::Services(name) => name,
        }
    }

    /// The header that a new section for this key gets in a file of `kind`, such as
    /// `[profile dev]` or `[dev]`.
    pub fn header(&self, kind: FileKind) -> String {
        match (self, kind) {
            (Self::Profile(name), FileKind::Credentials) => format!("[{name}]"),
            (Self::Profile(name), FileKind::Config) if name == DEFAULT => "[default]".to_owned(),
            (Self::Profile(name), FileKind::Config) => format!("[profile {name}]"),
            (Self::SsoSession(name), _) => format!("[sso-session {name}]"),
            (Self::Services(name), _) => format!("[services {name}]"),
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Self::Profile(_) => "profile",
            Self::SsoSession(_) => "sso-session",
            Self::Services(_) => "services",
        }
    }
}

const DEFAULT: &str = "default";

/// A syntax error that makes AWS's parser reject the whole file.
///
/// Displays as `line N: what is wrong`. It says where and what kind of error it is, and
/// never quotes the file: a malformed line of a credentials file is as likely as any to
/// hold a key or a secret (a pasted `AKIA... wJalr...` pair, a secret on a line of its
/// own), so no text of the line, nor of the lines around it, is ever part of the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with the line.
    pub kind: SyntaxError,
}

/// The kinds of line that make AWS's parser reject a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// A property or an indented line before the first `[section]` header.
    #[error("a property comes before the first `[section]` header")]
    BeforeFirstSection,
    /// A line starting with `[` that has no `]` before its end or its comment.
    #[error("a section header needs a closing `]`{}", if *.comment_inside {
        " (`#` and `;` start a comment anywhere in a header)"
    } else {
        ""
    })]
    UnclosedHeader {
        /// Whether the line holds a `#` or `;`, which may have cut the header short.
        comment_inside: bool,
    },
    /// A line that is neither a header, a comment nor `name = value`.
    #[error("a property line needs `=` (`name = value`)")]
    NoEquals,
    /// A property line with nothing before its `=`.
    #[error("a property line needs a name before `=`")]
    NoName,
    /// An indented line that does not follow a property line.
    #[error(
        "an indented line continues no property (only a value may continue on an indented line)"
    )]
    OrphanIndentedLine,
    /// A line of a sub-property block (after `name =`) without `=`.
    #[error("a sub-property line needs `=` (`name = value`)")]
    SubPropertyNoEquals,
    /// A line of a sub-property block with nothing before its `=`.
    #[error("a sub-property line needs a name before `=`")]
    SubPropertyNoName,
    /// The text is larger than the parser's index can address (4 GiB).
    #[error("the file is larger than 4 GiB, too large to be a profile file")]
    TooLarge,
}

/// The longest value, in bytes, that [`Document::try_set`] writes.
///
/// The longest values sagecred writes are session tokens (some 1 to 2 KB today; STS
/// documents no maximum) and `credential_process` lines, which hold an absolute path
/// (at most 4 KiB on Linux). 8 KiB leaves room for both and refuses the megabytes that
/// would only come from a mistake or an attack.
pub const MAX_VALUE_LEN: usize = 8 * 1024;

/// The longest section or property name, in bytes, that [`Document::try_set`] writes.
pub const MAX_NAME_LEN: usize = 256;

/// Why an edit was refused: what it would write could not be read back as intended.
///
/// Messages name the section or property but never quote a value, since values may be
/// secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// A section or property name that AWS would ignore, or one longer than
    /// [`MAX_NAME_LEN`].
    #[error("`{name}` is not a valid {what} name: use 1 to 256 ASCII letters, digits and _-/.%@:+")]
    InvalidName {
        /// What the name is for: "profile", "sso-session", "services" or "property".
        what: &'static str,
        /// The refused name, with control characters escaped and cut to 64 characters.
        name: String,
    },
    /// A value that AWS would read back differently (cut at a comment, trimmed, split).
    #[error("the value for `{name}` cannot be written to an AWS profile file: it {reason}")]
    InvalidValue {
        /// The property the value was meant for.
        name: String,
        /// Why, in words.
        reason: &'static str,
    },
    /// A value longer than [`MAX_VALUE_LEN`].
    #[error(
        "the value for `{name}` is {len} bytes long; AWS profile files take values of at most \
         {max} bytes"
    )]
    ValueTooLong {
        /// The property the value was meant for.
        name: String,
        /// The value's length in bytes.
        len: usize,
        /// The limit, [`MAX_VALUE_LEN`].
        max: usize,
    },
    /// An `[sso-session]` or `[services]` section asked of the credentials file, where
    /// AWS ignores them.
    #[error("`[{what} ...]` sections belong in the config file, not the credentials file")]
    WrongFile {
        /// The kind of section.
        what: &'static str,
    },
}

/// What a header line's section is, after AWS's normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// A profile; `prefixed` tells `[profile default]` from `[default]` in the config file.
    Profile {
        prefixed: bool,
    },
    SsoSession,
    Services,
    /// A section AWS ignores (bad name, missing prefix, unknown prefix, wrong file).
    Ignored,
}

/// A byte range of the text. Offsets are `u32` to halve the index's memory, which a
/// 10,000-profile config fills with some 50,000 lines; files over 4 GiB are refused.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        // `index_lines` refuses texts whose offsets do not fit.
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    fn start(self) -> usize {
        self.start as usize
    }

    fn end(self) -> usize {
        self.end as usize
    }

    fn is_empty(self) -> bool {
        self.start == self.end
    }
}

#[derive(Debug, Clone, Copy)]
enum LineKind {
    Blank,
    Comment,
    Header { ns: Namespace, name: Span },
    Property { key: Span, value: Span },
    Continuation { value: Span, owner: u32 },
}

/// One line: where it starts, where its content ends (before `\r\n` or `\n`), and where
/// the next line starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: u32,
    content_end: u32,
    end: u32,
    kind: LineKind,
}

impl Line {
    /// The line without its terminator.
    fn content(&self) -> std::ops::Range<usize> {
        self.start as usize..self.content_end as usize
    }

    /// The terminator: `\r\n`, `\n`, or nothing on a last line.
    fn eol(&self) -> std::ops::Range<usize> {
        self.content_end as usize..self.end as usize
    }
}

/// A header line and the lines that follow it up to the next header.
#[derive(Debug, Clone, Copy)]
struct Run {
    header: usize,
    end: usize,
}

/// A parsed file that keeps every byte: `to_string()` of an unedited document is
/// byte-identical to the input (CRLF, a missing final newline, a BOM, comments, blank
/// lines, indentation, unknown keys and sections that AWS ignores all survive).
///
/// ```
/// use sagecred_ini::{Document, FileKind, SectionKey};
///
/// let text = "# mine\r\n[profile dev]\r\nregion = eu-west-1 ; note\r\n";
/// let mut doc = Document::parse(text, FileKind::Config).unwrap();
/// assert_eq!(doc.to_string(), text);
///
/// let dev = SectionKey::Profile("dev".into());
/// assert_eq!(doc.section(&dev).unwrap().get("region"), Some("eu-west-1"));
/// assert!(doc.set(&dev, "region", "us-east-1"));
/// assert_eq!(doc.render(), "# mine\r\n[profile dev]\r\nregion = us-east-1 ; note\r\n");
/// ```
#[derive(Clone)]
pub struct Document {
    text: String,
    kind: FileKind,
    lines: Vec<Line>,
    runs: Vec<Run>,
    index: SectionIndex,
}

/// A lookup table from section to runs, built on the second lookup.
///
/// One lookup (the `sagecred env` hot path) is cheapest as a plain scan, but a caller
/// that looks up every profile in turn (`sagecred profiles`) would otherwise take time
/// quadratic in the number of profiles.
#[derive(Default)]
struct SectionIndex {
    lookups: AtomicU32,
    /// `(hash of the section, run index)`, sorted, so that equal hashes list their runs
    /// in file order.
    table: OnceLock<Vec<(u64, u32)>>,
}

impl Clone for SectionIndex {
    fn clone(&self) -> Self {
        // The index is a cache; a clone rebuilds its own when it needs one.
        SectionIndex::default()
    }
}

/// The hash under which a section is indexed: its namespace and its name.
fn section_hash(namespace: u8, name: &str) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write_u8(namespace);
    hasher.write(name.as_bytes());
    hasher.finish()
}

fn key_namespace(key: &SectionKey) -> u8 {
    match key {
        SectionKey::Profile(_) => 0,
        SectionKey::SsoSession(_) => 1,
        SectionKey::Services(_) => 2,
    }
}

const BOM: &str = "\u{feff}";

impl Document {
    /// Parses `text` as a file of `kind`, by AWS's rules.
    ///
    /// Errors are the ones AWS's parser rejects a file for: a property or indented line
    /// before any section, a line without `=`, a property without a name, a header
    /// without `]`, an indented line with no property to continue, and a bad line in a
    /// sub-property block. Invalid section and property names are not errors: AWS
    /// ignores them, and so does [`Document::section`]. A leading byte-order mark is
    /// kept but not read as content.
    pub fn parse(text: &str, kind: FileKind) -> Result<Document, ParseError> {
        Self::parse_owned(text.to_owned(), kind)
    }

    /// [`Document::parse`] without copying the text: for a file just read.
    pub(crate) fn parse_owned(text: String, kind: FileKind) -> Result<Document, ParseError> {
        let (lines, runs) = index_lines(&text, kind)?;
        Ok(Document {
            text,
            kind,
            lines,
            runs,
            index: SectionIndex::default(),
        })
    }

    /// The file's bytes, with any edits applied.
    pub fn render(&self) -> String {
        self.text.clone()
    }

    /// The file's text, with any edits applied, without copying it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which file this document was parsed as.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The effective, merged properties of one section in this file: duplicate sections
    /// merge, a later property overrides an earlier one, property names compare without
    /// regard to ASCII case, invalid property names are ignored, and in the config file
    /// `[profile default]` replaces `[default]` entirely when both exist.
    ///
    /// `None` when the file has no valid section for `key`.
    pub fn section(&self, key: &SectionKey) -> Option<Section> {
        let runs = self.effective_runs(key);
        if runs.is_empty() {
            return None;
        }
        let mut section = Section::default();
        for run in runs {
            self.merge_run(run, &mut section);
        }
        Some(section)
    }

    /// The profile names defined in this file (valid ones only, by AWS's rules), in
    /// first-appearance order, without duplicates.
    pub fn profile_names(&self) -> Vec<String> {
        let mut seen = HashSet::with_capacity_and_hasher(self.runs.len(), FastHash::default());
        let mut names = Vec::new();
        for run in &self.runs {
            if let LineKind::Header {
                ns: Namespace::Profile { .. },
                name,
            } = self.lines[run.header].kind
            {
                let name = self.slice(name);
                if seen.insert(name) {
                    names.push(name.to_owned());
                }
            }
        }
        names
    }

    /// The `[sso-session NAME]` names in this file, in first-appearance order, without
    /// duplicates.
    pub fn sso_session_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for run in &self.runs {
            if let LineKind::Header {
                ns: Namespace::SsoSession,
                name,
            } = self.lines[run.header].kind
            {
                let name = self.slice(name);
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_owned());
                }
            }
        }
        names
    }

    /// Sets `name = value` in the section, changing only the lines that must change.
    ///
    /// Returns whether anything changed. See [`Document::try_set`] for the rules; this is
    /// the same for names and values known to be valid.
    ///
    /// # Panics
    ///
    /// When [`Document::try_set`] would return an error: an invalid section or property
    /// name, a value AWS would read back differently (a line break or another control
    /// character, leading or trailing whitespace, ` #` or ` ;`), a value longer than
    /// [`MAX_VALUE_LEN`], or an sso-session or services section in the credentials file.
    /// Use `try_set` for values that come from users.
    pub fn set(&mut self, key: &SectionKey, name: &str, value: &str) -> bool {
        match self.try_set(key, name, value) {
            Ok(changed) => changed,
            Err(err) => panic!("invalid profile file edit: {err}"),
        }
    }

    /// Sets `name = value` in the section, changing only the lines that must change.
    ///
    /// * If a line provides the effective value, its value is replaced in place,
    ///   keeping the name's spelling, the spacing around `=` and any trailing comment;
    ///   the old value's continuation lines go with it.
    /// * Otherwise `name = value` is inserted after the last property of the last
    ///   occurrence of the section, or right after its header when it has none.
    /// * Otherwise a new section is appended at the end of the file, after a blank
    ///   line, in the file's newline style.
    ///
    /// Returns whether anything changed, or an [`EditError`] if the name or value could
    /// not be written so that AWS reads it back unchanged, or is longer than
    /// [`MAX_NAME_LEN`] or [`MAX_VALUE_LEN`]. Errors never quote the value.
    pub fn try_set(
        &mut self,
        key: &SectionKey,
        name: &str,
        value: &str,
    ) -> Result<bool, EditError> {
        self.check_key(key)?;
        check_name("property", name)?;
        check_value(name, value)?;

        let runs = self.effective_runs(key);
        let provider = runs
            .iter()
            .rev()
            .flat_map(|run| (run.header + 1..run.end).rev())
            .find(|&i| self.property_named(i, name));

        if let Some(index) = provider {
            let line = self.lines[index];
            let LineKind::Property { key: k, value: v } = line.kind else {
                unreachable!("the provider is a property line")
            };
            let continuations = self.continuations_of(index);
            if self.slice(v) == value && continuations.is_empty() {
                return Ok(false);
            }
            let mut content = self.text[line.start as usize..v.start()].to_owned();
            let suffix = &self.text[v.end()..line.content_end as usize];
            if !value.is_empty() {
                // `name =` had no value: give the new one the space the file puts
                // before `=`, so that `s3 =` becomes `s3 = x` rather than `s3 =x`.
                let before_eq = &self.text[k.end()..v.start()];
                if content.ends_with('=') && before_eq.starts_with(WHITESPACE) {
                    content.push(' ');
                }
            }
            content.push_str(value);
            if !suffix.is_empty() {
                // A comment after a value only counts as one after whitespace.
                if !value.is_empty() && !suffix.starts_with(char::is_whitespace) {
                    content.push(' ');
                }
                content.push_str(suffix);
            }
            check_round_trip(&content, name, value)?;
            let mut edits = vec![(index, LineEdit::Replace(content))];
            edits.extend(continuations.into_iter().map(|i| (i, LineEdit::Delete)));
            return Ok(self.apply(edits));
        }

        let new_line = self.property_line(name, value);
        check_round_trip(&new_line, name, value)?;
        if let Some(run) = runs.last() {
            let anchor = (run.header + 1..run.end)
                .rev()
                .find(|&i| {
                    matches!(
                        self.lines[i].kind,
                        LineKind::Property { .. } | LineKind::Continuation { .. }
                    )
                })
                .unwrap_or(run.header);
            return Ok(self.apply(vec![(anchor, LineEdit::InsertAfter(new_line))]));
        }

        let newline = self.newline();
        let mut text = self.text.clone();
        let has_content = !self.text.trim_start_matches(BOM).is_empty();
        if has_content {
            if !text.ends_with('\n') {
                text.push_str(newline);
            }
            // A blank last line already separates the new section from the content.
            let last_is_blank = self
                .lines
                .last()
                .is_some_and(|line| matches!(line.kind, LineKind::Blank));
            if !last_is_blank {
                text.push_str(newline);
            }
        }
        text.push_str(&key.header(self.kind));
        text.push_str(newline);
        text.push_str(&new_line);
        text.push_str(newline);
        self.replace_text(text);
        Ok(true)
    }

    /// Removes every line defining `name` in every occurrence of the section, with the
    /// indented continuation or sub-property lines that belong to it. Comments and blank
    /// lines stay. Returns whether anything changed.
    pub fn remove(&mut self, key: &SectionKey, name: &str) -> bool {
        let mut edits = Vec::new();
        for run in self.matching_runs(key) {
            let mut removing = false;
            for i in run.header + 1..run.end {
                match self.lines[i].kind {
                    LineKind::Property { .. } => {
                        removing = self.property_named(i, name);
                        if removing {
                            edits.push((i, LineEdit::Delete));
                        }
                    }
                    LineKind::Continuation { .. } if removing => {
                        edits.push((i, LineEdit::Delete));
                    }
                    _ => {}
                }
            }
        }
        self.apply(edits)
    }

    /// Removes every occurrence of the section: the lines it owns, and nothing else.
    ///
    /// A section owns its header, the comment block directly above the header (comment
    /// lines with no blank line between them and the header), and every line after the
    /// header up to the next header's own comment block. A comment block at the top of
    /// the file, above the first header, belongs to the file and stays. So removing
    /// `[a]` from
    ///
    /// ```text
    /// # about a
    /// [a]
    /// k = v
    ///
    /// # about b
    /// [b]
    /// ```
    ///
    /// deletes the first four lines and keeps `# about b` with `[b]`. In the config file,
    /// `Profile("default")` removes both `[default]` and `[profile default]`. Returns
    /// whether anything changed.
    pub fn remove_section(&mut self, key: &SectionKey) -> bool {
        let edits = self
            .matching_runs(key)
            .into_iter()
            .flat_map(|run| self.comments_above(run.header)..self.body_end(run))
            .map(|i| (i, LineEdit::Delete))
            .collect();
        self.apply(edits)
    }

    /// Removes every occurrence of the section's header and body, keeping the comment
    /// block above each header. This is what dropping a section that an edit left bare
    /// needs: after its properties went, a comment that sat between them and the next
    /// header looks like that header's own block, and must not be taken with it. Nothing
    /// the user wrote is lost. Returns whether anything changed.
    pub fn remove_bare_section(&mut self, key: &SectionKey) -> bool {
        let edits = self
            .matching_runs(key)
            .into_iter()
            .flat_map(|run| run.header..self.body_end(run))
            .map(|i| (i, LineEdit::Delete))
            .collect();
        self.apply(edits)
    }

    /// Whether every occurrence of the section holds nothing but blank lines: no
    /// property, no comment, not even an ignored one. The comment block of the next
    /// header belongs to that header and does not count.
    pub(crate) fn section_is_bare(&self, key: &SectionKey) -> bool {
        self.matching_runs(key).into_iter().all(|run| {
            (run.header + 1..self.body_end(run))
                .all(|i| matches!(self.lines[i].kind, LineKind::Blank))
        })
    }

    /// The first line of the comment block that belongs to the header on line `header`:
    /// the comment lines directly above it, with no blank line between. Returns `header`
    /// itself when there is no such block, or when the block is above the file's first
    /// header, where it belongs to the file.
    fn comments_above(&self, header: usize) -> usize {
        let mut start = header;
        while start > 0 && matches!(self.lines[start - 1].kind, LineKind::Comment) {
            start -= 1;
        }
        let first_header = self.runs.first().map_or(header, |run| run.header);
        if header == first_header {
            header
        } else {
            start
        }
    }

    /// Where the lines a run owns end: at the next header's own comment block, or at the
    /// end of the file.
    fn body_end(&self, run: Run) -> usize {
        if run.end < self.lines.len() {
            self.comments_above(run.end)
        } else {
            run.end
        }
    }

    fn slice(&self, span: Span) -> &str {
        &self.text[span.start()..span.end()]
    }

    fn check_key(&self, key: &SectionKey) -> Result<(), EditError> {
        check_name(key.what(), key.name())?;
        if self.kind == FileKind::Credentials && !matches!(key, SectionKey::Profile(_)) {
            return Err(EditError::WrongFile { what: key.what() });
        }
        Ok(())
    }

    /// Whether line `index` is a property line named `name` (ASCII case-insensitively).
    fn property_named(&self, index: usize, name: &str) -> bool {
        match self.lines[index].kind {
            LineKind::Property { key, .. } => self.slice(key).eq_ignore_ascii_case(name),
            _ => false,
        }
    }

    fn continuations_of(&self, owner_index: usize) -> Vec<usize> {
        let mut found = Vec::new();
        for (i, line) in self.lines.iter().enumerate().skip(owner_index + 1) {
            match line.kind {
                LineKind::Continuation { owner, .. } if owner as usize == owner_index => {
                    found.push(i)
                }
                LineKind::Property { .. } | LineKind::Header { .. } => break,
                _ => {}
            }
        }
        found
    }

    /// Whether run `run` is an occurrence of `key`, and if it is a profile, whether its
    /// header had the `profile` prefix.
    fn run_matches(&self, run: &Run, key: &SectionKey) -> Option<bool> {
        let LineKind::Header { ns, name } = self.lines[run.header].kind else {
            return None;
        };
        let prefixed = match (ns, key) {
            (Namespace::Profile { prefixed }, SectionKey::Profile(_)) => prefixed,
            (Namespace::SsoSession, SectionKey::SsoSession(_))
            | (Namespace::Services, SectionKey::Services(_)) => false,
            _ => return None,
        };
        (self.slice(name) == key.name()).then_some(prefixed)
    }

    /// Every occurrence of the section, whether AWS reads it or not.
    fn matching_runs(&self, key: &SectionKey) -> Vec<Run> {
        self.candidate_runs(key)
            .into_iter()
            .filter(|run| self.run_matches(run, key).is_some())
            .collect()
    }

    /// The runs that may be occurrences of `key`: all of them on the first lookup, and
    /// from then on only those the index lists under the key's hash.
    fn candidate_runs(&self, key: &SectionKey) -> Vec<Run> {
        let table = match self.index.table.get() {
            Some(table) => table,
            None if self.index.lookups.fetch_add(1, Ordering::Relaxed) == 0 => {
                return self.runs.clone();
            }
            None => self.index.table.get_or_init(|| self.build_index()),
        };
        let hash = section_hash(key_namespace(key), key.name());
        let from = table.partition_point(|&(h, _)| h < hash);
        table[from..]
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, run)| self.runs[run as usize])
            .collect()
    }

    fn build_index(&self) -> Vec<(u64, u32)> {
        let mut table: Vec<(u64, u32)> = self
            .runs
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let LineKind::Header { ns, name } = self.lines[run.header].kind else {
                    return None;
                };
                let namespace = match ns {
                    Namespace::Profile { .. } => 0,
                    Namespace::SsoSession => 1,
                    Namespace::Services => 2,
                    Namespace::Ignored => return None,
                };
                Some((section_hash(namespace, self.slice(name)), i as u32))
            })
            .collect();
        table.sort_unstable();
        table
    }

    /// The occurrences of the section that AWS reads: in the config file, when any
    /// `[profile default]` exists, every `[default]` is ignored.
    fn effective_runs(&self, key: &SectionKey) -> Vec<Run> {
        let mut runs = Vec::new();
        let mut any_prefixed = false;
        for run in self.candidate_runs(key) {
            if let Some(prefixed) = self.run_matches(&run, key) {
                any_prefixed |= prefixed;
                runs.push((run, prefixed));
            }
        }
        runs.into_iter()
            .filter(|&(_, prefixed)| prefixed || !any_prefixed)
            .map(|(run, _)| run)
            .collect()
    }

    fn merge_run(&self, run: Run, section: &mut Section) {
        let mut current = None;
        for line in &self.lines[run.header + 1..run.end] {
            match line.kind {
                LineKind::Property { key, value } => {
                    current = section.merge_property(self.slice(key), self.slice(value));
                }
                LineKind::Continuation { value, .. } => {
                    if let Some(i) = current {
                        section.continue_value(i, self.slice(value));
                    }
                }
                _ => {}
            }
        }
    }

    /// The file's newline: that of its first line, or `\n` for a file with none.
    fn newline(&self) -> &'static str {
        match self
            .lines
            .iter()
            .map(|line| &self.text[line.eol()])
            .find(|eol| !eol.is_empty())
        {
            Some("\r\n") => "\r\n",
            _ => "\n",
        }
    }

    /// A new `name = value` line, spaced like the file's last property with a value.
    fn property_line(&self, name: &str, value: &str) -> String {
        let separator = self
            .lines
            .iter()
            .rev()
            .find_map(|line| match line.kind {
                LineKind::Property { key, value } if !value.is_empty() => {
                    Some(&self.text[key.end()..value.start()])
                }
                _ => None,
            })
            .unwrap_or(" = ");
        if value.is_empty() {
            format!("{name}{}", separator.trim_end_matches(WHITESPACE))
        } else {
            format!("{name}{separator}{value}")
        }
    }

    /// Rewrites the text line by line and re-parses it. Returns whether it changed.
    fn apply(&mut self, mut edits: Vec<(usize, LineEdit)>) -> bool {
        if edits.is_empty() {
            return false;
        }
        edits.sort_by_key(|&(i, _)| i);
        let newline = self.newline();
        let mut text = String::with_capacity(self.text.len() + 128);
        let mut pending = edits.into_iter().peekable();
        for (i, line) in self.lines.iter().enumerate() {
            let mut delete = false;
            let mut replacement = None;
            let mut insert = None;
            while let Some((_, edit)) = pending.next_if(|&(at, _)| at == i) {
                match edit {
                    LineEdit::Delete => delete = true,
                    LineEdit::Replace(content) => replacement = Some(content),
                    LineEdit::InsertAfter(content) => insert = Some(content),
                }
            }
            if delete {
                // The byte-order mark belongs to the file, not to its first line.
                if line.start == 0 && self.text.starts_with(BOM) {
                    text.push_str(BOM);
                }
                continue;
            }
            match &replacement {
                Some(content) => text.push_str(content),
                None => text.push_str(&self.text[line.content()]),
            }
            let eol = &self.text[line.eol()];
            match insert {
                Some(content) if eol.is_empty() => {
                    // The anchor was the last line and had no newline: the new line
                    // takes over that role.
                    text.push_str(newline);
                    text.push_str(&content);
                }
                Some(content) => {
                    text.push_str(eol);
                    text.push_str(&content);
                    text.push_str(eol);
                }
                None => text.push_str(eol),
            }
        }
        if text == self.text {
            return false;
        }
        self.replace_text(text);
        true
    }

    fn replace_text(&mut self, text: String) {
        // Every edit keeps each property's continuation lines with it and never writes a
        // line that reads back differently, so the result always parses.
        *self = Document::parse(&text, self.kind).expect("an edited profile file re-parses");
    }
}

/// FNV-1a: profile names are short and come from the user's own file, so a fast
/// non-keyed hash beats SipHash here without any denial-of-service concern.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastHash = BuildHasherDefault<Fnv>;

/// One change to one line, as [`Document::apply`] performs it.
enum LineEdit {
    Delete,
    Replace(String),
    InsertAfter(String),
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Document {
    /// Shows the shape only: the text of a credentials file is secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("bytes", &self.text.len())
            .field("lines", &self.lines.len())
            .field("sections", &self.runs.len())
            .finish()
    }
}

/// Splits `text` into classified lines and section runs, or reports its first syntax
/// error.
fn index_lines(text: &str, kind: FileKind) -> Result<(Vec<Line>, Vec<Run>), ParseError> {
    if u32::try_from(text.len()).is_err() {
        return Err(too_large());
    }
    let bytes = text.as_bytes();
    // Most real lines are 15 to 60 bytes long; this avoids most regrowth.
    let mut lines = Vec::with_capacity(text.len() / 20 + 1);
    let mut runs: Vec<Run> = Vec::new();
    let mut reader = LineReader::new(kind);
    let span = |part: &str| {
        let start = crate::syntax::offset_in(text, part);
        Span::new(start, start + part.len())
    };
    let mut start = 0;
    while start < text.len() {
        let (line_end, end, terminated) = match find_newline(bytes, start) {
            Some(nl) => (nl, nl + 1, true),
            None => (text.len(), text.len(), false),
        };
        let index = lines.len();
        let (content, class) = reader.read(&text[start..line_end], terminated)?;
        let kind = match class {
            LineClass::Blank => LineKind::Blank,
            LineClass::Comment => LineKind::Comment,
            LineClass::Header { ns, name } => {
                if let Some(last) = runs.last_mut() {
                    last.end = index;
                }
                runs.push(Run {
                    header: index,
                    end: index + 1,
                });
                LineKind::Header {
                    ns,
                    name: span(name),
                }
            }
            LineClass::Property { key, value } => LineKind::Property {
                key: span(key),
                value: span(value),
            },
            LineClass::Continuation { value, owner } => LineKind::Continuation {
                value: span(value),
                owner: owner as u32,
            },
        };
        let content = span(content);
        lines.push(Line {
            start: start as u32,
            content_end: content.end,
            end: end as u32,
            kind,
        });
        start = end;
    }
    if let Some(last) = runs.last_mut() {
        last.end = lines.len();
    }
    Ok((lines, runs))
}

/// The error for a text whose offsets do not fit the index's `u32` spans.
pub(crate) fn too_large() -> ParseError {
    ParseError {
        line: 1,
        kind: SyntaxError::TooLarge,
    }
}

/// What one line is, as AWS's parser reads it, as slices of the line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LineClass<'a> {
    Blank,
    Comment,
    /// A section header; `name` is the section's name without any prefix.
    Header {
        ns: Namespace,
        name: &'a str,
    },
    /// `key = value`, both trimmed, the value without its comment.
    Property {
        key: &'a str,
        value: &'a str,
    },
    /// An indented line that continues the property on line index `owner` (0-based):
    /// a further line of its value, or a sub-property when its value was empty.
    Continuation {
        value: &'a str,
        owner: usize,
    },
}

/// Parser state between lines, as in AWS's parser.
#[derive(Debug, Clone, Copy)]
enum State {
    BeforeFirstSection,
    InSection {
        /// The property line that indented lines continue: its 0-based index, and
        /// whether it opened a sub-property block (its value was empty).
        property: Option<(usize, bool)>,
    },
}

/// AWS's line grammar as a state machine fed one line at a time.
///
/// This is the single implementation of the rules: [`Document::parse`] feeds it slices of
/// a whole text, and [`crate::find_config_profile`] feeds it lines read in chunks, so the
/// two accept the same files and report the same first error. It remembers nothing of
/// earlier lines but their shape, which lets the streaming reader forget their text.
#[derive(Debug, Clone)]
pub(crate) struct LineReader {
    kind: FileKind,
    /// The 0-based index of the next line.
    index: usize,
    state: State,
}

impl LineReader {
    pub(crate) fn new(kind: FileKind) -> LineReader {
        LineReader {
            kind,
            index: 0,
            state: State::BeforeFirstSection,
        }
    }

    /// Reads the next line: `line` is its text up to but excluding its `\n`, and
    /// `terminated` says whether a `\n` followed (only the file's last line may lack one).
    ///
    /// Returns the line's content, without a `\r` before the `\n` and without a leading
    /// byte-order mark on the first line, and what AWS reads in it; or the line's syntax
    /// error.
    pub(crate) fn read<'a>(
        &mut self,
        line: &'a str,
        terminated: bool,
    ) -> Result<(&'a str, LineClass<'a>), ParseError> {
        let index = self.index;
        self.index += 1;
        let mut content = line;
        if terminated {
            content = content.strip_suffix('\r').unwrap_or(content);
        }
        if index == 0 {
            content = content.strip_prefix(BOM).unwrap_or(content);
        }
        let class = classify_line(content, index, self.kind, &mut self.state)?;
        Ok((content, class))
    }
}

/// Classifies one line (`content` has no line terminator and no byte-order mark) and
/// advances the parser state, or reports the line's syntax error.
///
/// Errors carry the line number and the kind of error only: nothing of the line.
fn classify_line<'a>(
    content: &'a str,
    index: usize,
    kind: FileKind,
    state: &mut State,
) -> Result<LineClass<'a>, ParseError> {
    let error = |kind: SyntaxError| ParseError {
        line: index + 1,
        kind,
    };

    // Only a line that starts with a space or tab (or is empty) can be blank; checking
    // the first byte first spares most lines a trim.
    let starts_with_whitespace = content.starts_with(WHITESPACE);
    if content.is_empty() || (starts_with_whitespace && trim_ws(content).is_empty()) {
        return Ok(LineClass::Blank);
    }
    if content.starts_with(['#', ';']) {
        return Ok(LineClass::Comment);
    }
    if content.starts_with('[') {
        let header = strip_comment(content, false);
        let Some(inner) = header.strip_prefix('[').and_then(|h| h.strip_suffix(']')) else {
            return Err(error(SyntaxError::UnclosedHeader {
                comment_inside: content.contains(['#', ';']),
            }));
        };
        let (ns, name) = classify_header(inner, kind);
        *state = State::InSection { property: None };
        return Ok(LineClass::Header { ns, name });
    }
    let State::InSection { property } = *state else {
        return Err(error(SyntaxError::BeforeFirstSection));
    };
    if starts_with_whitespace {
        let Some((owner, sub_block)) = property else {
            return Err(error(SyntaxError::OrphanIndentedLine));
        };
        if sub_block {
            match parse_property(content) {
                Ok(_) => {}
                Err(PropertyError::NoEquals) => {
                    return Err(error(SyntaxError::SubPropertyNoEquals));
                }
                Err(PropertyError::NoName) => return Err(error(SyntaxError::SubPropertyNoName)),
            }
        }
        return Ok(LineClass::Continuation {
            value: trim_ws(content),
            owner,
        });
    }
    match parse_property(content) {
        Ok(parts) => {
            let value = &content[parts.value.0..parts.value.1];
            *state = State::InSection {
                property: Some((index, value.is_empty())),
            };
            Ok(LineClass::Property {
                key: &content[parts.key.0..parts.key.1],
                value,
            })
        }
        Err(PropertyError::NoEquals) => Err(error(SyntaxError::NoEquals)),
        Err(PropertyError::NoName) => Err(error(SyntaxError::NoName)),
    }
}

/// Splits a header's inside into what AWS reads: the section kind and its name.
fn classify_header(inner: &str, kind: FileKind) -> (Namespace, &str) {
    let inner = trim_ws(inner);
    // `split_once(WHITESPACE)`, as a byte search: both separators are ASCII.
    let split = inner
        .bytes()
        .position(|b| b == b' ' || b == b'\t')
        .map(|i| (&inner[..i], &inner[i + 1..]));
    match split {
        Some((prefix, suffix)) => {
            let prefix = prefix.trim();
            let suffix = suffix.trim();
            let ns = match (kind, prefix) {
                (FileKind::Credentials, _) => Namespace::Ignored,
                _ if !is_identifier(suffix) => Namespace::Ignored,
                (FileKind::Config, "profile") => Namespace::Profile { prefixed: true },
                (FileKind::Config, "sso-session") => Namespace::SsoSession,
                (FileKind::Config, "services") => Namespace::Services,
                (FileKind::Config, _) => Namespace::Ignored,
            };
            (ns, suffix)
        }
        None => {
            let name = inner.trim();
            let ns = match kind {
                FileKind::Config if name == DEFAULT => Namespace::Profile { prefixed: false },
                FileKind::Credentials if is_identifier(name) => {
                    Namespace::Profile { prefixed: false }
                }
                _ => Namespace::Ignored,
            };
            (ns, name)
        }
    }
}

/// Refuses names that AWS would ignore, and overlong ones.
fn check_name(what: &'static str, name: &str) -> Result<(), EditError> {
    if is_identifier(name) && name.len() <= MAX_NAME_LEN {
        return Ok(());
    }
    const SHOWN: usize = 64;
    let mut shown: String = name
        .chars()
        .take(SHOWN)
        .collect::<String>()
        .escape_debug()
        .to_string();
    if name.chars().nth(SHOWN).is_some() {
        shown.push_str("...");
    }
    Err(EditError::InvalidName { what, name: shown })
}

/// Refuses values that AWS would not read back as written, and overlong ones.
///
/// `name` has passed [`check_name`], so errors may quote it; they never quote `value`.
fn check_value(name: &str, value: &str) -> Result<(), EditError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(EditError::ValueTooLong {
            name: name.to_owned(),
            len: value.len(),
            max: MAX_VALUE_LEN,
        });
    }
    let invalid = |reason| {
        Err(EditError::InvalidValue {
            name: name.to_owned(),
            reason,
        })
    };
    // U+2028 and U+2029 are not control characters, but editors and terminals may break
    // lines at them.
    if value
        .chars()
        .any(|c| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return invalid("contains a line break or another control character");
    }
    if value.starts_with(WHITESPACE) || value.ends_with(WHITESPACE) {
        return invalid("starts or ends with a space or tab, which AWS trims away");
    }
    if value.starts_with(['#', ';']) {
        return invalid("starts with `#` or `;`, which AWS reads as a comment");
    }
    let mut prev_whitespace = false;
    for c in value.chars() {
        if (c == '#' || c == ';') && prev_whitespace {
            return invalid(
                "has whitespace before a `#` or `;`, which AWS reads as the start of a comment",
            );
        }
        prev_whitespace = c.is_whitespace();
    }
    Ok(())
}

/// Checks that a line about to be written reads back as `name = value`.
fn check_round_trip(line: &str, name: &str, value: &str) -> Result<(), EditError> {
    match parse_property(line) {
        Ok(parts)
            if line[parts.key.0..parts.key.1].eq_ignore_ascii_case(name)
                && &line[parts.value.0..parts.value.1] == value
                && !line.starts_with(WHITESPACE) =>
        {
            Ok(())
        }
        _ => Err(EditError::InvalidValue {
            name: name.to_owned(),
            reason: "would not read back as written",
        }),
    }
}

/// The effective properties of a section after merging, in first-appearance order.
///
/// Property names are stored lower-cased and compared without regard to ASCII case, as
/// AWS does. `Debug` hides the values of properties whose names suggest secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Section {
    properties: Vec<(String, String)>,
}

impl sagecred_core::ProfileSettings for Section {
    fn setting(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

impl Section {
    /// The value of property `name`. A multi-line value has its continuation lines joined
    /// with `\n`; a sub-property block's value starts with `\n`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The value of `sub` inside the sub-property block of `name`, as in
    /// `s3 =\n  max_concurrent_requests = 10`. The last definition wins.
    pub fn sub_property(&self, name: &str, sub: &str) -> Option<&str> {
        let block = self.get(name)?.strip_prefix('\n')?;
        block
            .split('\n')
            .rev()
            .filter_map(|line| line.split_once('='))
            .find(|(key, _)| trim_ws(key) == sub)
            .map(|(_, value)| trim_ws(value))
    }

    /// The properties as `(name, value)`, names lower-cased, in first-appearance order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// Sets a property, keeping its first position; returns its index.
    fn insert(&mut self, name: &str, value: String) -> usize {
        match self
            .properties
            .iter()
            .position(|(key, _)| key.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.properties[i].1 = value;
                i
            }
            None => {
                self.properties.push((name.to_ascii_lowercase(), value));
                self.properties.len() - 1
            }
        }
    }

    /// Merges one property line of a section occurrence: a later line overrides an
    /// earlier one, and a property with an invalid name is ignored, as AWS ignores it.
    ///
    /// Returns the index that the line's continuation lines extend, or `None` when they
    /// are to be ignored with it.
    pub(crate) fn merge_property(&mut self, name: &str, value: &str) -> Option<usize> {
        is_identifier(name).then(|| self.insert(name, value.to_owned()))
    }

    /// Appends a continuation line to the value of the property at `index`, as AWS joins
    /// multi-line values and sub-property blocks: with `\n`.
    pub(crate) fn continue_value(&mut self, index: usize, line: &str) {
        let value = &mut self.properties[index].1;
        value.push('\n');
        value.push_str(line);
    }

    /// Overrides this section's properties with `other`'s, property by property.
    pub(crate) fn merge_from(&mut self, other: Section) {
        for (name, value) in other.properties {
            self.insert(&name, value);
        }
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.properties {
            if is_secret_name(name) {
                map.entry(name, &REDACTED);
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config file shaped like a large organisation's: `n` profiles of four lines each.
    fn big_config(n: usize) -> String {
        let mut text = String::with_capacity(n * 120);
        text.push_str("# generated\n[default]\nregion = us-east-1\n\n");
        for i in 0..n {
            text.push_str(&format!(
                "[profile p{i}]\nregion = eu-west-{}\nsagemaker_role_arn = arn:aws:iam::123456789012:role/R{i}\naws_account_id = 123456789012\n\n",
                i % 3 + 1
            ));
        }
        text
    }

    #[test]
    fn ten_thousand_profiles_parse_correctly() {
        let text = big_config(10_000);
        let doc = Document::parse(&text, FileKind::Config).unwrap();
        assert_eq!(doc.as_str(), text);
        let names = doc.profile_names();
        assert_eq!(names.len(), 10_001);
        assert_eq!(names[0], "default");
        assert_eq!(names[10_000], "p9999");
        let p = doc.section(&SectionKey::Profile("p9999".into())).unwrap();
        assert_eq!(p.get("region"), Some("eu-west-1"));
        assert_eq!(
            p.get("sagemaker_role_arn"),
            Some("arn:aws:iam::123456789012:role/R9999")
        );
        assert_eq!(p.properties().count(), 3);

        // Looking up every profile in turn goes through the index after the first
        // lookup; it must agree with the scan.
        for name in &names {
            let section = doc.section(&SectionKey::Profile(name.clone())).unwrap();
            assert!(section.get("region").is_some(), "{name}");
        }
        assert!(doc.section(&SectionKey::Profile("p10000".into())).is_none());
        assert!(doc.section(&SectionKey::SsoSession("p1".into())).is_none());
    }

    #[test]
    fn indexed_lookups_agree_with_the_first_scan() {
        let text = "[default]\na = 1\n[profile default]\nb = 2\n[sso-session default]\nc = 3\n[services default]\nd = 4\n[profile x]\ne = 5\n[profile default]\nf = 6\n";
        let doc = Document::parse(text, FileKind::Config).unwrap();
        let keys = [
            SectionKey::Profile("default".into()),
            SectionKey::SsoSession("default".into()),
            SectionKey::Services("default".into()),
            SectionKey::Profile("x".into()),
            SectionKey::Profile("y".into()),
        ];
        let first: Vec<_> = keys.iter().map(|k| doc.section(k)).collect();
        let again: Vec<_> = keys.iter().map(|k| doc.section(k)).collect();
        assert_eq!(first, again);
        assert!(doc.index.table.get().is_some());
        let default = again[0].as_ref().unwrap();
        assert_eq!(
            default.properties().collect::<Vec<_>>(),
            vec![("b", "2"), ("f", "6")]
        );
        let mut copy = doc.clone();
        assert!(copy.remove_section(&keys[0]));
        assert!(copy.section(&keys[0]).is_none());
        assert!(copy.section(&keys[0]).is_none());
        assert_eq!(copy.section(&keys[1]), again[1]);
    }

    #[test]
    fn bare_sections_have_only_blank_lines() {
        let doc = Document::parse(
            "[a]\n\n[b]\n# note\n\n[c]\nk = v\n[d]\n\n# about e\n[e]",
            FileKind::Credentials,
        )
        .unwrap();
        let bare = |n: &str| doc.section_is_bare(&SectionKey::Profile(n.into()));
        assert!(bare("a"));
        assert!(!bare("b"));
        assert!(!bare("c"));
        // `# about e` belongs to `[e]`.
        assert!(bare("d"));
        assert!(bare("e"));
    }

    #[test]
    fn headers_classify_like_aws() {
        use Namespace::*;
        let config = |s| classify_header(s, FileKind::Config);
        let creds = |s| classify_header(s, FileKind::Credentials);
        assert_eq!(config("profile dev"), (Profile { prefixed: true }, "dev"));
        assert_eq!(
            config(" profile \t dev "),
            (Profile { prefixed: true }, "dev")
        );
        assert_eq!(config("default"), (Profile { prefixed: false }, "default"));
        assert_eq!(
            config("profile default"),
            (Profile { prefixed: true }, "default")
        );
        assert_eq!(config("dev").0, Ignored);
        assert_eq!(config("sso-session corp"), (SsoSession, "corp"));
        assert_eq!(config("services local"), (Services, "local"));
        assert_eq!(config("PROFILE dev").0, Ignored);
        assert_eq!(config("profile a b").0, Ignored);
        assert_eq!(creds("dev"), (Profile { prefixed: false }, "dev"));
        assert_eq!(creds("profile dev").0, Ignored);
        assert_eq!(creds("sso-session corp").0, Ignored);
        assert_eq!(creds("").0, Ignored);
    }

    #[test]
    fn errors_name_the_line_and_kind_and_quote_nothing() {
        let long = format!("[profile dev]\n{}", "x".repeat(100));
        let err = Document::parse(&long, FileKind::Config).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.kind, SyntaxError::NoEquals);
        assert_eq!(
            err.to_string(),
            "line 2: a property line needs `=` (`name = value`)"
        );
        let err = Document::parse("[dev]\nsession_token: abc", FileKind::Credentials).unwrap_err();
        assert!(!err.to_string().contains("abc"), "{err}");
        assert!(!format!("{err:?}").contains("abc"), "{err:?}");
    }
}
