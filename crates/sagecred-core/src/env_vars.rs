//! The environment variables through which AWS SDKs find credentials, as data.
//!
//! When sagecred hands credentials to a child process (`exec`) or to a shell
//! (`env --credentials`), it sets `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION`. Other variables left in the
//! environment can make an SDK use different credentials: botocore reads
//! `AWS_SECURITY_TOKEN` before `AWS_SESSION_TOKEN`, so a stale token from an earlier
//! session would pair with the new key; the AWS SDK for Java 1.x reads `AWS_SECRET_KEY`
//! before `AWS_SECRET_ACCESS_KEY`; a web-identity or container-credentials setting makes
//! a tool that builds its own provider reach for a foreign identity. [`FOREIGN`] lists every
//! such variable, with the SDK source that reads it; sagecred removes each one.
//! `docs/security.md` shows the same list, and a test keeps the two equal.

/// A credential-bearing environment variable that sagecred clears beside the ones it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignVar {
    /// The variable's name.
    pub name: &'static str,
    /// Which SDK reads it, and why it must go.
    pub why: &'static str,
}

/// The variables sagecred sets when it hands over credentials. An absent session token or
/// expiry is unset rather than left over from earlier credentials.
pub const INJECTED: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// Every variable through which an SDK could pick other credentials than the injected
/// ones, or pair a stale part with them. sagecred removes them all from the child's
/// environment (`exec`) or unsets them in the emitted shell code (`env --credentials`).
pub const FOREIGN: &[ForeignVar] = &[
    ForeignVar {
        name: "AWS_SECURITY_TOKEN",
        why: "botocore's environment provider reads it before AWS_SESSION_TOKEN (the boto 2 name)",
    },
    ForeignVar {
        name: "AWS_ACCESS_KEY",
        why: "the AWS SDK for Java 1.x reads it when AWS_ACCESS_KEY_ID is absent",
    },
    ForeignVar {
        name: "AWS_SECRET_KEY",
        why: "the AWS SDK for Java 1.x reads it before AWS_SECRET_ACCESS_KEY",
    },
    ForeignVar {
        name: "AWS_ACCOUNT_ID",
        why: "botocore's and aws-config's environment providers attach it to the injected keys (account-based endpoints)",
    },
    ForeignVar {
        name: "AWS_DEFAULT_PROFILE",
        why: "botocore and the AWS CLI read it before AWS_PROFILE, so it would name another profile than the one sagecred chose",
    },
    ForeignVar {
        name: "AWS_ROLE_ARN",
        why: "web-identity role to assume (botocore and aws-config web-identity providers)",
    },
    ForeignVar {
        name: "AWS_WEB_IDENTITY_TOKEN_FILE",
        why: "web-identity token (botocore and aws-config web-identity providers)",
    },
    ForeignVar {
        name: "AWS_ROLE_SESSION_NAME",
        why: "session name of the web-identity role (botocore and aws-config)",
    },
    ForeignVar {
        name: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        why: "ECS container credentials endpoint (botocore ContainerProvider, aws-config ECS provider)",
    },
    ForeignVar {
        name: "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        why: "container credentials endpoint (botocore ContainerProvider, aws-config ECS provider)",
    },
    ForeignVar {
        name: "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        why: "bearer token for the container credentials endpoint (botocore, aws-config)",
    },
    ForeignVar {
        name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        why: "file holding that bearer token (botocore, aws-config)",
    },
    ForeignVar {
        name: "AWS_CREDENTIAL_FILE",
        why: "botocore's legacy key file (OriginalEC2Provider)",
    },
    ForeignVar {
        name: "BOTO_CONFIG",
        why: "botocore's boto 2 config file, which can hold keys (BotoProvider)",
    },
];

/// The names of [`FOREIGN`], in order.
pub fn foreign_names() -> impl Iterator<Item = &'static str> {
    FOREIGN.iter().map(|v| v.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_disjoint_and_unique() {
        let mut all: Vec<&str> = foreign_names().chain(INJECTED).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a variable is listed twice");
    }
}
