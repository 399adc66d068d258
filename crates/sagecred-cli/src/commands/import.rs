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
    let bytes = Zeroizing::new(
        std::fs::read(&args.file)
            .map_err(|e| CliError::user(format!("cannot read {}: {e}", args.file.display())))?,
    );
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

/// Parses the console's CSV. Errors name the file and the row, never a secret.
pub(crate) fn parse_access_keys_csv(bytes: &[u8], path: &Path) -> Result<ImportedKey, CliError> {
    let file = path.display();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| CliError::user(format!("{file}: cannot read the CSV header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(id_col), Some(secret_col)) = (column("Access key ID"), column("Secret access key"))
    else {
        let found: Vec<&str> = headers.iter().collect();
        return Err(CliError::user(format!(
            "{file}: the header is `{}`, not `Access key ID,Secret access key`",
            found.join(",")
        ))
        .with_hint(
            "import the accessKeys.csv that the IAM console downloads when a key is created",
        ));
    };
    let user_col = column("User name");

    let mut found = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Row numbers count the header as row 1, as spreadsheets show them.
        let row = i + 2;
        // The csv crate keeps its own buffers, which cannot be zeroed; the file's bytes,
        // which we own, are.
        let record =
            record.map_err(|e| CliError::user(format!("{file}: row {row}: {}", csv_reason(&e))))?;
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let key_id = record.get(id_col).unwrap_or("");
        let secret = record.get(secret_col).unwrap_or("");
        let credentials = credentials_from(key_id, secret, &format!("{file}, row {row}"))
            .map_err(|e| CliError::user(format!("{file}: row {row}: {e}")))?;
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
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
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
                "keys.csv: row 2: access key id is not valid: character 1 is a lower-case letter"
            ),
            "{msg}"
        );
        assert!(!msg.contains(SECRET));

        let e = parse("Name,Password\nbob,hunter2\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("the header is `Name,Password`"), "{e}");

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
            msg.contains("contains whitespace") && !msg.contains("wJalr"),
            "{msg}"
        );
    }
}
