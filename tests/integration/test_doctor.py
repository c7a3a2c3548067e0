"""`hubtui doctor` against the local cluster: everything there for the admin; for a user who may only view
deployments, the line that names the missing permission, and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cluster.localcluster import HUB_NAMESPACE

pytestmark = pytest.mark.cluster


def doctor(kubeconfig: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": kubeconfig, "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "hubtui", "doctor", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_admin_has_everything_hubtui_needs(local_cluster, tmp_path):
    done = doctor(str(local_cluster.kubeconfig), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"✓ context {local_cluster.context} answers" in lines
    assert f"✓ may patch deployments/scale (scale) in namespace {HUB_NAMESPACE}" in lines
    assert f"✓ may patch deployments (maintenance and restore) in namespace {HUB_NAMESPACE}" in lines
    assert "✓ may get, create, update and delete leases (the cleanup lock) in namespace kube-system" in lines
    assert lines[-1] == "everything hubtui needs is here (✗ needed, ! optional)"


def doctor_as(kube, tmp_path, name: str, **rbac) -> tuple[str, subprocess.CompletedProcess]:
    """`hubtui doctor` as a service account of the hub's namespace with only `rbac` (restricted_kubeconfig's
    rules or cluster_role): its kubeconfig, and what doctor said; exit 1 (something needed is missing)."""
    from tests.kubehelpers import restricted_kubeconfig

    kubeconfig = restricted_kubeconfig(kube.api, tmp_path / f"{name}-kubeconfig", HUB_NAMESPACE, **rbac)
    done = doctor(kubeconfig, tmp_path)
    assert done.returncode == 1
    return kubeconfig, done


def test_a_viewer_is_told_which_permission_is_missing(kube, tmp_path):
    """A service account bound to the built-in `view` ClusterRole in the hub's namespace."""
    viewer, done = doctor_as(kube, tmp_path, "viewer", cluster_role="view")
    lines = done.stdout.splitlines()
    assert f"✓ may watch deployments in namespace {HUB_NAMESPACE}" in lines
    assert (f"✗ may not patch deployments/scale (scale) in namespace {HUB_NAMESPACE}: ask for RBAC "
            "access to deployments/scale (patch)") in lines
    assert "! may not get, create, update and delete leases (the cleanup lock) in namespace kube-system: ask for " \
           "RBAC access to leases (get, create, update, delete)" in lines
    assert f"! may not create pods/exec (connect) in namespace {HUB_NAMESPACE}: ask for RBAC access to pods/exec " \
           "(create)" in lines
    doc = json.loads(doctor(viewer, tmp_path, "--json").stdout)
    assert doc["ok"] is False and any(not c["ok"] and c["needed"] and "patch" in c["text"] for c in doc["checks"])


def test_no_kubeconfig_is_the_first_line_and_what_to_do(tmp_path):
    done = doctor(str(tmp_path / "none"), tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("✗ no kubeconfig found at ")


def test_a_user_who_may_scale_but_not_patch_deployments_is_told_maintenance_needs_it(kube, tmp_path):
    """Maintenance and restore record the count in the same change as the scale: a merge patch of the
    deployment itself, which the scale subresource's right does not give."""
    _, done = doctor_as(kube, tmp_path, "scaler", rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get", "patch"]}])
    lines = done.stdout.splitlines()
    assert f"✓ may patch deployments/scale (scale) in namespace {HUB_NAMESPACE}" in lines
    assert (f"✗ may not patch deployments (maintenance and restore) in namespace {HUB_NAMESPACE}: ask for RBAC "
            "access to deployments (patch)") in lines
    assert lines[-1] == "1 thing hubtui needs is missing (✗ needed, ! optional)"
