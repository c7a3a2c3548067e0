"""cluster/build.sh stops with a clear message naming what is missing or what failed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "cluster" / "build.sh"


def build(tmp_path, go: str):
    env = dict(os.environ, HUBTUI_CACHE=str(tmp_path / "cache"), GO=go)
    return subprocess.run([str(BUILD)], env=env, capture_output=True, text=True, timeout=60)


def fake_go(tmp_path, version: str, build_exit: int = 0) -> str:
    go = tmp_path / "go"
    go.write_text(f"""#!/bin/sh
case "$1 $2" in
  "env GOVERSION") echo go{version} ;;
  *) echo "compile: something broke in $PWD" >&2; exit {build_exit} ;;
esac
""")
    go.chmod(0o755)
    return str(go)


def test_a_missing_go_toolchain_stops_with_a_message_naming_it(tmp_path):
    proc = build(tmp_path, go=str(tmp_path / "no-such-go"))
    assert proc.returncode == 1
    assert "the Go toolchain is missing" in proc.stderr
    assert "install Go >= 1.26" in proc.stderr
    assert not (tmp_path / "cache" / "cluster").exists()


def test_a_go_that_is_too_old_is_named(tmp_path):
    proc = build(tmp_path, go=fake_go(tmp_path, "1.22.1"))
    assert proc.returncode == 1
    assert "Go 1.22.1 is too old" in proc.stderr


def test_a_failed_build_stops_and_names_the_component_and_its_log(tmp_path):
    proc = build(tmp_path, go=fake_go(tmp_path, "1.26.8", build_exit=1))
    assert proc.returncode == 1
    assert "building Kubernetes v1.36.3" in proc.stderr and "failed (full log:" in proc.stderr
    assert "something broke" in proc.stderr  # the tail of the log is shown
    # nothing half-built is published as the cached binaries
    assert not list((tmp_path / "cache" / "cluster").glob("*/bin"))
