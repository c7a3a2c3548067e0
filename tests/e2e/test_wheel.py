"""The wheel an operator installs: built by `make dist`'s hooks, installed into a clean venv (its dependencies
from the same constraints as the project's), and run there: --version, a command's help, and the one line a
cleanup on a provider whose SDK extra is missing gives."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def test_the_wheel_installs_into_a_clean_venv_and_runs(tmp_path, local_cluster):
    dist = tmp_path / "dist"
    built = run([sys.executable, "-c", "from setuptools import build_meta as b; "
                 f"w = b.build_wheel({str(dist)!r}); s = b.build_sdist({str(dist)!r}); print('built', w, s)"],
                cwd=ROOT)  # what make dist runs
    assert built.returncode == 0, built.stderr
    wheel_name, sdist_name = built.stdout.strip().splitlines()[-1].split()[1:]
    wheel = dist / wheel_name
    with tarfile.open(dist / sdist_name) as sdist:
        names = sdist.getnames()
    assert f"{sdist_name.removesuffix('.tar.gz')}/hubtui/__main__.py" in names
    assert f"{sdist_name.removesuffix('.tar.gz')}/pyproject.toml" in names
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    # --no-compile: the bytecode of every dependency is most of the install's time, and not what is tested
    installed = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", "-c",
                     str(ROOT / "constraints.txt"), str(wheel)])
    assert installed.returncode == 0, installed.stderr
    hubtui = str(venv / "bin" / "hubtui")
    version = run([hubtui, "--version"])
    assert version.returncode == 0 and version.stdout.startswith("hubtui 0.1.0 (Python ")
    assert "Textual 8.2.8" in version.stdout and "kubernetes 37." in version.stdout
    helped = run([hubtui, "scale", "--help"])
    assert helped.returncode == 0 and "--rollback-on-failure" in helped.stdout
    # no extra: no cloud SDK; a cleanup on AWS says which extra to install, in one line, and exits 2
    missing = run([hubtui, "cleanup", "--environment", "dev", "--provider", "aws", "--dry-run"],
                  env={**os.environ, "KUBECONFIG": str(local_cluster.kubeconfig), "AWS_REGION": "eu-west-1",
                       "XDG_STATE_HOME": str(tmp_path / "state")})
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert missing.stderr.strip().splitlines() == [(
        "hubtui: error: the AWS teardown needs boto3, which is not installed: install hubtui with its [aws] extra (pipx "
        "install 'hubtui[aws]', or pip install 'hubtui[aws]')")]  # one line
    assert not (venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
                / "tests").exists()  # the wheel holds hubtui, not this repository's tests
