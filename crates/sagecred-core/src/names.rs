//! Validated names and identifiers.
//!
//! Each type parses from a string with [`std::str::FromStr`] and refuses bad input with a
//! [`ValidationError`] that names the value and the rule it broke. Once built, a value is
//! known to be well formed, so later code (file writers, shell quoting, ARNs) can rely on it.

use std::fmt;
use std::str::FromStr;

/// The execution role name from the setup guide.
pub const DEFAULT_ROLE_NAME: &str = "SageMaker-UNetTraining-ExecutionRole";
/// The customer managed policy name from the setup guide.
pub const DEFAULT_POLICY_NAME: &str = "VesselSegmentationS3ECRAccess";
/// The training data bucket from the setup guide.
pub const DEFAULT_BUCKET: &str = "vessel-segmentation-data";
/// The IAM user name from the setup guide.
pub const DEFAULT_USER_NAME: &str = "sagemaker-developer";
/// The region from the setup guide.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The longest profile name sagecred accepts.
pub const MAX_PROFILE_NAME_LEN: usize = 128;
/// The longest region code sagecred accepts.
pub const MAX_REGION_LEN: usize = 32;
/// The longest access key id sagecred accepts (IAM's own limit).
pub const MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// The longest secret access key sagecred accepts. AWS issues 40 characters.
pub const MAX_SECRET_ACCESS_KEY_LEN: usize = 128;
/// The longest role ARN sagecred accepts (IAM's limit for an ARN).
pub const MAX_ROLE_ARN_LEN: usize = 2048;

/// Why a value was refused.
///
/// No variant holds the refused value: it may be a secret pasted in the wrong place, or
/// megabytes long, or full of terminal escapes. Errors say what kind of value it was
/// meant to be, where it went wrong and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The value is empty.
    #[error("{what} is empty")]
    Empty {
        /// What kind of value it was meant to be.
        what: &'static str,
    },
    /// The value is longer than allowed.
    #[error("{what} is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The refused value's length in characters (or, past a bound, in bytes).
        len: usize,
        /// The longest allowed.
        max: usize,
    },
    /// The value holds a character that is not allowed.
    #[error("{what} contains {found} at character {position}, which is not allowed: {rule}")]
    BadCharacter {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The offending character, described (control characters by code point).
        found: String,
        /// Where it is, counting characters from 1.
        position: usize,
        /// The rule, in words.
        rule: &'static str,
    },
    /// A value that may be a secret in the wrong place (an access key id can be a pasted
    /// secret) was refused. The error describes it without repeating it.
    #[error("{what} is not valid: {problem}")]
    Undisclosed {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// What is wrong (length, kind of character and its position), in words.
        problem: String,
    },
    /// The value does not have the required shape.
    #[error("{what} is not valid: {rule}")]
    BadFormat {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The rule, in words.
        rule: &'static str,
    },
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' => "a newline".to_owned(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c if c.is_ascii_graphic() => format!("`{c}`"),
        c => format!("U+{:04X}", c as u32),
    }
}

/// The kind of a character, without the character itself when it is a letter or digit
/// (which could be part of a secret).
pub(crate) fn describe_class(c: char) -> String {
    match c {
        c if c.is_ascii_lowercase() => "a lower-case letter".to_owned(),
        c if c.is_ascii_uppercase() => "an upper-case letter".to_owned(),
        c if c.is_ascii_digit() => "a digit".to_owned(),
        c if c.is_ascii_punctuation() => format!("`{c}`"),
        c if c.is_whitespace() || c.is_control() => describe(c),
        _ => "a non-ASCII character".to_owned(),
    }
}

fn check_chars(
    what: &'static str,
    value: &str,
    rule: &'static str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), ValidationError> {
    match value.chars().enumerate().find(|&(_, c)| !allowed(c)) {
        Some((i, c)) => Err(ValidationError::BadCharacter {
            what,
            found: describe_class(c),
            position: i + 1,
            rule,
        }),
        None => Ok(()),
    }
}

/// Refuses an empty value and one longer than `max` characters, before anything else
/// looks at it. A value of more than `4 * max` bytes is refused by its byte length, so
/// the check costs nothing on a huge value.
fn check_len(what: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::Empty { what });
    }
    if value.len() > max.saturating_mul(4) {
        return Err(ValidationError::TooLong {
            what,
            len: value.len(),
            max,
        });
    }
    let len = value.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { what, len, max });
    }
    Ok(())
}

/// Checks a secret access key before sagecred stores it: not empty, at most
/// [`MAX_SECRET_ACCESS_KEY_LEN`] characters, printable ASCII without spaces (AWS issues
/// 40 characters of base64). The error never holds the secret.
///
/// ```
/// use sagecred_core::check_secret_access_key;
/// assert!(check_secret_access_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_ok());
/// let err = check_secret_access_key(&"x".repeat(1000)).unwrap_err();
/// assert_eq!(err.to_string(), "secret access key is 1000 characters long; at most 128 are allowed");
/// ```
pub fn check_secret_access_key(secret: &str) -> Result<(), ValidationError> {
    const WHAT: &str = "secret access key";
    check_len(WHAT, secret, MAX_SECRET_ACCESS_KEY_LEN)?;
    check_chars(
        WHAT,
        secret,
        "a secret access key is printable ASCII without spaces",
        |c| c.is_ascii_graphic(),
    )
}

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

string_newtype!(
    /// A profile name as the AWS SDKs accept it: ASCII letters, digits and `_-/.%@:+`.
    ///
    /// These are the characters AWS's profile parser keeps; a section whose name holds
    /// anything else (whitespace, brackets, control characters, quotes) is ignored by the
    /// SDKs, so sagecred refuses to create one.
    ProfileName
);

impl ProfileName {
    /// The profile used when none is named.
    pub fn default_profile() -> Self {
        Self("default".to_owned())
    }

    /// Whether this is the `default` profile.
    pub fn is_default(&self) -> bool {
        self.0 == "default"
    }
}

/// Whether `c` may appear in a profile or section name, by AWS's profile-parser rules.
pub(crate) fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c)
}

impl FromStr for ProfileName {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "profile name";
        check_len(WHAT, s, MAX_PROFILE_NAME_LEN)?;
        check_chars(
            WHAT,
            s,
            "use ASCII letters, digits and _-/.%@:+",
            is_identifier_char,
        )?;
        Ok(Self(s.to_owned()))
    }
}

string_newtype!(
    /// A 12-digit AWS account id.
    AccountId
);

impl FromStr for AccountId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "account id";
        const RULE: &str = "an account id is 12 digits";
        check_len(WHAT, s, 12)?;
        check_chars(WHAT, s, RULE, |c| c.is_ascii_digit())?;
        if s.len() != 12 {
            return Err(ValidationError::BadFormat {
                what: WHAT,
                rule: RULE,
            });
        }
        Ok(Self(s.to_owned()))
    }
}

string_newtype!(
    /// An AWS region code such as `us-east-1` or `us-gov-west-1`.
    Region
);

impl FromStr for Region {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "region";
        const RULE: &str =
            "a region looks like `us-east-1`: lower-case words and a number, joined by `-`";
        check_len(WHAT, s, MAX_REGION_LEN)?;
        check_chars(WHAT, s, RULE, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        })?;
        let parts: Vec<&str> = s.split('-').collect();
        let well_formed = parts.len() >= 3
            && parts.iter().all(|p| !p.is_empty())
            && parts[0].chars().all(|c| c.is_ascii_lowercase())
            && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
        if !well_formed {
            return Err(ValidationError::BadFormat {
                what: WHAT,
                rule: RULE,
            });
        }
        Ok(Self(s.to_owned()))
    }
}

string_newtype!(
    /// An access key id: 16 to 128 upper-case letters and digits, such as
    /// `AKIAIOSFODNN7EXAMPLE` (long-term) or `ASIA...` (temporary).
    ///
    /// Not a secret, but shown [masked](AccessKeyId::masked) in listings.
    AccessKeyId
);

impl AccessKeyId {
    /// The id with all but its first and last four characters hidden:
    /// `AKIA************MPLE`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..4], "*".repeat(n - 8), &self.0[n - 4..])
    }

    /// Whether this is a temporary (STS-issued) key id.
    pub fn is_temporary(&self) -> bool {
        self.0.starts_with("ASIA")
    }
}

impl FromStr for AccessKeyId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The value is never repeated in the error: a key id that fails these rules is
        // often the secret, pasted into the wrong field or line.
        const WHAT: &str = "access key id";
        const RULE: &str = "an access key id is 16 to 128 upper-case letters and digits, like AKIAIOSFODNN7EXAMPLE";
        let refuse = |problem: String| ValidationError::Undisclosed {
            what: WHAT,
            problem: format!("{problem}; {RULE}"),
        };
        if s.is_empty() {
            return Err(ValidationError::Empty { what: WHAT });
        }
        // A bound before anything reads the value through.
        if s.len() > MAX_ACCESS_KEY_ID_LEN * 4 {
            return Err(refuse(format!("it is {} bytes long", s.len())));
        }
        if let Some((i, c)) = s
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
        {
            return Err(refuse(format!(
                "character {} is {}",
                i + 1,
                describe_class(c)
            )));
        }
        let n = s.chars().count();
        if !(16..=MAX_ACCESS_KEY_ID_LEN).contains(&n) {
            return Err(refuse(format!("it is {n} characters long")));
        }
        Ok(Self(s.to_owned()))
    }
}

/// The AWS partitions that IAM role ARNs may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partition {
    /// The commercial partition, `aws`.
    Aws,
    /// The China partition, `aws-cn`.
    AwsCn,
    /// AWS GovCloud (US), `aws-us-gov`.
    AwsUsGov,
}

impl Partition {
    /// The partition as it appears in an ARN.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
        }
    }

    /// The partition a region belongs to.
    pub fn of_region(region: &Region) -> Self {
        let r = region.as_str();
        if r.starts_with("cn-") {
            Self::AwsCn
        } else if r.starts_with("us-gov-") {
            Self::AwsUsGov
        } else {
            Self::Aws
        }
    }
}

impl FromStr for Partition {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "aws" => Ok(Self::Aws),
            "aws-cn" => Ok(Self::AwsCn),
            "aws-us-gov" => Ok(Self::AwsUsGov),
            _ => Err(ValidationError::BadFormat {
                what: "partition",
                rule: "the partition must be aws, aws-cn or aws-us-gov",
            }),
        }
    }
}

/// An IAM role ARN, `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, keeping the role's path.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoleArn {
    partition: Partition,
    account: AccountId,
    /// `/` or `/a/b/`: starts and ends with a slash, as IAM stores it.
    path: String,
    name: String,
}

const ROLE_ARN_RULE: &str = "a role ARN looks like arn:aws:iam::123456789012:role/NAME";

impl RoleArn {
    /// The ARN of role `name` at the root path (`/`) of `account`.
    pub fn new(
        partition: Partition,
        account: AccountId,
        name: &str,
    ) -> Result<Self, ValidationError> {
        validate_role_name(name)?;
        Ok(Self {
            partition,
            account,
            path: "/".to_owned(),
            name: name.to_owned(),
        })
    }

    /// The partition.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The account that owns the role.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The role's path, `/` or `/a/b/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The role's name, without its path.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn validate_role_name(name: &str) -> Result<(), ValidationError> {
    const WHAT: &str = "role name";
    check_len(WHAT, name, 64)?;
    check_chars(WHAT, name, "use letters, digits and +=,.@_-", |c| {
        c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
    })
}

impl FromStr for RoleArn {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "role ARN";
        check_len(WHAT, s, MAX_ROLE_ARN_LEN)?;
        let bad = || ValidationError::BadFormat {
            what: WHAT,
            rule: ROLE_ARN_RULE,
        };
        let mut parts = s.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let partition = partition.parse()?;
        let account = account.parse()?;
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return Err(bad());
        };
        let (path, name) = match path_and_name.rfind('/') {
            Some(i) => (
                format!("/{}", &path_and_name[..=i]),
                &path_and_name[i + 1..],
            ),
            None => ("/".to_owned(), path_and_name),
        };
        if path.len() > 512 || path.contains("//") {
            return Err(ValidationError::BadFormat {
                what: "role path",
                rule: "a role path is `/` or `/segment/.../`, at most 512 characters",
            });
        }
        check_chars(
            "role path",
            &path,
            "a role path holds printable ASCII only",
            |c| c.is_ascii_graphic(),
        )?;
        validate_role_name(name)?;
        Ok(Self {
            partition,
            account,
            path,
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:role{}{}",
            self.partition.as_str(),
            self.account,
            self.path,
            self.name
        )
    }
}

impl fmt::Debug for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn profile_names() {
        for ok in ["default", "dev", "a.b-c_d/e%f@g:h+i", "Prod2"] {
            assert_eq!(ok.parse::<ProfileName>().unwrap().as_str(), ok);
        }
        let err = "my profile".parse::<ProfileName>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "profile name contains a space at character 3, which is not allowed: use ASCII letters, digits and _-/.%@:+"
        );
        for bad in [
            "", "a]b", "[a", "a\tb", "a\nb", "a\u{7}b", "é", "a\"b", "$(x)",
        ] {
            assert!(bad.parse::<ProfileName>().is_err(), "{bad:?} accepted");
        }
        assert!("x".repeat(129).parse::<ProfileName>().is_err());
        assert!(ProfileName::default_profile().is_default());
    }

    #[test]
    fn account_ids() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901a",
            " 123456789012",
        ] {
            assert!(bad.parse::<AccountId>().is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            "12345".parse::<AccountId>().unwrap_err().to_string(),
            "account id is not valid: an account id is 12 digits"
        );
    }

    /// Every parser refuses a huge value by its length, first, and no error holds the
    /// value (it may be a secret in the wrong place, or a terminal escape sequence).
    #[test]
    fn values_are_bounded_and_never_quoted() {
        let canary = "CANARYwJalrXUtnFEMI";
        let huge = format!("{canary}{}", "A".repeat(10 << 20));
        let cases: Vec<(&str, String)> = vec![
            (
                "profile name",
                huge.parse::<ProfileName>().unwrap_err().to_string(),
            ),
            ("region", huge.parse::<Region>().unwrap_err().to_string()),
            (
                "access key id",
                huge.parse::<AccessKeyId>().unwrap_err().to_string(),
            ),
            (
                "account id",
                huge.parse::<AccountId>().unwrap_err().to_string(),
            ),
            ("role ARN", huge.parse::<RoleArn>().unwrap_err().to_string()),
            (
                "secret access key",
                check_secret_access_key(&huge).unwrap_err().to_string(),
            ),
        ];
        for (what, err) in &cases {
            assert!(err.starts_with(what), "{err}");
            assert!(
                err.contains("characters long; at most") || err.contains("bytes long"),
                "{err}"
            );
            assert!(!err.contains(canary), "{err}");
            assert!(err.len() < 200, "{err}");
        }
        // Just past each bound.
        assert!(
            "p".repeat(MAX_PROFILE_NAME_LEN)
                .parse::<ProfileName>()
                .is_ok()
        );
        assert!(
            "p".repeat(MAX_PROFILE_NAME_LEN + 1)
                .parse::<ProfileName>()
                .is_err()
        );
        assert!(
            format!("AKIA{}", "A".repeat(MAX_ACCESS_KEY_ID_LEN - 4))
                .parse::<AccessKeyId>()
                .is_ok()
        );
        assert!(
            format!("AKIA{}", "A".repeat(MAX_ACCESS_KEY_ID_LEN - 3))
                .parse::<AccessKeyId>()
                .is_err()
        );
        assert!(check_secret_access_key(&"s".repeat(MAX_SECRET_ACCESS_KEY_LEN)).is_ok());
        assert!(check_secret_access_key(&"s".repeat(MAX_SECRET_ACCESS_KEY_LEN + 1)).is_err());
        let long_path = format!(
            "arn:aws:iam::123456789012:role/{}/R",
            "p".repeat(MAX_ROLE_ARN_LEN)
        );
        assert!(
            long_path
                .parse::<RoleArn>()
                .unwrap_err()
                .to_string()
                .starts_with("role ARN is")
        );
        assert_eq!(
            "us-east-1\u{1b}]0;X\u{7}"
                .parse::<Region>()
                .unwrap_err()
                .to_string(),
            "region contains control character U+001B at character 10, which is not allowed: a region looks like `us-east-1`: lower-case words and a number, joined by `-`"
        );
        // A secret pasted where the key id goes is not echoed.
        let err = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            .parse::<AccessKeyId>()
            .unwrap_err();
        assert!(!err.to_string().contains("wJalr"), "{err}");
        assert!(check_secret_access_key("has space").is_err());
        assert!(check_secret_access_key("").is_err());
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "eu-central-2",
            "us-isob-east-1",
        ] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "useast1",
            "US-EAST-1",
            "us-east-",
            "us--east-1",
            "us-east-x",
            "1s-east-1",
            "us east 1",
        ] {
            assert!(bad.parse::<Region>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn access_key_ids() {
        let id: AccessKeyId = "AKIAIOSFODNN7EXAMPLE".parse().unwrap();
        assert_eq!(id.masked(), "AKIA************MPLE");
        assert!(!id.is_temporary());
        assert!(
            "ASIAIOSFODNN7EXAMPLE"
                .parse::<AccessKeyId>()
                .unwrap()
                .is_temporary()
        );
        for bad in [
            "",
            "AKIA",
            "akiaiosfodnn7example",
            "AKIAIOSFODNN7EXAMPL!",
            "AKIAIOSFODNN7EXAMPLE ",
        ] {
            assert!(bad.parse::<AccessKeyId>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_refused_access_key_id_is_never_repeated() {
        // The secret pasted where the key id goes: the error says what is wrong, not what
        // was given.
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let e = secret.parse::<AccessKeyId>().unwrap_err().to_string();
        assert!(!e.contains("wJalr") && !e.contains("EXAMPLEKEY"), "{e}");
        assert!(
            e.starts_with("access key id is not valid: character 1 is a lower-case letter"),
            "{e}"
        );
        let e = "AKIA".parse::<AccessKeyId>().unwrap_err().to_string();
        assert!(
            e.contains("it is 4 characters long") && !e.contains("`AKIA`"),
            "{e}"
        );
        let e = "A"
            .repeat(200)
            .parse::<AccessKeyId>()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("it is 200 characters long") && !e.contains("AAAAA"),
            "{e}"
        );
    }

    #[test]
    fn role_arns_keep_their_path() {
        let arn: RoleArn = "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole"
            .parse()
            .unwrap();
        assert_eq!(arn.path(), "/");
        assert_eq!(arn.name(), DEFAULT_ROLE_NAME);
        assert_eq!(arn.account().as_str(), "123456789012");

        let s = "arn:aws-us-gov:iam::123456789012:role/service-role/ml/Trainer";
        let arn: RoleArn = s.parse().unwrap();
        assert_eq!(arn.partition(), Partition::AwsUsGov);
        assert_eq!(arn.path(), "/service-role/ml/");
        assert_eq!(arn.name(), "Trainer");
        assert_eq!(arn.to_string(), s);

        let built = RoleArn::new(Partition::AwsCn, "123456789012".parse().unwrap(), "R").unwrap();
        assert_eq!(built.to_string(), "arn:aws-cn:iam::123456789012:role/R");

        for bad in [
            "",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:s3::123456789012:role/x",
            "arn:aws-xx:iam::123456789012:role/x",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a//b",
            "arn:aws:iam::123456789012:role/x y",
        ] {
            assert!(bad.parse::<RoleArn>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn partitions_follow_regions() {
        let p = |r: &str| Partition::of_region(&r.parse().unwrap());
        assert_eq!(p("us-east-1"), Partition::Aws);
        assert_eq!(p("cn-northwest-1"), Partition::AwsCn);
        assert_eq!(p("us-gov-east-1"), Partition::AwsUsGov);
    }

    proptest! {
        #[test]
        fn role_arns_round_trip(
            partition in prop_oneof![Just("aws"), Just("aws-cn"), Just("aws-us-gov")],
            account in "[0-9]{12}",
            path in proptest::collection::vec("[a-zA-Z0-9_-]{1,8}", 0..4),
            name in "[a-zA-Z0-9+=,.@_-]{1,64}",
        ) {
            let path: String = path.iter().map(|p| format!("{p}/")).collect();
            let s = format!("arn:{partition}:iam::{account}:role/{path}{name}");
            let arn: RoleArn = s.parse().unwrap();
            prop_assert_eq!(arn.to_string(), s);
            prop_assert_eq!(arn.name(), name.as_str());
        }

        #[test]
        fn accepted_profile_names_hold_only_identifier_chars(s in "\\PC{0,20}") {
            if let Ok(p) = s.parse::<ProfileName>() {
                prop_assert!(p.as_str().chars().all(is_identifier_char));
            }
        }
    }
}
