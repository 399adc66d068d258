//! A small, careful editor for the one YAML shape the SageMaker Python SDK's defaults file
//! has: nested block mappings with single-line scalar leaves.
//!
//! It changes only the lines it must: a leaf's value is replaced in place (its comment
//! stays), and missing mappings are inserted as new lines. Every other byte of the file,
//! comments and unknown keys included, is kept. Shapes it cannot edit safely along the path
//! it walks (flow collections, anchors and aliases, tags, merge keys, block scalars,
//! multi-line values, duplicate keys, tabs in indentation, several documents) are refused
//! with the line number, never rewritten.

use std::fmt;

/// Why a file cannot be edited (or read) safely. The reason never quotes the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The 1-based line concerned, or 0 for the whole file.
    pub line: usize,
    /// What is wrong, in words.
    pub reason: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

fn err(line: usize, reason: impl Into<String>) -> YamlError {
    YamlError {
        line: line + 1,
        reason: reason.into(),
    }
}

/// One physical line: its text without the line ending, and the ending itself.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    ending: &'static str,
}

impl Line {
    fn indent(&self) -> usize {
        self.text.len() - self.text.trim_start_matches(' ').len()
    }

    /// Blank lines and comment lines carry no structure.
    fn is_content(&self) -> bool {
        let t = self.text.trim_start_matches([' ', '\t']);
        !t.is_empty() && !t.starts_with('#')
    }
}

/// The value part of a `key: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Inline {
    /// Nothing after the colon (a nested block, or null).
    Empty,
    /// A single-line scalar, occupying `start..end` of the line, decoded.
    Scalar {
        start: usize,
        end: usize,
        value: String,
    },
    /// Something this editor does not read (with why).
    Other(&'static str),
}

/// One entry of a block mapping.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    line: usize,
    inline: Inline,
    /// The lines after `line` (exclusive end) that belong to this entry's value.
    end: usize,
}

/// A parsed file: the lines, and where the root mapping's content starts.
#[derive(Debug, Clone)]
pub(crate) struct YamlDoc {
    bom: bool,
    lines: Vec<Line>,
    /// The dominant line ending, for inserted lines.
    newline: &'static str,
    /// The first line of the root mapping (after a leading `---`).
    body_start: usize,
}

/// Where a path leads.
#[derive(Debug)]
enum Found {
    /// The leaf exists.
    Leaf(Entry),
    /// `depth` components exist; the next one is missing. `parent` is the last one found
    /// (None: the root), whose mapping holds `entries`, at `child_indent` when known.
    Missing {
        depth: usize,
        parent: Option<Entry>,
        child_indent: Option<usize>,
    },
}

impl YamlDoc {
    /// Splits and checks the file. Problems anywhere in the file that make line-based
    /// editing unsafe are refused here; problems on a path are refused when it is walked.
    pub(crate) fn parse(text: &str) -> Result<Self, YamlError> {
        let (bom, text) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut lines = Vec::new();
        let mut crlf = 0usize;
        let mut lf = 0usize;
        for raw in text.split_inclusive('\n') {
            let (body, ending) = if let Some(b) = raw.strip_suffix("\r\n") {
                crlf += 1;
                (b, "\r\n")
            } else if let Some(b) = raw.strip_suffix('\n') {
                lf += 1;
                (b, "\n")
            } else {
                (raw, "")
            };
            if body.contains('\r') {
                return Err(err(lines.len(), "a lone carriage return is not supported"));
            }
            lines.push(Line {
                text: body.to_owned(),
                ending,
            });
        }
        let newline = if crlf > lf { "\r\n" } else { "\n" };
        let mut body_start = 0;
        let mut seen_content = false;
        for (i, line) in lines.iter().enumerate() {
            let t = &line.text;
            let lead = &t[..t.len() - t.trim_start_matches([' ', '\t']).len()];
            if line.is_content() && lead.contains('\t') {
                return Err(err(i, "a tab in the indentation (YAML allows spaces only)"));
            }
            if t.starts_with('%') {
                return Err(err(i, "YAML directives are not supported"));
            }
            let marker = |m: &str| {
                t == m || t.starts_with(&format!("{m} ")) || t.starts_with(&format!("{m}\t"))
            };
            if marker("---") {
                if seen_content {
                    return Err(err(i, "the file holds more than one YAML document"));
                }
                if t.trim_end() != "---" {
                    return Err(err(
                        i,
                        "content on the document start line is not supported",
                    ));
                }
                body_start = i + 1;
                seen_content = true;
                continue;
            }
            if marker("...") {
                return Err(err(i, "a document end marker is not supported"));
            }
            if line.is_content() {
                seen_content = true;
            }
        }
        Ok(Self {
            bom,
            lines,
            newline,
            body_start,
        })
    }

    /// The file's text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        for line in &self.lines {
            out.push_str(&line.text);
            out.push_str(line.ending);
        }
        out
    }

    /// The scalar at `path`, `None` when the path (or its value) is absent or null.
    pub(crate) fn get(&self, path: &[&str]) -> Result<Option<String>, YamlError> {
        match self.find(path)? {
            Found::Leaf(entry) => match entry.inline {
                Inline::Scalar { value, .. } => Ok(Some(value)),
                Inline::Empty => Ok(None),
                Inline::Other(what) => Err(err(
                    entry.line,
                    format!("`{}` is {what}, not a single-line value", path.join(".")),
                )),
            },
            Found::Missing { .. } => Ok(None),
        }
    }

    /// Whether the scalar at `path` is written quoted (so YAML reads it as a string even
    /// when it looks like a number); `None` when there is no scalar there.
    pub(crate) fn is_quoted(&self, path: &[&str]) -> Result<Option<bool>, YamlError> {
        match self.find(path)? {
            Found::Leaf(Entry {
                line,
                inline: Inline::Scalar { start, .. },
                ..
            }) => Ok(Some(
                self.lines[line].text[start..].starts_with(['\'', '"']),
            )),
            _ => Ok(None),
        }
    }

    /// Sets the scalar at `path` to `value` (written single-quoted), creating the mappings
    /// on the way. Returns whether the text changed.
    pub(crate) fn set(&mut self, path: &[&str], value: &str) -> Result<bool, YamlError> {
        let quoted = single_quote(value);
        match self.find(path)? {
            Found::Leaf(entry) => {
                let line = &mut self.lines[entry.line];
                match entry.inline {
                    Inline::Scalar {
                        start,
                        end,
                        value: old,
                    } => {
                        if old == value {
                            return Ok(false);
                        }
                        line.text.replace_range(start..end, &quoted);
                    }
                    Inline::Empty => {
                        // `Key:` or `Key:  # comment`: the value goes right after the colon.
                        let colon = key_colon(&line.text).unwrap_or(line.text.len());
                        line.text.insert_str(colon + 1, &format!(" {quoted}"));
                    }
                    Inline::Other(what) => {
                        return Err(err(
                            entry.line,
                            format!("`{}` is {what}, not a single-line value", path.join(".")),
                        ));
                    }
                }
                Ok(true)
            }
            Found::Missing {
                depth,
                parent,
                child_indent,
            } => {
                let step = self.indent_step();
                let (at, indent) = match &parent {
                    Some(p) => {
                        let own = self.lines[p.line].indent();
                        (p.line + 1, child_indent.unwrap_or(own + step))
                    }
                    None => self.root_insertion()?,
                };
                let mut new_lines = Vec::new();
                for (i, key) in path[depth..].iter().enumerate() {
                    let pad = " ".repeat(indent + i * step);
                    let text = if depth + i + 1 == path.len() {
                        format!("{pad}{key}: {quoted}")
                    } else {
                        format!("{pad}{key}:")
                    };
                    new_lines.push(Line {
                        text,
                        ending: self.newline,
                    });
                }
                self.insert_lines(at, new_lines);
                Ok(true)
            }
        }
    }

    /// Inserts lines before line `at`, giving a final line without an ending one first.
    fn insert_lines(&mut self, at: usize, new_lines: Vec<Line>) {
        if at > 0
            && let Some(prev) = self.lines.get_mut(at - 1)
            && prev.ending.is_empty()
        {
            prev.ending = self.newline;
            if at == self.lines.len() {
                // The file had no final newline; keep it that way after the insertion.
                let mut new_lines = new_lines;
                if let Some(last) = new_lines.last_mut() {
                    last.ending = "";
                }
                self.lines.splice(at..at, new_lines);
                return;
            }
        }
        self.lines.splice(at..at, new_lines);
    }

    /// Where a new top-level key goes: after `SchemaVersion` when it is there, else before
    /// the first content line (after leading comments), else at the end.
    fn root_insertion(&self) -> Result<(usize, usize), YamlError> {
        let root = self.root_entries()?;
        if let Some(schema) = root.iter().find(|e| e.key == "SchemaVersion") {
            return Ok((schema.end, self.lines[schema.line].indent()));
        }
        match root.first() {
            Some(first) => Ok((first.line, self.lines[first.line].indent())),
            None => Ok((self.lines.len(), 0)),
        }
    }

    /// The most common positive difference between a key and its first child, else 2.
    fn indent_step(&self) -> usize {
        let content: Vec<usize> = self
            .lines
            .iter()
            .filter(|l| l.is_content())
            .map(Line::indent)
            .collect();
        content
            .windows(2)
            .find_map(|w| (w[1] > w[0]).then(|| w[1] - w[0]))
            .unwrap_or(2)
    }

    fn root_entries(&self) -> Result<Vec<Entry>, YamlError> {
        let first = (self.body_start..self.lines.len()).find(|&i| self.lines[i].is_content());
        match first {
            None => Ok(Vec::new()),
            Some(i) => self.entries(self.body_start, self.lines.len(), self.lines[i].indent()),
        }
    }

    fn find(&self, path: &[&str]) -> Result<Found, YamlError> {
        let mut entries = self.root_entries()?;
        let mut parent: Option<Entry> = None;
        let mut child_indent = None;
        for (depth, key) in path.iter().enumerate() {
            let mut matches = entries.iter().filter(|e| e.key == *key);
            let Some(entry) = matches.next().cloned() else {
                return Ok(Found::Missing {
                    depth,
                    parent,
                    child_indent,
                });
            };
            if let Some(dup) = matches.next() {
                return Err(err(
                    dup.line,
                    format!("the key `{key}` appears twice in the same mapping"),
                ));
            }
            if depth + 1 == path.len() {
                if entry.end > entry.line + 1 {
                    let what = match entry.inline {
                        Inline::Empty => "a nested block",
                        _ => "a value that continues on the next lines",
                    };
                    return Err(err(
                        entry.line,
                        format!("`{}` is {what}, not a single-line value", path.join(".")),
                    ));
                }
                return Ok(Found::Leaf(entry));
            }
            match entry.inline {
                Inline::Empty => {}
                Inline::Scalar { .. } | Inline::Other(_) => {
                    return Err(err(
                        entry.line,
                        format!(
                            "`{}` is not a nested block mapping",
                            path[..=depth].join(".")
                        ),
                    ));
                }
            }
            let first_child = (entry.line + 1..entry.end).find(|&i| self.lines[i].is_content());
            match first_child {
                None => {
                    entries = Vec::new();
                    child_indent = None;
                }
                Some(i) => {
                    let indent = self.lines[i].indent();
                    if self.lines[i].text[indent..].starts_with('-') {
                        return Err(err(
                            i,
                            format!("`{}` is a list, not a mapping", path[..=depth].join(".")),
                        ));
                    }
                    entries = self.entries(entry.line + 1, entry.end, indent)?;
                    child_indent = Some(indent);
                }
            }
            parent = Some(entry);
        }
        // An empty path names the root, which is never a leaf.
        Ok(Found::Missing {
            depth: path.len(),
            parent,
            child_indent,
        })
    }

    /// The entries of the block mapping whose keys sit at `indent` in lines `start..end`.
    fn entries(&self, start: usize, end: usize, indent: usize) -> Result<Vec<Entry>, YamlError> {
        let mut entries: Vec<Entry> = Vec::new();
        for i in start..end {
            let line = &self.lines[i];
            if !line.is_content() {
                continue;
            }
            let own = line.indent();
            if own > indent {
                match entries.last() {
                    Some(_) => continue,
                    None => return Err(err(i, "an indented line before the mapping's first key")),
                }
            }
            if own < indent {
                return Err(err(i, "the indentation does not match the mapping's keys"));
            }
            let rest = &line.text[own..];
            if rest.starts_with("- ") || rest == "-" {
                // A sequence at the key's own indentation belongs to the previous key.
                match entries.last() {
                    Some(prev) if prev.inline == Inline::Empty => continue,
                    _ => return Err(err(i, "a list item where a key was expected")),
                }
            }
            let (key, inline) = parse_entry(&line.text, own).map_err(|r| err(i, r))?;
            if key == "<<" {
                return Err(err(i, "merge keys (`<<`) are not supported"));
            }
            entries.push(Entry {
                key,
                line: i,
                inline,
                end: i + 1,
            });
        }
        // Each entry's value runs until the next entry's line (trailing comments and blank
        // lines excluded, so insertions land right after the last content line).
        let count = entries.len();
        for k in 0..count {
            let stop = if k + 1 < count {
                entries[k + 1].line
            } else {
                end
            };
            let last_content = (entries[k].line + 1..stop)
                .rev()
                .find(|&j| self.lines[j].is_content());
            entries[k].end = last_content.map_or(entries[k].line + 1, |j| j + 1);
        }
        Ok(entries)
    }
}

/// The byte offset of the colon that ends the key of a `key: value` line.
fn key_colon(text: &str) -> Option<usize> {
    let own = text.len() - text.trim_start_matches(' ').len();
    let rest = &text[own..];
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let close = closing_quote(rest, q)?;
        let after = &rest[close + 1..];
        let spaces = after.len() - after.trim_start_matches(' ').len();
        return after[spaces..]
            .starts_with(':')
            .then_some(own + close + 1 + spaces);
    }
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            return None;
        }
        if *b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            return Some(own + i);
        }
    }
    None
}

/// The index of the quote closing a scalar that starts with `q` at index 0.
fn closing_quote(text: &str, q: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match (q, bytes[i]) {
            ('"', b'\\') => i += 2,
            ('"', b'"') => return Some(i),
            ('\'', b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            ('\'', b'\'') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Splits a `key: value` line (key at column `own`) into the key and its inline value.
fn parse_entry(text: &str, own: usize) -> Result<(String, Inline), String> {
    let rest = &text[own..];
    if rest.starts_with("? ") || rest == "?" {
        return Err("complex keys (`? `) are not supported".into());
    }
    if rest.starts_with(['[', '{', '&', '*', '!', '|', '>', '@', '`']) {
        return Err("expected a plain `key: value` line".into());
    }
    let colon = key_colon(text).ok_or_else(|| "expected a `key: value` line".to_owned())?;
    let raw_key = text[own..colon].trim_end_matches(' ');
    let key = match raw_key.chars().next() {
        Some('\'') => raw_key[1..raw_key.len() - 1].replace("''", "'"),
        Some('"') => {
            let inner = &raw_key[1..raw_key.len() - 1];
            if inner.contains('\\') {
                return Err("escapes in a double-quoted key are not supported".into());
            }
            inner.to_owned()
        }
        _ => raw_key.to_owned(),
    };
    let after = colon + 1;
    let tail = &text[after..];
    let spaces = tail.len() - tail.trim_start_matches(' ').len();
    let start = after + spaces;
    let value = &text[start..];
    if value.is_empty() || value.starts_with('#') {
        return Ok((key, Inline::Empty));
    }
    let inline = match value.chars().next() {
        Some('\'' | '"') => {
            let q = value.chars().next().unwrap_or('"');
            let Some(close) = closing_quote(value, q) else {
                return Err("a quoted value that continues on the next line".into());
            };
            check_tail(&value[close + 1..])?;
            let inner = &value[1..close];
            let decoded = if q == '\'' {
                inner.replace("''", "'")
            } else {
                decode_double(inner)?
            };
            Inline::Scalar {
                start,
                end: start + close + 1,
                value: decoded,
            }
        }
        Some('[' | '{') => {
            if !flow_closes(value) {
                return Err("a flow collection that continues on the next line".into());
            }
            Inline::Other("a flow collection")
        }
        Some('&') => Inline::Other("an anchored value"),
        Some('*') => Inline::Other("an alias"),
        Some('!') => Inline::Other("a tagged value"),
        Some('|' | '>') => Inline::Other("a block scalar"),
        _ => {
            // A plain scalar ends at ` #` (a comment) or the end of the line.
            let end = value.find(" #").unwrap_or(value.len());
            let scalar = value[..end].trim_end_matches(' ');
            if scalar.starts_with(['%', '@', '`']) {
                return Err("a value starting with a reserved character".into());
            }
            let decoded = match scalar {
                "~" | "null" | "Null" | "NULL" => return Ok((key, Inline::Empty)),
                s => s.to_owned(),
            };
            Inline::Scalar {
                start,
                end: start + scalar.len(),
                value: decoded,
            }
        }
    };
    Ok((key, inline))
}

/// What follows a closed quoted scalar may only be spaces and a comment.
fn check_tail(tail: &str) -> Result<(), String> {
    let t = tail.trim_start_matches(' ');
    if t.is_empty() || (t.starts_with('#') && tail.starts_with(' ')) {
        Ok(())
    } else {
        Err("unexpected text after a quoted value".into())
    }
}

fn decode_double(inner: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('/') => out.push('/'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            _ => return Err("an escape sequence this editor does not read".into()),
        }
    }
    Ok(out)
}

/// Whether the brackets of a flow collection close on this line (quotes respected).
fn flow_closes(value: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in value.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// A single-quoted YAML scalar.
fn single_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &[&str] = &["SageMaker", "TrainingJob", "RoleArn"];
    const BUCKET: &[&str] = &[
        "SageMaker",
        "PythonSDK",
        "Modules",
        "Session",
        "DefaultS3Bucket",
    ];

    fn set(text: &str, path: &[&str], value: &str) -> String {
        let mut doc = YamlDoc::parse(text).unwrap();
        doc.set(path, value).unwrap();
        doc.render()
    }

    #[test]
    fn an_empty_file_gets_the_whole_path() {
        let out = set("", ROLE, "arn:aws:iam::123456789012:role/R");
        assert_eq!(
            out,
            "SageMaker:\n  TrainingJob:\n    RoleArn: 'arn:aws:iam::123456789012:role/R'\n"
        );
    }

    #[test]
    fn a_leaf_is_replaced_in_place_keeping_its_comment() {
        let text = "# mine\nSchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    RoleArn: arn:aws:iam::1:role/Old   # keep\n    EnableNetworkIsolation: true\n";
        let out = set(text, ROLE, "arn:aws:iam::123456789012:role/New");
        assert_eq!(
            out,
            "# mine\nSchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    RoleArn: 'arn:aws:iam::123456789012:role/New'   # keep\n    EnableNetworkIsolation: true\n"
        );
        let doc = YamlDoc::parse(&out).unwrap();
        assert_eq!(
            doc.get(ROLE).unwrap().as_deref(),
            Some("arn:aws:iam::123456789012:role/New")
        );
    }

    #[test]
    fn missing_mappings_are_inserted_under_the_deepest_existing_one() {
        let text = "SchemaVersion: '1.0'\nSageMaker:\n    PythonSDK:\n        Modules:\n            RemoteFunction:\n                Dependencies: ./req.txt\n";
        let out = set(text, BUCKET, "my-bucket");
        assert_eq!(
            out,
            "SchemaVersion: '1.0'\nSageMaker:\n    PythonSDK:\n        Modules:\n            Session:\n                DefaultS3Bucket: 'my-bucket'\n            RemoteFunction:\n                Dependencies: ./req.txt\n"
        );
    }

    #[test]
    fn crlf_bom_and_a_missing_final_newline_are_kept() {
        let text = "\u{feff}SchemaVersion: '1.0'\r\nOther: 1";
        let out = set(text, ROLE, "arn:aws:iam::123456789012:role/R");
        assert_eq!(
            out,
            "\u{feff}SchemaVersion: '1.0'\r\nSageMaker:\r\n  TrainingJob:\r\n    RoleArn: 'arn:aws:iam::123456789012:role/R'\r\nOther: 1"
        );
    }

    #[test]
    fn reads_plain_single_and_double_quoted_values() {
        for (text, want) in [
            (
                "SageMaker:\n  TrainingJob:\n    RoleArn: a:b/c # x\n",
                Some("a:b/c"),
            ),
            (
                "SageMaker:\n  TrainingJob:\n    RoleArn: 'it''s'\n",
                Some("it's"),
            ),
            (
                "SageMaker:\n  TrainingJob:\n    RoleArn: \"a\\\"b\"\n",
                Some("a\"b"),
            ),
            ("SageMaker:\n  TrainingJob:\n    RoleArn: ~\n", None),
            ("SageMaker:\n  TrainingJob:\n    RoleArn:\n", None),
            ("SageMaker:\n", None),
        ] {
            let doc = YamlDoc::parse(text).unwrap();
            assert_eq!(doc.get(ROLE).unwrap().as_deref(), want, "{text}");
        }
    }

    #[test]
    fn unsafe_shapes_are_refused_with_a_line() {
        for (text, line) in [
            ("SageMaker: {TrainingJob: {RoleArn: x}}\n", 1),
            ("SageMaker:\n  TrainingJob: &t\n    RoleArn: x\n", 2),
            ("SageMaker:\n  TrainingJob:\n    RoleArn: |\n      x\n", 3),
            ("SageMaker:\n  TrainingJob:\n    RoleArn: a\n      b\n", 3),
            (
                "SageMaker:\n  TrainingJob:\n    RoleArn: 1\n    RoleArn: 2\n",
                4,
            ),
            ("SageMaker:\n  <<: *base\n", 2),
            ("SageMaker:\n\t  TrainingJob:\n", 2),
            ("a: 1\n---\nb: 2\n", 2),
            ("SageMaker:\n  - x\n", 2),
            ("x: \"open\n  more\"\n", 1),
            (
                "SageMaker:\n  TrainingJob:\n    RoleArn: [a,\n      b]\n",
                3,
            ),
        ] {
            let e = YamlDoc::parse(text)
                .and_then(|mut d| d.set(ROLE, "arn:aws:iam::123456789012:role/R"))
                .unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
        }
    }

    #[test]
    fn other_content_stays_byte_for_byte() {
        let text = "# header\n---\nSchemaVersion: '1.0'  # pinned\n\nSageMaker:\n  # the jobs\n  TrainingJob:\n    Tags:\n    - Key: team\n      Value: ml\n    RoleArn: \"arn:aws:iam::1:role/x\"\n  Model:\n    EnableNetworkIsolation: true\n\n# footer\n";
        let out = set(text, BUCKET, "b-1");
        let out = set(&out, ROLE, "arn:aws:iam::123456789012:role/R");
        assert_eq!(
            out,
            "# header\n---\nSchemaVersion: '1.0'  # pinned\n\nSageMaker:\n  PythonSDK:\n    Modules:\n      Session:\n        DefaultS3Bucket: 'b-1'\n  # the jobs\n  TrainingJob:\n    Tags:\n    - Key: team\n      Value: ml\n    RoleArn: 'arn:aws:iam::123456789012:role/R'\n  Model:\n    EnableNetworkIsolation: true\n\n# footer\n"
        );
    }

    #[test]
    fn setting_the_same_value_changes_nothing() {
        let text = "SageMaker:\n  TrainingJob:\n    RoleArn: arn:aws:iam::1:role/x\n";
        let mut doc = YamlDoc::parse(text).unwrap();
        assert!(!doc.set(ROLE, "arn:aws:iam::1:role/x").unwrap());
        assert_eq!(doc.render(), text);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// One line of a generated file: an indentation level and what is on it.
        fn line() -> impl Strategy<Value = String> {
            let key = prop::sample::select(vec![
                "SageMaker",
                "PythonSDK",
                "Modules",
                "Session",
                "TrainingJob",
                "RoleArn",
                "DefaultS3Bucket",
                "Other",
                "Tags",
            ]);
            let body = prop_oneof![
                key.clone().prop_map(|k| format!("{k}:")),
                (key.clone(), "[a-z0-9:/-]{1,12}").prop_map(|(k, v)| format!("{k}: {v}")),
                (key, "[a-z ]{0,8}").prop_map(|(k, c)| format!("{k}: 'v'  # {c}")),
                "[a-z ]{0,10}".prop_map(|c| format!("# {c}")),
                Just(String::new()),
                Just("- item".to_owned()),
            ];
            (0usize..4, body).prop_map(|(level, body)| {
                if body.is_empty() {
                    body
                } else {
                    format!("{}{body}", "  ".repeat(level))
                }
            })
        }

        /// A tree of block mappings, rendered with two-space indentation and comments,
        /// so most generated files are valid and many walk the edited path.
        #[derive(Debug, Clone)]
        enum Node {
            Leaf(String),
            Map(Vec<(String, Node)>),
        }

        fn tree() -> impl Strategy<Value = Vec<(String, Node)>> {
            let key = prop::sample::select(vec![
                "SageMaker",
                "PythonSDK",
                "Modules",
                "Session",
                "TrainingJob",
                "RoleArn",
                "DefaultS3Bucket",
                "Other",
                "# a comment",
            ])
            .prop_map(str::to_owned);
            let leaf = "[a-z0-9:/-]{1,10}".prop_map(Node::Leaf);
            let node = leaf.prop_recursive(4, 24, 4, move |inner| {
                prop::collection::vec((key.clone(), inner), 0..4).prop_map(Node::Map)
            });
            prop::collection::vec(("[A-Za-z]{1,3}|SageMaker".prop_map(|k| k), node), 0..4)
        }

        fn render(entries: &[(String, Node)], level: usize, out: &mut String) {
            let pad = "  ".repeat(level);
            for (key, node) in entries {
                if key.starts_with('#') {
                    out.push_str(&format!("{pad}{key}\n\n"));
                    continue;
                }
                match node {
                    Node::Leaf(v) => out.push_str(&format!("{pad}{key}: {v}  # note\n")),
                    Node::Map(children) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        render(children, level + 1, out);
                    }
                }
            }
        }

        proptest! {
            /// Whatever the editor accepts, it keeps every original line in order (only the
            /// leaf's own line may change), reads back what it wrote, and a second set
            /// changes nothing.
            #[test]
            fn accepted_edits_keep_every_other_line(lines in prop::collection::vec(line(), 0..14)) {
                let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
                check_edit(&text)?;
            }

            /// The same for well-formed trees of mappings, most of which the editor accepts.
            #[test]
            fn accepted_tree_edits_keep_every_other_line(entries in tree()) {
                let mut text = String::new();
                render(&entries, 0, &mut text);
                check_edit(&text)?;
            }
        }

        fn check_edit(text: &str) -> Result<(), TestCaseError> {
            {
                let value = "arn:aws:iam::123456789012:role/R";
                let Ok(mut doc) = YamlDoc::parse(text) else {
                    return Ok(());
                };
                let Ok(_) = doc.set(ROLE, value) else {
                    return Ok(());
                };
                let out = doc.render();
                let reread = YamlDoc::parse(&out).unwrap();
                let read = reread.get(ROLE).unwrap();
                prop_assert_eq!(read.as_deref(), Some(value));
                let mut again = reread.clone();
                prop_assert!(!again.set(ROLE, value).unwrap());
                // The original lines, minus at most one (the leaf), are a subsequence of
                // the output's lines.
                let new_lines: Vec<&str> = out.lines().collect();
                let mut missing = 0;
                let mut at = 0;
                for old in text.lines() {
                    match new_lines[at..].iter().position(|l| *l == old) {
                        Some(i) => at += i + 1,
                        None => missing += 1,
                    }
                }
                prop_assert!(missing <= 1, "{}\n---\n{}", text, out);
            }
            Ok(())
        }
    }
}
