//! The line-level grammar of AWS profile files, as AWS's profile parser reads it.
//!
//! Everything here works on borrowed slices of one line and allocates nothing, so that
//! parsing a large config file stays cheap. The rules follow smithy-rs `aws-config`'s
//! profile parser (`parse.rs` and `normalize.rs`) and AWS's conformance data.

/// The only characters AWS's parser treats as whitespace when trimming names and values.
///
/// Unicode whitespace is deliberately not trimmed: AWS keeps it, so trimming it here would
/// make sagecred read a different name or value than the SDKs do.
pub(crate) const WHITESPACE: [char; 2] = [' ', '\t'];

/// Trims spaces and tabs, and nothing else.
#[inline]
pub(crate) fn trim_ws(s: &str) -> &str {
    // A byte loop: spaces and tabs are ASCII, so cutting at them keeps UTF-8 boundaries,
    // and this is the parser's hottest helper.
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut end = bytes.len();
    while start < end && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    &s[start..end]
}

/// Whether the character that ends at byte `i` of `s` is whitespace by Unicode's rules.
#[inline]
fn whitespace_before(s: &str, i: usize) -> bool {
    match s.as_bytes()[..i].last() {
        None => false,
        Some(&b) if b.is_ascii() => (b as char).is_whitespace(),
        Some(_) => s[..i].chars().next_back().is_some_and(char::is_whitespace),
    }
}

/// Whether `s` is a valid AWS identifier: a profile, section or property name.
///
/// AWS accepts ASCII letters, digits and `_-/.%@:+`. The empty string is refused, as the
/// documented pattern (`[A-Za-z0-9_\-/.%@:\+]+`) requires at least one character.
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
}

/// Trims a line and cuts off a trailing comment.
///
/// In section headers a `#` or `;` starts a comment wherever it is; in property lines it
/// starts one only after whitespace, so that `value;x` keeps its semicolon. AWS checks
/// "whitespace" here with Unicode rules, unlike the trimming above, and so does this.
pub(crate) fn strip_comment(line: &str, needs_whitespace: bool) -> &str {
    let line = trim_ws(line);
    match comment_start(line, needs_whitespace) {
        Some(i) => trim_ws(&line[..i]),
        None => line,
    }
}

/// Where a comment starts in an already trimmed line, by the rules of [`strip_comment`].
fn comment_start(line: &str, needs_whitespace: bool) -> Option<usize> {
    // Comment characters are ASCII, so a byte scan finds every candidate; only for those
    // is the character before decoded, which keeps lines without comments cheap.
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = find_either(bytes, from, b'#', b';') {
        if !needs_whitespace || whitespace_before(line, i) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The index of the first `a` or `b` at or after `from`.
///
/// Lines are short, so the fixed cost of a `memchr` call per line would dominate; this
/// looks at eight bytes per step with plain integer arithmetic instead. Every line of a
/// file goes through it at least once, which makes it the parser's hottest loop.
#[inline]
fn find_either(bytes: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let (a_s, b_s) = (ONES * u64::from(a), ONES * u64::from(b));
    let mut i = from;
    while i + 8 <= bytes.len() {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let word = u64::from_le_bytes(word);
        let found = zero_bytes(word ^ a_s) | zero_bytes(word ^ b_s);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| i + p)
}

/// Sets the high bit of the bytes of `x` that are zero. Bytes above a zero byte may be
/// marked wrongly (a borrow carries into them), but the lowest mark is always right,
/// which is all the searches here use.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The index of the first `\n` at or after `from`.
#[inline]
pub(crate) fn find_newline(bytes: &[u8], from: usize) -> Option<usize> {
    find_either(bytes, from, b'\n', b'\n')
}

/// Why a `name = value` line could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropertyError {
    /// There is no `=`.
    NoEquals,
    /// There is nothing before the `=`.
    NoName,
}

/// A property line split into its parts, as byte ranges relative to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PropertyParts {
    /// The trimmed name.
    pub(crate) key: (usize, usize),
    /// The trimmed value without its comment; empty values start where a value would.
    pub(crate) value: (usize, usize),
}

/// Splits a property line into name and value.
pub(crate) fn parse_property(line: &str) -> Result<PropertyParts, PropertyError> {
    let trimmed = trim_ws(line);
    let base = offset_in(line, trimmed);
    // The comment is cut off first, so an `=` after its start does not count.
    let end = comment_start(trimmed, true).unwrap_or(trimmed.len());
    let stripped = trim_ws(&trimmed[..end]);
    // `stripped` only lost whitespace at its end, so an `=` before `end` is inside it.
    let eq = stripped
        .bytes()
        .position(|b| b == b'=')
        .ok_or(PropertyError::NoEquals)?;
    let key = trim_ws(&stripped[..eq]);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    let key_start = base + offset_in(stripped, key);
    let after_eq = &stripped[eq + 1..];
    let value = trim_ws(after_eq);
    let value_start = base + eq + 1 + offset_in(after_eq, value);
    Ok(PropertyParts {
        key: (key_start, key_start + key.len()),
        value: (value_start, value_start + value.len()),
    })
}

/// The byte offset of `inner`, a subslice of `outer`, within `outer`.
#[inline]
pub(crate) fn offset_in(outer: &str, inner: &str) -> usize {
    let offset = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
    debug_assert!(offset <= outer.len(), "slice is not inside its parent");
    offset
}

/// Whether a property name looks like it holds a secret, so that its value is never shown.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["secret", "token", "password"]
        .iter()
        .any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(line: &str) -> Result<(&str, &str), PropertyError> {
        parse_property(line).map(|p| (&line[p.key.0..p.key.1], &line[p.value.0..p.value.1]))
    }

    #[test]
    fn properties_split_like_aws() {
        assert_eq!(kv("a = b"), Ok(("a", "b")));
        assert_eq!(kv("a=b"), Ok(("a", "b")));
        assert_eq!(kv(" a = b \t"), Ok(("a", "b")));
        assert_eq!(kv("a = b 🐱 "), Ok(("a", "b 🐱")));
        assert_eq!(kv("a = val=ue"), Ok(("a", "val=ue")));
        assert_eq!(kv("a b"), Err(PropertyError::NoEquals));
        assert_eq!(kv("= b"), Err(PropertyError::NoName));
        assert_eq!(kv("a =    "), Ok(("a", "")));
        assert_eq!(kv("a = b # c"), Ok(("a", "b")));
        assert_eq!(kv("a = b;c"), Ok(("a", "b;c")));
        assert_eq!(kv("a = ;c"), Ok(("a", "")));
        assert_eq!(kv("a ;= b"), Err(PropertyError::NoEquals));
    }

    #[test]
    fn empty_values_start_where_a_value_would() {
        let p = parse_property("s3 =").unwrap();
        assert_eq!(p.value, (4, 4));
        let p = parse_property("s3 =  # note").unwrap();
        assert_eq!(p.value, (4, 4));
    }

    #[test]
    fn header_comments_need_no_whitespace() {
        assert_eq!(strip_comment("[profile a]#x", false), "[profile a]");
        assert_eq!(strip_comment("[profile a#b]", false), "[profile a");
        assert_eq!(strip_comment("k = v#x # y", true), "k = v#x");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("some-thing:long/the_one%only.foo@bar+"));
        assert!(!is_identifier("foo!bar"));
        assert!(!is_identifier("in valid"));
        assert!(!is_identifier(""));
    }

    /// AWS's comment stripping, written as plainly as it is specified.
    fn reference_strip(line: &str, needs_whitespace: bool) -> &str {
        let line = line.trim_matches(WHITESPACE);
        let mut prev_whitespace = false;
        let mut cut = None;
        for (i, c) in line.char_indices() {
            if (c == '#' || c == ';') && (prev_whitespace || !needs_whitespace) {
                cut = Some(i);
                break;
            }
            prev_whitespace = c.is_whitespace();
        }
        cut.map_or(line, |i| &line[..i]).trim_matches(WHITESPACE)
    }

    fn reference_property(line: &str) -> Result<(&str, &str), PropertyError> {
        let (k, v) = reference_strip(line, true)
            .split_once('=')
            .ok_or(PropertyError::NoEquals)?;
        let k = k.trim_matches(WHITESPACE);
        if k.is_empty() {
            return Err(PropertyError::NoName);
        }
        Ok((k, v.trim_matches(WHITESPACE)))
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_match_the_plain_definition(
            line in "[ \t=#;a-c\u{a0}\u{3000}é]{0,16}",
            needs_whitespace: bool,
        ) {
            proptest::prop_assert_eq!(
                strip_comment(&line, needs_whitespace),
                reference_strip(&line, needs_whitespace)
            );
            proptest::prop_assert_eq!(kv(&line), reference_property(&line));
            proptest::prop_assert_eq!(trim_ws(&line), line.trim_matches(WHITESPACE));
        }
    }

    #[test]
    fn secret_detection() {
        assert!(is_secret_name("aws_secret_access_key"));
        assert!(is_secret_name("AWS_SESSION_TOKEN"));
        assert!(!is_secret_name("aws_access_key_id"));
    }
}
