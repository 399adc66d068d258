"""Check what `sagecred provision --emit` writes with the tools that consume it.

Usage: iac_check.py guide|least-privilege TEMPLATE.json MAIN.tf PROVISIONING.md
Run with the python of the `lint` virtual environment (cfn-lint, python-hcl2, checkov,
parliament). It checks that:
  * cfn-lint reports no error on the CloudFormation template;
  * the Terraform parses with python-hcl2 into the same resources (names, attachments)
    and the same policy documents as the template, both resolved in one test account;
  * parliament finds nothing in least-privilege mode, and in guide mode only what the
    guide asks for (RESOURCE_STAR on the ECR pull actions);
  * in least-privilege mode, every check checkov fails on either file is explained in
    docs/provisioning.md (its id appears there).
Prints a JSON summary and exits 1 with the reasons when a check fails.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import hcl2
from parliament import analyze_policy_string

ACCOUNT = "111122223333"
PARTITION = "aws"
# What the guide's custom policy grants on "*" for pulling the training image.
GUIDE_ECR_PULL = {"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}

problems = []


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


# --- CloudFormation, resolved -------------------------------------------------------
def cfn_resolve(value, params):
    def look(name):
        if name == "AWS::AccountId":
            return ACCOUNT
        if name == "AWS::Partition":
            return PARTITION
        if name in params:
            return params[name]["Default"]
        return None

    if isinstance(value, dict):
        if list(value) == ["Ref"]:
            found = look(value["Ref"])
            return found if found is not None else {"Ref": value["Ref"]}
        if list(value) == ["Fn::Sub"]:
            return re.sub(r"\$\{([^}!]+)\}", lambda m: look(m.group(1)), value["Fn::Sub"])
        return {k: cfn_resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn_resolve(v, params) for v in value]
    return value


def cfn_model(template):
    t = cfn_resolve(template, template.get("Parameters", {}))
    res = t["Resources"]
    policy_names = {
        lid: r["Properties"]["ManagedPolicyName"]
        for lid, r in res.items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }

    def attachment(a):
        if isinstance(a, dict) and "Ref" in a:
            return "policy:" + policy_names[a["Ref"]]
        return a

    model = {"policies": {}, "roles": {}, "users": {}, "access_keys": 0}
    for r in res.values():
        p = r["Properties"]
        if r["Type"] == "AWS::IAM::ManagedPolicy":
            model["policies"][p["ManagedPolicyName"]] = p["PolicyDocument"]
        elif r["Type"] == "AWS::IAM::Role":
            model["roles"][p["RoleName"]] = {
                "trust": p["AssumeRolePolicyDocument"],
                "attached": sorted(attachment(a) for a in p.get("ManagedPolicyArns", [])),
            }
        elif r["Type"] == "AWS::IAM::User":
            model["users"][p["UserName"]] = sorted(
                attachment(a) for a in p.get("ManagedPolicyArns", [])
            )
        elif r["Type"] == "AWS::IAM::AccessKey":
            model["access_keys"] += 1
    return model


# --- Terraform, resolved ------------------------------------------------------------
def tf_model(parsed):
    variables = {}
    for block in parsed.get("variable", []):
        for name, body in block.items():
            variables[name] = body["default"][0]
    resources = {}
    for block in parsed.get("resource", []):
        for rtype, named in block.items():
            for label, body in named.items():
                resources[(rtype, label)] = body

    def resolve(text):
        def one(m):
            expr = m.group(1)
            if expr == "data.aws_caller_identity.current.account_id":
                return ACCOUNT
            if expr == "data.aws_partition.current.partition":
                return PARTITION
            if expr.startswith("var."):
                return variables[expr[4:]]
            return "<" + expr + ">"

        return re.sub(r"(?<!\$)\$\{([^}]+)\}", one, text).replace("$${", "${")

    def attr(body, key):
        return resolve(body[key][0])

    policy_by_label = {
        label: attr(body, "name")
        for (rtype, label), body in resources.items()
        if rtype == "aws_iam_policy"
    }

    def attachment(arn):
        m = re.fullmatch(r"<aws_iam_policy\.(\w+)\.arn>", arn)
        return "policy:" + policy_by_label[m.group(1)] if m else arn

    model = {"policies": {}, "roles": {}, "users": {}, "access_keys": 0}
    role_by_label = {}
    user_by_label = {}
    for (rtype, label), body in resources.items():
        if rtype == "aws_iam_policy":
            model["policies"][attr(body, "name")] = json.loads(attr(body, "policy"))
        elif rtype == "aws_iam_role":
            name = attr(body, "name")
            role_by_label[label] = name
            model["roles"][name] = {"trust": json.loads(attr(body, "assume_role_policy")), "attached": []}
        elif rtype == "aws_iam_user":
            name = attr(body, "name")
            user_by_label[label] = name
            model["users"][name] = []
        elif rtype == "aws_iam_access_key":
            model["access_keys"] += 1
    for (rtype, label), body in resources.items():
        if rtype == "aws_iam_role_policy_attachment":
            role = role_by_label[re.fullmatch(r"<aws_iam_role\.(\w+)\.name>", attr(body, "role")).group(1)]
            model["roles"][role]["attached"].append(attachment(attr(body, "policy_arn")))
        elif rtype == "aws_iam_user_policy_attachment":
            user = user_by_label[re.fullmatch(r"<aws_iam_user\.(\w+)\.name>", attr(body, "user")).group(1)]
            model["users"][user].append(attachment(attr(body, "policy_arn")))
    for role in model["roles"].values():
        role["attached"].sort()
    for user in model["users"]:
        model["users"][user].sort()
    return model


def main() -> None:
    mode, cfn_path, tf_path, docs_path = (sys.argv[1], *map(os.path.abspath, sys.argv[2:5]))
    template = json.load(open(cfn_path))
    summary = {"mode": mode}

    lint = subprocess.run(
        [tool("cfn-lint"), "--format", "json", cfn_path], capture_output=True, text=True
    )
    findings = json.loads(lint.stdout or "[]")
    errors = [f for f in findings if f.get("Level") == "Error"]
    summary["cfn_lint_errors"] = len(errors)
    summary["cfn_lint_findings"] = [f["Rule"]["Id"] for f in findings]
    if errors:
        problems.append(f"cfn-lint errors: {json.dumps(errors)}")

    cfn = cfn_model(template)
    tf = tf_model(hcl2.load(open(tf_path)))
    summary["resources"] = {
        "policies": sorted(cfn["policies"]),
        "roles": sorted(cfn["roles"]),
        "users": sorted(cfn["users"]),
        "access_keys": cfn["access_keys"],
    }
    summary["terraform_matches"] = cfn == tf
    if cfn != tf:
        problems.append(
            "terraform differs from cloudformation:\n" + json.dumps(cfn, indent=1, sort_keys=True)
            + "\n---\n" + json.dumps(tf, indent=1, sort_keys=True)
        )

    # parliament lints identity policies; trust policies have no Resource by design.
    lint_findings = []
    for name, document in cfn["policies"].items():
        for f in analyze_policy_string(json.dumps(document)).findings:
            lint_findings.append({"policy": name, "issue": f.issue, "detail": f.detail})
    summary["parliament"] = lint_findings
    for f in lint_findings:
        asked_by_guide = (
            mode == "guide"
            and f["issue"] == "RESOURCE_STAR"
            and isinstance(f["detail"], list)
            and set(f["detail"]) <= GUIDE_ECR_PULL
        )
        if not asked_by_guide:
            problems.append(f"parliament finding the guide does not ask for: {f}")

    if mode == "least-privilege":
        docs = open(docs_path).read()
        failed = []
        with tempfile.TemporaryDirectory() as d:
            for framework, path in (("cloudformation", cfn_path), ("terraform", tf_path)):
                out = subprocess.run(
                    [tool("checkov"), "-f", path, "--framework", framework, "--quiet",
                     "--compact", "-o", "json", "--skip-download"],
                    capture_output=True, text=True, cwd=d,
                )
                report = json.loads(out.stdout or "{}")
                reports = report if isinstance(report, list) else [report]
                for r in reports:
                    for c in r.get("results", {}).get("failed_checks", []):
                        failed.append({"framework": framework, "id": c["check_id"], "resource": c["resource"]})
        summary["checkov_failed"] = failed
        unexplained = sorted({f["id"] for f in failed if f["id"] not in docs})
        summary["checkov_unexplained"] = unexplained
        if unexplained:
            problems.append(f"checkov failures not explained in {docs_path}: {unexplained}")

    json.dump(summary, sys.stdout, indent=1)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
