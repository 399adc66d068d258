//! Which SageMaker execution role a profile uses, and where that answer came from.
//!
//! The order is the guide's Part 4 made precise: an explicit value (a flag), then the
//! `SAGEMAKER_ROLE` environment variable, then the profile's `sagemaker_role_arn`, then the
//! guide's default role name in the profile's cached `aws_account_id`.

use std::fmt;

use crate::{AccountId, DEFAULT_ROLE_NAME, Partition, Region, RoleArn, ValidationError};

/// Where a resolved role ARN came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// A command-line flag (`--role`).
    Flag,
    /// The `SAGEMAKER_ROLE` environment variable.
    Environment,
    /// The profile's `sagemaker_role_arn` setting.
    Profile,
    /// The guide's default role name in the profile's `aws_account_id`.
    DefaultName,
}

impl RoleSource {
    /// A short machine-readable name: `flag`, `environment`, `profile`, `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Environment => "environment",
            Self::Profile => "profile",
            Self::DefaultName => "default",
        }
    }

    /// The source in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Flag => "the --role flag",
            Self::Environment => "the SAGEMAKER_ROLE environment variable",
            Self::Profile => "the profile's sagemaker_role_arn",
            Self::DefaultName => "the default role name in the profile's aws_account_id",
        }
    }
}

impl fmt::Display for RoleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inputs of role resolution, each as the raw text found (or `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RoleInputs<'a> {
    /// The `--role` flag.
    pub flag: Option<&'a str>,
    /// `SAGEMAKER_ROLE` from the environment.
    pub environment: Option<&'a str>,
    /// The profile's `sagemaker_role_arn`.
    pub profile_arn: Option<&'a str>,
    /// The profile's cached `aws_account_id`.
    pub account_id: Option<&'a str>,
    /// The profile's region, which decides the partition of a default ARN.
    pub region: Option<&'a str>,
}

/// A value that was found but is not usable, with its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} holds an invalid value: {error}", .source_of_value.describe())]
pub struct RoleInputError {
    /// Which input held the bad value.
    pub source_of_value: RoleSource,
    /// What is wrong with it.
    pub error: ValidationError,
}

/// The outcome of resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleResolution {
    /// The role, and where it came from; `None` when no input gave one.
    pub role: Option<(RoleArn, RoleSource)>,
    /// Inputs that were present but invalid, and were skipped over.
    pub skipped: Vec<RoleInputError>,
}

/// Resolves the SageMaker execution role from `inputs`, first valid source wins.
///
/// An invalid value does not stop resolution: it is reported in
/// [`RoleResolution::skipped`] so that the caller can warn, and the next source is tried.
///
/// ```
/// use sagecred_core::role::{RoleInputs, RoleSource, resolve_role};
/// let r = resolve_role(RoleInputs {
///     account_id: Some("123456789012"),
///     ..Default::default()
/// });
/// let (arn, source) = r.role.unwrap();
/// assert_eq!(arn.to_string(), "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole");
/// assert_eq!(source, RoleSource::DefaultName);
/// ```
pub fn resolve_role(inputs: RoleInputs<'_>) -> RoleResolution {
    let mut skipped = Vec::new();
    let explicit = [
        (inputs.flag, RoleSource::Flag),
        (inputs.environment, RoleSource::Environment),
        (inputs.profile_arn, RoleSource::Profile),
    ];
    for (value, source) in explicit {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        match value.parse::<RoleArn>() {
            Ok(arn) => {
                return RoleResolution {
                    role: Some((arn, source)),
                    skipped,
                };
            }
            Err(error) => skipped.push(RoleInputError {
                source_of_value: source,
                error,
            }),
        }
    }
    let role = inputs.account_id.and_then(|account| {
        let account = match account.trim().parse::<AccountId>() {
            Ok(a) => a,
            Err(error) => {
                skipped.push(RoleInputError {
                    source_of_value: RoleSource::DefaultName,
                    error,
                });
                return None;
            }
        };
        let partition = inputs
            .region
            .and_then(|r| r.parse::<Region>().ok())
            .map(|r| Partition::of_region(&r))
            .unwrap_or(Partition::Aws);
        RoleArn::new(partition, account, DEFAULT_ROLE_NAME)
            .ok()
            .map(|arn| (arn, RoleSource::DefaultName))
    });
    RoleResolution { role, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "arn:aws:iam::111111111111:role/A";
    const B: &str = "arn:aws:iam::222222222222:role/path/B";
    const C: &str = "arn:aws:iam::333333333333:role/C";

    fn resolved(inputs: RoleInputs<'_>) -> (String, RoleSource) {
        let (arn, source) = resolve_role(inputs).role.unwrap();
        (arn.to_string(), source)
    }

    #[test]
    fn order_is_flag_environment_profile_default() {
        let all = RoleInputs {
            flag: Some(A),
            environment: Some(B),
            profile_arn: Some(C),
            account_id: Some("444444444444"),
            region: None,
        };
        assert_eq!(resolved(all), (A.into(), RoleSource::Flag));
        assert_eq!(
            resolved(RoleInputs { flag: None, ..all }),
            (B.into(), RoleSource::Environment)
        );
        assert_eq!(
            resolved(RoleInputs {
                flag: None,
                environment: None,
                ..all
            }),
            (C.into(), RoleSource::Profile)
        );
        assert_eq!(
            resolved(RoleInputs {
                flag: None,
                environment: None,
                profile_arn: None,
                ..all
            }),
            (
                "arn:aws:iam::444444444444:role/SageMaker-UNetTraining-ExecutionRole".into(),
                RoleSource::DefaultName
            )
        );
        assert!(resolve_role(RoleInputs::default()).role.is_none());
    }

    #[test]
    fn invalid_values_are_skipped_and_reported() {
        let r = resolve_role(RoleInputs {
            environment: Some("not-an-arn"),
            profile_arn: Some(C),
            ..Default::default()
        });
        assert_eq!(r.role.unwrap().1, RoleSource::Profile);
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].source_of_value, RoleSource::Environment);
        assert!(r.skipped[0].to_string().starts_with(
            "the SAGEMAKER_ROLE environment variable holds an invalid value: role ARN is not valid"
        ));

        let r = resolve_role(RoleInputs {
            account_id: Some("12"),
            ..Default::default()
        });
        assert!(r.role.is_none());
        assert_eq!(r.skipped.len(), 1);
    }

    #[test]
    fn empty_values_count_as_unset_and_regions_pick_the_partition() {
        let r = resolved(RoleInputs {
            environment: Some(""),
            account_id: Some("123456789012"),
            region: Some("cn-north-1"),
            ..Default::default()
        });
        assert_eq!(
            r.0,
            "arn:aws-cn:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole"
        );
    }
}
