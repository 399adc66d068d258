"""Deploy a `sagecred provision --emit cloudformation` template on moto's CloudFormation
and compare what it creates with what `sagecred provision --apply` created.

Usage: cfn_deploy.py TEMPLATE.json STACK_NAMES.json APPLIED_NAMES.json
Both names files hold {"RoleName", "PolicyName", "UserName", "BucketName"}: the stack is
created with the first as parameters (create-stack with CAPABILITY_NAMED_IAM), and the
second names what `provision --apply` made in the same mode. The role's trust policy, the
customer managed policies' documents and the user must match, names aside. moto's
CloudFormation does not apply ManagedPolicyArns, so attachments are compared between the
template (resolved) and what apply attached; what moto did attach is reported. Prints a
JSON summary; exits 1 with the differences.
"""
import json
import re
import sys
import time
import urllib.parse

import boto3

iam = boto3.client("iam", region_name="us-east-1")
cfn = boto3.client("cloudformation", region_name="us-east-1")
ACCOUNT = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]


def decode(doc):
    if isinstance(doc, dict):
        return doc
    try:
        return json.loads(doc)
    except ValueError:
        return json.loads(urllib.parse.unquote(doc))


def norm(value, key=None):
    """IAM's equivalences: one-element lists equal their element; key order is free."""
    if isinstance(value, dict):
        return {k: norm(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [norm(v) for v in value]
        if len(items) == 1 and key in ("Action", "NotAction", "Resource", "NotResource", "Statement"):
            return items[0]
        return items
    return value


def policy_doc(arn):
    meta = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=meta["DefaultVersionId"])
    return norm(decode(version["PolicyVersion"]["Document"]))


def dump(names):
    policy_arn = lambda n: f"arn:aws:iam::{ACCOUNT}:policy/{n}"
    out = {"policies": {}}
    for name in (names["PolicyName"], names["PolicyName"] + "-User"):
        try:
            out["policies"][name] = policy_doc(policy_arn(name))
        except iam.exceptions.NoSuchEntityException:
            pass
    role = iam.get_role(RoleName=names["RoleName"])["Role"]
    out["trust"] = norm(decode(role["AssumeRolePolicyDocument"]))
    out["role_attached"] = sorted(
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=names["RoleName"])["AttachedPolicies"]
    )
    iam.get_user(UserName=names["UserName"])
    out["user_attached"] = sorted(
        p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=names["UserName"])["AttachedPolicies"]
    )
    return out


def rename(value, src, dst):
    text = json.dumps(value)
    for key in ("RoleName", "PolicyName", "UserName", "BucketName"):
        text = text.replace(src[key], dst[key])
    return json.loads(text)


def template_attachments(template, names):
    """The ManagedPolicyArns of the template, resolved for `names` in this account."""
    res = template["Resources"]
    policy_names = {}
    for lid, r in res.items():
        if r["Type"] == "AWS::IAM::ManagedPolicy":
            n = r["Properties"]["ManagedPolicyName"]
            policy_names[lid] = n
    lookup = dict(names, **{"AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"})

    def resolve(v):
        if isinstance(v, dict) and "Ref" in v:
            if v["Ref"] in policy_names:
                return f"arn:aws:iam::{ACCOUNT}:policy/" + resolve(policy_names[v["Ref"]])
            return lookup[v["Ref"]]
        if isinstance(v, dict) and "Fn::Sub" in v:
            return re.sub(r"\$\{([^}]+)\}", lambda m: lookup[m.group(1)], v["Fn::Sub"])
        return v

    role = next(r for r in res.values() if r["Type"] == "AWS::IAM::Role")
    user = next(r for r in res.values() if r["Type"] == "AWS::IAM::User")
    return (
        sorted(resolve(a) for a in role["Properties"]["ManagedPolicyArns"]),
        sorted(resolve(a) for a in user["Properties"]["ManagedPolicyArns"]),
    )


def main() -> None:
    template_text = open(sys.argv[1]).read()
    template = json.loads(template_text)
    stack_names = json.load(open(sys.argv[2]))
    applied_names = json.load(open(sys.argv[3]))
    stack = "sagecred-" + stack_names["RoleName"][:100]
    cfn.create_stack(
        StackName=stack,
        TemplateBody=template_text,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stack_names.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    deadline = time.time() + 60
    while True:
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        if status.endswith("_COMPLETE") or status.endswith("_FAILED") or time.time() > deadline:
            break
        time.sleep(0.5)
    problems = []
    if status != "CREATE_COMPLETE":
        problems.append(f"stack status {status}")
    deployed = dump(stack_names)
    applied = rename(dump(applied_names), applied_names, stack_names)
    role_tpl, user_tpl = template_attachments(template, stack_names)
    summary = {
        "stack_status": status,
        "policies": sorted(deployed["policies"]),
        "trust_matches": deployed["trust"] == applied["trust"],
        "policies_match": deployed["policies"] == applied["policies"],
        "role_attachments_match": role_tpl == applied["role_attached"],
        "user_attachments_match": user_tpl == applied["user_attached"],
        "moto_attached_role": deployed["role_attached"],
        "moto_attached_user": deployed["user_attached"],
    }
    for key in ("trust_matches", "policies_match", "role_attachments_match", "user_attachments_match"):
        if not summary[key]:
            problems.append(key)
    if problems:
        summary["deployed"] = deployed
        summary["applied"] = applied
        summary["template_attachments"] = [role_tpl, user_tpl]
    json.dump(summary, sys.stdout, indent=1)
    cfn.delete_stack(StackName=stack)
    if problems:
        print("differences: " + ", ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
