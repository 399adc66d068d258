"""Print the caller identity ARN that boto3 gets for a profile.

Usage: boto3_whoami.py PROFILE
boto3 reads AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and AWS_ENDPOINT_URL from the
environment exactly as the SageMaker Python SDK does, so this proves that what sagecred
wrote works for that SDK.
"""
import sys

import boto3


def main() -> None:
    session = boto3.Session(profile_name=sys.argv[1])
    print(session.client("sts").get_caller_identity()["Arn"])


if __name__ == "__main__":
    main()
