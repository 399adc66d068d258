//! The guide's "Access Denied" cases, asked of IAM's policy simulator
//! (SimulatePrincipalPolicy): may the caller pass the execution role to SageMaker, use the
//! training-data bucket, and start a training job? Read-only.

use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use sagecred_core::Partition;

use crate::desired::SAGEMAKER_SERVICE;
use crate::failure::AwsFailure;

/// The actions [`simulate_training_access`] asks about, in the order it asks.
pub const SIMULATED_ACTIONS: &[&str] = &[
    "iam:PassRole",
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "sagemaker:CreateTrainingJob",
];

/// What the simulator answered for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedAccess {
    /// The actions the simulator did not allow, in [`SIMULATED_ACTIONS`] order.
    pub denied: Vec<String>,
}

/// Asks the policy simulator whether `principal_arn` (an IAM user's ARN) may pass
/// `role_arn` to SageMaker (with `iam:PassedToService`), list, read and write `bucket`, and
/// create a training job. A simulator that cannot answer (moto has none, or the caller lacks
/// `iam:SimulatePrincipalPolicy`) is an `Err` with the failure's facts: nothing was proven.
pub async fn simulate_training_access(
    iam: &aws_sdk_iam::Client,
    principal_arn: &str,
    role_arn: &str,
    bucket: &str,
    partition: Partition,
) -> Result<SimulatedAccess, AwsFailure> {
    let pass_role_context = ContextEntry::builder()
        .context_key_name("iam:PassedToService")
        .context_key_values(SAGEMAKER_SERVICE)
        .context_key_type(ContextKeyTypeEnum::String)
        .build();
    let p = partition.as_str();
    let asks: [(&[&str], String, bool); 4] = [
        (&SIMULATED_ACTIONS[..1], role_arn.to_owned(), true),
        (
            &SIMULATED_ACTIONS[1..2],
            format!("arn:{p}:s3:::{bucket}"),
            false,
        ),
        (
            &SIMULATED_ACTIONS[2..4],
            format!("arn:{p}:s3:::{bucket}/*"),
            false,
        ),
        (&SIMULATED_ACTIONS[4..], "*".to_owned(), false),
    ];
    let mut denied = Vec::new();
    for (actions, resource, with_context) in asks {
        let mut request = iam
            .simulate_principal_policy()
            .policy_source_arn(principal_arn)
            .resource_arns(resource);
        for action in actions {
            request = request.action_names(*action);
        }
        if with_context {
            request = request.context_entries(pass_role_context.clone());
        }
        let out = request.send().await.map_err(|e| AwsFailure::from_sdk(&e))?;
        for result in out.evaluation_results() {
            if result.eval_decision() != &PolicyEvaluationDecisionType::Allowed {
                denied.push(result.eval_action_name().to_owned());
            }
        }
    }
    Ok(SimulatedAccess { denied })
}
