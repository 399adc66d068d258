//! `sagecred import FILE`: the `accessKeys.csv` that the IAM console downloads.
//!
//! The console writes `Access key ID,Secret access key` (newer downloads add a leading
//! `User name` column), often with a UTF-8 byte-order mark and CRLF line ends.

use std::path::Path;

use sagecred_core::Credentials;
use zeroize::Zeroizing;

use super::configure::credentials_from;
use super::keys::{self, ProfileSettings};
use crate::cli::ImportArgs;
use crate::context::Context;
use crate::error::CliError;

/// A key pair read from the CSV, with the IAM user it belongs to when the file says.
#[derive(Debug)]
pub(crate) struct ImportedKey {
    pub(crate) user_name: Option<String>,
    pub(crate) credentials: Credentials,
}

pub(super) fn run(ctx: &Context, args: &ImportArgs) -> Result<(), CliError> {
    let profiles = keys::load_profiles(ctx)?;
    keys::check_targets(ctx, args.store, args.force)?;
    let current_region = profiles
        .profile(ctx.profile.as_str())
        .and_then(|p| p.get("region").map(str::to_owned));
    let bytes = read_bounded(&args.file)?;
    let key = parse_access_keys_csv(&bytes, &args.file)?;
    let settings = ProfileSettings {
        region: args.region.clone(),
        cli_output: None,
        user_name: key.user_name.clone(),
        force: args.force,
    };
    let location = keys::save(
        ctx,
        args.store,
        &ctx.profile,
        &key.credentials,
        current_region.as_deref(),
        &settings,
    )?;
    let owner = key
        .user_name
        .as_deref()
        .map(|u| format!(" of IAM user `{u}`"))
        .unwrap_or_default();
    crate::output::note(&format!(
        "imported key {}{owner} into profile `{}` in {location}",
        key.credentials.access_key_id().masked(),
        ctx.profile
    ));
    crate::output::note(&format!(
        "the CSV still holds the secret in plaintext: delete it once `sagecred whoami --profile {}` works",
        ctx.profile
    ));
    Ok(())
}

/// The largest CSV accepted: the console's file is two lines of well under 200 bytes.
const CSV_LIMIT: u64 = 64 * 1024;

/// Reads at most [`CSV_LIMIT`] bytes of `path`, so that `/dev/zero` or a huge file cannot
/// exhaust memory. A pipe (`<(gpg -d keys.csv.gpg)`) is read like a file.
fn read_bounded(path: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::user(format!("cannot read {shown}: {e}")))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(CSV_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::user(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > CSV_LIMIT {
        return Err(CliError::user(format!(
            "{shown} is larger than {} KiB; the console's accessKeys.csv is two short lines",
            CSV_LIMIT / 1024
        )));
    }
    Ok(bytes)
}

/// The console's header: the columns import reads.
const ID_HEADER: &str = "Access key ID";
const SECRET_HEADER: &str = "Secret access key";
const USER_HEADER: &str = "User name";

/// Parses the console's CSV. Errors name the file, the row and the column and say what is
/// wrong; they never repeat a cell, since any cell may hold the secret.
pub(crate) fn parse_access_keys_csv(bytes: &[u8], path: &Path) -> Result<ImportedKey, CliError> {
    let file = path.display();
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(
            CliError::user(format!("{file} is UTF-16 text; the console writes UTF-8")).with_hint(
                "save the file as UTF-8 (CSV), or download it again from the IAM console",
            ),
        );
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let headers = match records.next() {
        None => return Err(CliError::user(format!("{file}: the file is empty"))),
        Some(Err(e)) => {
            return Err(CliError::user(format!(
                "{file}: row 1 (the header): {}",
                csv_reason(&e)
            )));
        }
        Some(Ok(h)) => h,
    };
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (id_col, secret_col) = match (column(ID_HEADER), column(SECRET_HEADER)) {
        (Some(i), Some(s)) => (i, s),
        (found_id, found_secret) => {
            let header_hint = format!(
                "the console's file starts with the row `{ID_HEADER},{SECRET_HEADER}` (newer ones with `{USER_HEADER},` first)"
            );
            // A first row holding a key id means the header row is missing.
            if headers
                .iter()
                .any(|h| h.parse::<sagecred_core::AccessKeyId>().is_ok())
            {
                return Err(CliError::user(format!(
                    "{file}: row 1 holds an access key id, not the header; the file has no header row"
                ))
                .with_hint(format!("add the header: {header_hint}")));
            }
            let missing = match (found_id, found_secret) {
                (None, None) => format!("no `{ID_HEADER}` and no `{SECRET_HEADER}` column"),
                (None, _) => format!("no `{ID_HEADER}` column"),
                _ => format!("no `{SECRET_HEADER}` column"),
            };
            return Err(CliError::user(format!(
                "{file}: row 1 (the header) has {} columns and {missing}",
                headers.len()
            ))
            .with_hint(format!(
                "import the accessKeys.csv that the IAM console downloads when a key is created: {header_hint}"
            )));
        }
    };
    let user_col = column(USER_HEADER);

    let mut found = Vec::new();
    for (i, record) in records.enumerate() {
        // Row numbers count the header as row 1, as spreadsheets show them.
        let row = i + 2;
        // The csv crate keeps its own buffers, which cannot be zeroed; the file's bytes,
        // which we own, are.
        let record =
            record.map_err(|e| CliError::user(format!("{file}: row {row}: {}", csv_reason(&e))))?;
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if record.len() > headers.len() {
            return Err(CliError::user(format!(
                "{file}: row {row} has {} columns where the header has {}; an unquoted comma in a value?",
                record.len(),
                headers.len()
            )));
        }
        // A quote left open swallows the rest of the file into one cell.
        let open_quote = record.iter().any(|f| f.contains([',', '\n']));
        let cell = |col: usize, name: &str| match record.get(col) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(CliError::user(format!(
                "{file}: row {row}, column {} (`{name}`) is empty or missing{}",
                col + 1,
                if open_quote {
                    "; a `\"` in the row is never closed"
                } else {
                    ""
                }
            ))),
        };
        let key_id = cell(id_col, ID_HEADER)?;
        let secret = cell(secret_col, SECRET_HEADER)?;
        let credentials = credentials_from(
            key_id,
            secret,
            &format!("row {row}, column {} (`{ID_HEADER}`)", id_col + 1),
            &format!("row {row}, column {} (`{SECRET_HEADER}`)", secret_col + 1),
        )
        .map_err(|e| e.with_message_prefix(&format!("{file}: ")))?;
        let user_name = user_col
            .and_then(|c| record.get(c))
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        found.push(ImportedKey {
            user_name,
            credentials,
        });
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CliError::user(format!(
            "{file}: the file holds no access key"
        ))),
        n => Err(CliError::user(format!(
            "{file}: the file holds {n} access keys; import needs exactly one"
        ))
        .with_hint("split the file, and import each key with its own --profile")),
    }
}

/// A CSV error's reason without any field contents.
fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("column {} is not valid UTF-8", err.field() + 1)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields where the header has {expected_len}")
        }
        _ => "the row is not valid CSV".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn parse(text: &str) -> Result<ImportedKey, CliError> {
        parse_access_keys_csv(text.as_bytes(), Path::new("keys.csv"))
    }

    #[test]
    fn plain_console_file() {
        let k = parse(&format!("Access key ID,Secret access key\n{ID},{SECRET}\n")).unwrap();
        assert_eq!(k.credentials.access_key_id().as_str(), ID);
        assert_eq!(k.credentials.secret_access_key().expose(), SECRET);
        assert_eq!(k.user_name, None);
    }

    #[test]
    fn bom_crlf_user_name_and_trailing_blank_lines() {
        let text = format!(
            "\u{feff}User name,Access key ID,Secret access key\r\nsagemaker-developer,{ID},{SECRET}\r\n\r\n\r\n"
        );
        let k = parse(&text).unwrap();
        assert_eq!(k.user_name.as_deref(), Some("sagemaker-developer"));
        assert_eq!(k.credentials.secret_access_key().expose(), SECRET);
    }

    #[test]
    fn errors_name_file_and_row_but_not_the_secret() {
        let e = parse(&format!(
            "Access key ID,Secret access key\nnot-a-key,{SECRET}\n"
        ))
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "keys.csv: row 2, column 1 (`Access key ID`): access key id is not valid: character 1 is `-`"
            ) || msg.starts_with(
                "keys.csv: row 2, column 1 (`Access key ID`): access key id is not valid: character 1 is a lower-case letter"
            ),
            "{msg}"
        );
        assert!(!msg.contains(SECRET) && !msg.contains("not-a-key"));

        let e = parse("Name,Password\nbob,hunter2\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 1 (the header) has 2 columns and no `Access key ID` and no `Secret access key` column"),
            "{e}"
        );
        assert!(!e.contains("Password") && !e.contains("hunter2"), "{e}");

        let two = format!("Access key ID,Secret access key\n{ID},{SECRET}\n{ID},{SECRET}\n");
        assert!(
            parse(&two)
                .unwrap_err()
                .to_string()
                .contains("holds 2 access keys")
        );
        assert!(
            parse("Access key ID,Secret access key\n")
                .unwrap_err()
                .to_string()
                .contains("no access key")
        );

        let spaced = format!("Access key ID,Secret access key\n{ID},\"wJalr XUtn\"\n");
        let msg = parse(&spaced).unwrap_err().to_string();
        assert!(
            msg.contains("row 2, column 2 (`Secret access key`): the secret access key contains whitespace (character 6)"),
            "{msg}"
        );
        let msg = parse(&spaced).unwrap_err().to_string();
        assert!(
            msg.contains("contains whitespace") && !msg.contains("wJalr"),
            "{msg}"
        );
    }

    /// Every misshapen file the console never writes: the error names the row or column
    /// and the kind of problem, and never repeats a cell.
    #[test]
    fn misshapen_files_never_echo_a_cell() {
        let cases: Vec<(String, &str)> = vec![
            (
                format!("{ID},{SECRET}\n"),
                "row 1 holds an access key id, not the header",
            ),
            (
                format!("{SECRET},{ID}\n"),
                "row 1 holds an access key id, not the header",
            ),
            (
                format!("Access key ID,Secret access key\n{SECRET},{ID}\n"),
                "the access key id and the secret look swapped",
            ),
            (
                format!("Secret access key,Access key ID\n{ID},{SECRET}\n"),
                "the access key id and the secret look swapped",
            ),
            (format!("{SECRET}\n"), "row 1 (the header) has 1 columns"),
            (
                format!("Access key ID\n{ID}\n"),
                "no `Secret access key` column",
            ),
            (
                format!("Access key ID,Secret access key\n\"{ID},{SECRET}\n"),
                "a `\"` in the row is never closed",
            ),
            (
                format!("Access key ID,Secret access key\n{ID},\"{SECRET}\n"),
                "no access key",
            ),
            (
                format!("Access key ID,Secret access key\n{ID},{SECRET},extra\n"),
                "row 2 has 3 columns where the header has 2",
            ),
            (
                format!("Access key ID,Secret access key\n{ID}\n"),
                "row 2, column 2 (`Secret access key`) is empty or missing",
            ),
            (String::new(), "the file is empty"),
        ];
        for (text, expected) in &cases {
            for variant in [
                text.clone(),
                text.replace('\n', "\r\n"),
                format!("\u{feff}{text}"),
            ] {
                match parse(&variant) {
                    Ok(_) if *expected == "no access key" => {}
                    Ok(_) => panic!("accepted {variant:?}"),
                    Err(e) => {
                        let msg = format!("{e} {}", e.hint().unwrap_or_default());
                        assert!(
                            msg.contains(expected) || *expected == "no access key",
                            "{variant:?}: {msg}"
                        );
                        assert!(
                            !msg.contains("wJalr") && !msg.contains("EXAMPLEKEY"),
                            "{msg}"
                        );
                        assert!(!msg.contains('\n'), "{msg}");
                    }
                }
            }
        }
        let utf16: Vec<u8> = b"\xFF\xFEA\0".to_vec();
        let e = parse_access_keys_csv(&utf16, Path::new("k.csv")).unwrap_err();
        assert!(e.to_string().contains("UTF-16"), "{e}");
    }

    proptest::proptest! {
        /// Any bytes at all, with the secret somewhere among them: an error or a key,
        /// never a panic, and never the secret in the error.
        #[test]
        fn any_bytes_error_or_parse_never_echo(
            before in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            after in proptest::collection::vec(
                proptest::sample::select(vec![b',', b'"', b'\n', b'\r', b' ', b'A', 0xEF, 0xBB, 0xBF, 0]),
                0..16,
            ),
            header in proptest::bool::ANY,
        ) {
            let mut bytes = Vec::new();
            if header {
                bytes.extend_from_slice(b"Access key ID,Secret access key\n");
            }
            bytes.extend_from_slice(&before);
            bytes.extend_from_slice(SECRET.as_bytes());
            bytes.extend_from_slice(&after);
            if let Err(e) = parse_access_keys_csv(&bytes, Path::new("k.csv")) {
                let msg = format!("{e} {}", e.hint().unwrap_or_default());
                proptest::prop_assert!(!msg.contains("EXAMPLEKEY"), "{}", msg);
                proptest::prop_assert!(!msg.contains('\n'), "{}", msg);
            }
        }
    }
}
