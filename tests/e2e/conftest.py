"""The e2e tests' environment: hubtui pointed at the session's local cluster, with a state folder of its own."""

from __future__ import annotations

import pytest

from cluster.localcluster import HUB_NAMESPACE

from .terminal import hubtui_env


@pytest.fixture
def env(local_cluster, tmp_path):
    return hubtui_env(local_cluster.kubeconfig, HUB_NAMESPACE, tmp_path / "state") | {
        "PATH": local_cluster.env()["PATH"]}
