"""What the e2e tests share about the hub they run against: the headless command, the Redis password from the
hub's secret, and the audit lines a command left."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE


def run_hubtui(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubtui", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def redis_password(kube) -> str:
    secret = client.CoreV1Api(kube.api).read_namespaced_secret("analytics-hub-secrets", HUB_NAMESPACE)
    return base64.b64decode(secret.data["REDIS_PASSWORD"]).decode()


def audit(env: dict) -> list[dict]:
    path = Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
