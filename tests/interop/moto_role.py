"""Create an IAM role in the moto server at $AWS_ENDPOINT_URL.

Usage: moto_role.py ROLE_NAME PATH
Prints the role's ARN. The trust policy is the guide's: SageMaker may assume the role.
"""
import json
import sys

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def main() -> None:
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    role = iam.create_role(
        RoleName=sys.argv[1], Path=sys.argv[2], AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    print(role["Role"]["Arn"])


if __name__ == "__main__":
    main()
