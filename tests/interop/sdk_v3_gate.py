"""Check a provisioned execution role against the actions the SageMaker Python SDK v3 gates
its role validation on.

Usage: sdk_v3_gate.py ROLE_NAME
Run with the python of the SDK v3 virtual environment, against moto. The SDK ships the
list (`iam_role_resolver._get_smoke_test_actions("training")`: the "*"-resource actions of
its training policy) and, in a real account, refuses a role that IAM's simulator says
lacks one of them. moto cannot simulate, so this evaluates the role's attached policies
(read back from IAM) the way the simulator does for a request on resource "*": an Allow
statement counts when an Action (or NotAction) pattern covers the action, its Resource
(or NotResource) covers "*", and it has no Condition; a matching Deny wins. The trust
policy is checked with the SDK's own function. Prints {"gated", "missing", "trusted"}.
"""
import fnmatch
import json
import sys
import urllib.parse

import boto3
from sagemaker.core.helper.iam_role_resolver import (
    _expected_trust_services,
    _get_smoke_test_actions,
    _trusted_services_in_document,
)

iam = boto3.client("iam")


def decode(doc):
    if isinstance(doc, dict):
        return doc
    try:
        return json.loads(doc)
    except ValueError:
        return json.loads(urllib.parse.unquote(doc))


def as_list(v):
    return v if isinstance(v, list) else [v]


def matches(patterns, value):
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def covers(statement, action):
    if "Action" in statement and not matches(as_list(statement["Action"]), action):
        return False
    if "NotAction" in statement and matches(as_list(statement["NotAction"]), action):
        return False
    if "Resource" in statement and "*" not in as_list(statement["Resource"]):
        return False
    if "NotResource" in statement and matches(as_list(statement["NotResource"]), "*"):
        return False
    return True

# The SDK logs to stdout too: the result is the one line that starts with this marker.
MARKER = "sagecred-result "


def emit(result) -> None:
    print(MARKER + json.dumps(result), flush=True)


def main() -> None:
    role = sys.argv[1]
    statements = []
    for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        meta = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=meta["DefaultVersionId"])
        statements += as_list(decode(version["PolicyVersion"]["Document"])["Statement"])
    gated = _get_smoke_test_actions("training")
    missing = []
    for action in gated:
        denied = any(s["Effect"] == "Deny" and covers(s, action) for s in statements)
        allowed = any(
            s["Effect"] == "Allow" and "Condition" not in s and covers(s, action) for s in statements
        )
        if denied or not allowed:
            missing.append(action)
    trust = decode(iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"])
    trusted = _expected_trust_services("training") <= _trusted_services_in_document(trust)
    emit({"gated": gated, "missing": missing, "trusted": trusted})


if __name__ == "__main__":
    main()
