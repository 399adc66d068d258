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

/// Why a value was refused.
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
    #[error("{what} `{value}` is longer than {max} characters")]
    TooLong {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The refused value (never a secret).
        value: String,
        /// The longest allowed.
        max: usize,
    },
    /// The value holds a character that is not allowed.
    #[error("{what} `{value}` contains {found}, which is not allowed: {rule}")]
    BadCharacter {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The refused value, with control characters escaped.
        value: String,
        /// The offending character, described.
        found: String,
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
    #[error("{what} `{value}` is not valid: {rule}")]
    BadFormat {
        /// What kind of value it was meant to be.
        what: &'static str,
        /// The refused value, with control characters escaped.
        value: String,
        /// The rule, in words.
        rule: &'static str,
    },
}

/// Escapes control characters so that a refused value can be shown on one line.
fn shown(value: &str) -> String {
    value.escape_debug().to_string()
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' => "a newline".to_owned(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
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
    match value.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(ValidationError::BadCharacter {
            what,
            value: shown(value),
            found: describe(c),
            rule,
        }),
        None => Ok(()),
    }
}

fn check_len(what: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::Empty { what });
    }
    if value.chars().count() > max {
        return Err(ValidationError::TooLong {
            what,
            value: shown(value),
            max,
        });
    }
    Ok(())
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
        check_len(WHAT, s, 128)?;
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
        if s.is_empty() {
            return Err(ValidationError::Empty { what: WHAT });
        }
        check_chars(WHAT, s, "an account id is 12 digits", |c| {
            c.is_ascii_digit()
        })?;
        if s.len() != 12 {
            return Err(ValidationError::BadFormat {
                what: WHAT,
                value: shown(s),
                rule: "an account id is 12 digits",
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
        check_len(WHAT, s, 32)?;
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
                value: shown(s),
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
        if !(16..=128).contains(&n) {
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
                value: shown(s),
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
        if s.is_empty() {
            return Err(ValidationError::Empty { what: WHAT });
        }
        let bad = || ValidationError::BadFormat {
            what: WHAT,
            value: shown(s),
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
                value: shown(&path),
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
            "profile name `my profile` contains a space, which is not allowed: use ASCII letters, digits and _-/.%@:+"
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
            "account id `12345` is not valid: an account id is 12 digits"
        );
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
