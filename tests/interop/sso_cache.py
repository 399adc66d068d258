"""Write and check SSO token cache files with botocore's own cache code.

Usage:
  sso_cache.py write SESSION START_URL REGION < session.json
      Writes ~/.aws/sso/cache/<sha1(SESSION)>.json through botocore's JSONFileCache, the
      writer boto3 and the SageMaker SDK use, from the emulator's /_emu/session answer
      (read from stdin). Fields and timestamp format are the AWS CLI v2's.
  sso_cache.py canonical FILE
      Prints "same" when the file's bytes equal Python's json.dumps of its parsed
      content (the AWS CLI's and botocore's serialisation), else "differs", and then the
      file's keys in order, comma-separated.
"""
import datetime
import hashlib
import json
import os
import sys

from botocore.utils import JSONFileCache


def utc(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def write(session: str, start_url: str, region: str) -> None:
    emu = json.load(sys.stdin)
    token = {
        "startUrl": start_url,
        "region": region,
        "accessToken": emu["accessToken"],
        "expiresAt": utc(emu["expiresAt"]),
        "clientId": emu["clientId"],
        "clientSecret": emu["clientSecret"],
        "registrationExpiresAt": utc(emu["clientSecretExpiresAt"]),
    }
    if emu.get("refreshToken"):
        token["refreshToken"] = emu["refreshToken"]
    cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "sso", "cache")))
    cache[hashlib.sha1(session.encode("utf-8")).hexdigest()] = token


def canonical(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    parsed = json.loads(raw)
    print("same" if json.dumps(parsed) == raw else "differs")
    print(",".join(parsed))


def main() -> None:
    if sys.argv[1] == "write":
        write(*sys.argv[2:5])
    elif sys.argv[1] == "canonical":
        canonical(sys.argv[2])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")


if __name__ == "__main__":
    main()
