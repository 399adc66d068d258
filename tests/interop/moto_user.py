"""Create an IAM user with an access key in the moto server at $AWS_ENDPOINT_URL.

Usage: moto_user.py USER_NAME
Prints {"AccessKeyId", "SecretAccessKey", "Arn"} as JSON on stdout. The keys are moto's
inventions: they never existed in real AWS. Used by sagecred's tests to get a key whose
caller identity is known.
"""
import json
import sys

import boto3

ADMIN_ID = "AKIAIOSFODNN7EXAMPLE"
ADMIN_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def main() -> None:
    user = sys.argv[1]
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id=ADMIN_ID,
        aws_secret_access_key=ADMIN_SECRET,
    )
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    json.dump(
        {
            "AccessKeyId": key["AccessKeyId"],
            "SecretAccessKey": key["SecretAccessKey"],
            "Arn": arn,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
