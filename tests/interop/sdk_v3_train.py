"""Launch a training job with the SageMaker Python SDK v3 (`sagemaker.train.ModelTrainer`)
against moto, behind sim_proxy.py.

Usage: sdk_v3_train.py env|defaults
With `env` the role is role=$SAGEMAKER_ROLE, as exported by `sagecred env`; with
`defaults` no role= is passed, so v3 takes SageMaker.TrainingJob.RoleArn from the SDK's
defaults file. Credentials, region and
endpoint come from the environment as a user's shell has them. v3 validates the role with
iam:SimulatePrincipalPolicy before it starts the job. Prints what moto recorded:
{"TrainingJobName", "RoleArn", "S3OutputPath"}.
"""
import json
import os
import sys

import boto3
from sagemaker.core.helper.session_helper import Session
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, OutputDataConfig

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/unet-training:latest"

# The SDK logs to stdout too: the result is the one line that starts with this marker.
MARKER = "sagecred-result "


def emit(result) -> None:
    print(MARKER + json.dumps(result), flush=True)


def main() -> None:
    session = Session()
    bucket = os.environ["SAGECRED_TEST_BUCKET"]
    role = os.environ["SAGEMAKER_ROLE"] if sys.argv[1] == "env" else None
    trainer = ModelTrainer(
        training_image=IMAGE,
        role=role,
        compute=Compute(instance_type="ml.m5.large", instance_count=1),
        output_data_config=OutputDataConfig(s3_output_path=f"s3://{bucket}/output"),
        sagemaker_session=session,
        base_job_name="sagecred-v3",
    )
    trainer.train(wait=False, logs=False)
    name = trainer._latest_training_job.training_job_name
    job = boto3.client("sagemaker").describe_training_job(TrainingJobName=name)
    emit(
        {
            "TrainingJobName": name,
            "RoleArn": job["RoleArn"],
            "S3OutputPath": job["OutputDataConfig"]["S3OutputPath"],
        }
    )


if __name__ == "__main__":
    main()
