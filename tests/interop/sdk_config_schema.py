"""Validate a SageMaker Python SDK defaults file with the SDK's own schema and loader.

Usage: sdk_config_schema.py PATH
Run with the python of an SDK virtual environment (v2 or v3). Loads PATH with the SDK's
loader (yaml.safe_load, as the SDK reads it), validates it with jsonschema against the
schema the installed SDK ships, and prints {"RoleArn", "DefaultS3Bucket", "sdk"} as JSON:
the two values sagecred writes, as the SDK reads them. Exits non-zero when the SDK would
refuse the file.
"""
import json
import sys

import jsonschema
import yaml

try:  # SDK v2
    from sagemaker.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA as SCHEMA
    from sagemaker.config.config import _load_config_from_file as load
    SDK = "v2"
except ImportError:  # SDK v3
    from sagemaker.core.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA as SCHEMA
    from sagemaker.core.config.config import _load_config_from_file as load
    SDK = "v3"

# The SDK logs to stdout too: the result is the one line that starts with this marker.
MARKER = "sagecred-result "


def emit(result) -> None:
    print(MARKER + json.dumps(result), flush=True)


def main() -> None:
    config = load(sys.argv[1])
    # The same check the SDK makes on every file it loads.
    jsonschema.validate(config, SCHEMA)
    sm = config.get("SageMaker", {})
    emit(
        {
            "sdk": SDK,
            "RoleArn": sm.get("TrainingJob", {}).get("RoleArn"),
            "DefaultS3Bucket": sm.get("PythonSDK", {})
            .get("Modules", {})
            .get("Session", {})
            .get("DefaultS3Bucket"),
            "TelemetryOptOut": sm.get("PythonSDK", {}).get("Modules", {}).get("TelemetryOptOut"),
        }
    )


if __name__ == "__main__":
    main()
