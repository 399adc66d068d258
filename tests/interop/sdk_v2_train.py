"""Launch a training job with the SageMaker Python SDK v2 (`sagemaker<3`) against moto.

Usage: sdk_v2_train.py defaults|explicit
Credentials, region and endpoint come from the environment as a user's shell has them
(AWS_PROFILE, AWS_ENDPOINT_URL). `defaults` creates the Estimator with no role=, so the
role must come from the SDK's defaults file; `explicit` passes role=$SAGEMAKER_ROLE, as
exported by `sagecred env`. Either way the output path is left to the SDK, which puts it
under the session's default bucket. Prints what moto recorded for the job:
{"TrainingJobName", "RoleArn", "S3OutputPath", "DefaultBucket"}.
"""
import json
import os
import sys

from sagemaker.estimator import Estimator
from sagemaker.session import Session

# A training image in the caller's account; moto does not pull it.
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/unet-training:latest"

# The SDK logs to stdout too: the result is the one line that starts with this marker.
MARKER = "sagecred-result "


def emit(result) -> None:
    print(MARKER + json.dumps(result), flush=True)


def main() -> None:
    mode = sys.argv[1]
    session = Session()
    kwargs = {
        "image_uri": IMAGE,
        "instance_count": 1,
        "instance_type": "ml.m5.large",
        "sagemaker_session": session,
        "base_job_name": "sagecred-v2",
    }
    if mode == "explicit":
        kwargs["role"] = os.environ["SAGEMAKER_ROLE"]
    estimator = Estimator(**kwargs)
    estimator.fit(wait=False, logs=False)
    name = estimator.latest_training_job.name
    job = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    emit(
        {
            "TrainingJobName": name,
            "RoleArn": job["RoleArn"],
            "S3OutputPath": job["OutputDataConfig"]["S3OutputPath"],
            "DefaultBucket": session.default_bucket(),
        }
    )


if __name__ == "__main__":
    main()
