"""Prepare the moto server at $AWS_ENDPOINT_URL for a test under auth enforcement.

Usage: moto_limited_user.py BUCKET
With enforcement still off, creates the bucket and three users with inline policies: `admin`
may do everything, `no-s3` may only call SageMaker's ListTrainingJobs, and `no-sagemaker` may
only list and read S3. Prints {"admin": {...}, "no-s3": {...}, "no-sagemaker": {...}} with
each one's AccessKeyId, SecretAccessKey and Arn. The keys are moto's inventions: they never existed in real AWS.
"""
import json
import sys

import boto3

BOOT_ID = "AKIAIOSFODNN7EXAMPLE"
BOOT_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def user(iam, name: str, actions: list[str]) -> dict:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName=name, PolicyName=f"{name}-rights", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AccessKeyId": key["AccessKeyId"],
        "SecretAccessKey": key["SecretAccessKey"],
        "Arn": arn,
    }


def main() -> None:
    bucket = sys.argv[1]
    session = boto3.Session(
        region_name="us-east-1",
        aws_access_key_id=BOOT_ID,
        aws_secret_access_key=BOOT_SECRET,
    )
    iam = session.client("iam")
    session.client("s3").create_bucket(Bucket=bucket)
    out = {
        "admin": user(iam, "admin", ["*"]),
        "no-s3": user(iam, "no-s3", ["sagemaker:ListTrainingJobs"]),
        "no-sagemaker": user(iam, "no-sagemaker", ["s3:ListBucket", "s3:GetObject"]),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
