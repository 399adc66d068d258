//! [`SsoSessionName`]: the name of an `[sso-session NAME]` section.

use std::fmt;
use std::str::FromStr;

use crate::names::{ProfileName, ValidationError};

/// The name of an `[sso-session NAME]` section. AWS's profile parser keeps the same
/// characters in section names as in profile names (ASCII letters, digits and
/// `_-/.%@:+`), and ignores a section whose name holds anything else, so sagecred refuses
/// to write one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SsoSessionName(String);

impl SsoSessionName {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for SsoSessionName {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "sso-session name";
        // The rules are the profile name's; only the name of the value differs.
        s.parse::<ProfileName>().map_err(|mut e| {
            match &mut e {
                ValidationError::Empty { what, .. }
                | ValidationError::TooLong { what, .. }
                | ValidationError::BadCharacter { what, .. }
                | ValidationError::Undisclosed { what, .. }
                | ValidationError::BadFormat { what, .. } => *what = WHAT,
            }
            e
        })?;
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for SsoSessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SsoSessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl AsRef<str> for SsoSessionName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_follow_the_section_name_rules() {
        assert_eq!(
            "my-sso".parse::<SsoSessionName>().unwrap().as_str(),
            "my-sso"
        );
        for bad in ["", "a b", "x]y", "a#b", "a;b"] {
            let e = bad.parse::<SsoSessionName>().unwrap_err();
            assert!(e.to_string().starts_with("sso-session name"), "{e}");
        }
    }
}
