"""`hubtui doctor`'s checks of this machine: the state folder the audit log needs, the config file, the local
clients and the cloud SDKs (the cluster's checks run against the local cluster: tests/integration/test_doctor.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hubtui.ops.doctor import client_checks, cloud_checks, folder_checks
from hubtui.present.doctor import words
from hubtui.settings import Settings


def doctor(tmp_path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "KUBECONFIG": str(tmp_path / "none"), "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "hubtui", "doctor"], env=full, capture_output=True, text=True,
                          timeout=60)


def test_a_state_folder_of_another_user_is_needed_and_said_and_doctor_exits_1(tmp_path):
    state = tmp_path / "state" / "hubtui"
    state.mkdir(parents=True, mode=0o700)
    os.chown(state, 12345, 12345)  # the tests run as root: a folder of another user
    done = doctor(tmp_path)
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "state folder" in x)
    assert line.startswith("✗ state folder ~/state/hubtui: it is owned by uid 12345, not by you")
    assert line.endswith("hubtui changes nothing without its audit log: fix the folder's owner and permissions, "
                         "or set XDG_STATE_HOME")
    assert "2 things hubtui needs are missing" in done.stdout  # the kubeconfig, and the folder


def test_a_state_folder_open_to_others_is_a_warning_and_a_private_one_is_fine(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    state = tmp_path / "hubtui"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    settings = Settings.from_env({"XDG_STATE_HOME": str(tmp_path), "HOME": str(tmp_path)})
    open_, = [c for c in folder_checks(settings, {"HOME": str(tmp_path)}) if "open to others" in words(c)[0]]
    assert not open_.ok and not open_.needed and words(open_)[1] == "chmod 700 ~/hubtui"
    state.chmod(0o700)
    found = folder_checks(settings, {"HOME": str(tmp_path)})
    assert [words(c)[0] for c in found if "state" in words(c)[0]] == [
        "state folder ~/hubtui: the audit log can be written"]
    assert all(c.ok for c in found)


def empty_config(tmp_path, monkeypatch, mode: int) -> tuple[Path, Settings]:
    """An empty config.toml of `mode` under tmp_path/config/hubtui, HOME at tmp_path, and the settings."""
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / "config" / "hubtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("")
    config.chmod(mode)
    return config, Settings.from_env({"XDG_STATE_HOME": str(tmp_path), "HOME": str(tmp_path)})


def test_a_config_file_others_can_change_is_said(tmp_path, monkeypatch):
    config, settings = empty_config(tmp_path, monkeypatch, 0o666)
    line, = [c for c in folder_checks(settings, {"XDG_CONFIG_HOME": str(tmp_path / "config"),
                                                 "HOME": str(tmp_path)}) if "config file" in words(c)[0]]
    assert (line.ok, line.needed, *words(line)) == (
        False, False, "config file ~/config/hubtui/config.toml can be changed by others (mode 666)",
        "chmod go-w ~/config/hubtui/config.toml")


def test_local_clients_on_path_or_what_to_install(tmp_path, monkeypatch):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "redis-cli").write_text("#!/bin/sh\n")
    (bin_ / "redis-cli").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_))
    found = {words(c)[0].split()[0]: (c, *words(c)) for c in client_checks()}
    assert found["redis-cli"][0].ok and found["redis-cli"][1] == f"redis-cli for connect redis --local: {bin_}/redis-cli"
    assert not found["psql"][0].ok and found["psql"][2] == "install postgresql-client (or pgcli)"
    assert not found["psql"][0].needed and found["psql"][1] == "psql is not on PATH (connect timescaledb --local)"


def test_cloud_sdks_and_credentials(tmp_path):
    found = {words(c)[0].split(":")[0]: (c, *words(c))
             for c in cloud_checks({"HOME": str(tmp_path), "AWS_PROFILE": "ops"})}
    assert found["AWS"][0].ok and found["AWS"][1] == "AWS: SDK installed; credentials from AWS_PROFILE"
    assert not found["Azure"][0].ok and found["Azure"][2] == "run `az login`"
    assert found["GCP"][1] == "GCP: SDK installed; no credentials found"
    assert not any(c.needed for c, *_ in found.values())


def test_every_fact_of_the_doctor_is_worded_in_present_and_the_engine_words_none():
    """ops/doctor.py reports facts; present/doctor.py words each kind; the engine builds no sentence."""
    import ast
    import dataclasses
    from pathlib import Path

    import hubtui.ops.doctor as engine

    kinds = [k for k in vars(engine).values() if dataclasses.is_dataclass(k) and k.__module__ == engine.__name__
             and k is not engine.Check]
    assert len(kinds) == 9
    for kind in kinds:
        fields = {f.name: {"str": "x", "int": 1, "bool": False, "str | None": "ns", "int | None": None,
                           "tuple[str, ...]": ("patch",)}[str(f.type)] for f in dataclasses.fields(kind)}
        text, _ = words(engine.Check(False, kind(**fields)))
        assert text and text != str(kind(**fields)), kind
    source = ast.parse(Path(engine.__file__).read_text())
    assert not [n for n in ast.walk(source) if isinstance(n, ast.JoinedStr)], "an f-string in the doctor's engine"


def test_a_config_file_that_is_not_valid_toml_is_a_check_of_its_own_and_the_others_still_run(tmp_path):
    config = tmp_path / "config" / "hubtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("readonly = [\n")
    done = doctor(tmp_path)
    assert done.returncode == 1 and not done.stderr
    lines = done.stdout.splitlines()
    bad = next(x for x in lines if "config.toml" in x)
    assert bad.startswith(f"✗ config file {config}: not valid TOML (")
    assert bad.endswith("; these checks used the defaults: fix the file, or move it away to use the defaults")
    assert any(x.startswith("✓ state folder ") for x in lines)  # the rest ran
    other = subprocess.run([sys.executable, "-m", "hubtui", "scale", "--all", "-r", "1"], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert other.returncode == 2 and other.stderr.strip().splitlines() == [  # any other command: one line
        f"hubtui: error: {bad[2:].split('; these checks')[0]}"]


def test_a_config_folder_others_can_write_to_or_another_users_file_is_said(tmp_path, monkeypatch):
    config, settings = empty_config(tmp_path, monkeypatch, 0o644)
    config.parent.chmod(0o777)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}

    def line():
        found, = [c for c in folder_checks(settings, env) if "config" in words(c)[0]]
        return (found.ok, *words(found))

    assert line() == (False, "config folder ~/config/hubtui lets others replace the file (mode 777)",
                      "chmod go-w ~/config/hubtui")
    config.parent.chmod(0o700)
    assert line() == (True, "config file ~/config/hubtui/config.toml", "")
    os.chown(config, 12345, 12345)
    assert line() == (False, "config file ~/config/hubtui/config.toml (or its folder) is owned by uid 12345, not by "
                             "you", "make it yours (chown), or move it away")


def test_rights_words_name_only_the_verbs_refused_and_a_missing_sdk_names_its_extra():
    from hubtui.ops.doctor import Check, CloudSdk, Right

    partly = Right("lock", "leases", "", "kube-system", ("update", "delete"), verbs=("get", "create", "update",
                                                                                       "delete"))
    assert words(Check(False, partly, needed=False)) == (
        "may not update and delete leases (the cleanup lock) in namespace kube-system",
        "ask for RBAC access to leases (update, delete)")
    assert words(Check(True, Right("lock", "leases", "", "kube-system", verbs=("get", "create"))))[0] == \
        "may get and create leases (the cleanup lock) in namespace kube-system"
    assert words(Check(False, CloudSdk("GCP", "gcp", "google.cloud.container_v1", False), needed=False)) == (
        "GCP: its SDK (google.cloud.container_v1) is not installed", "install hubtui[gcp] (pipx install 'hubtui[gcp]')")
