"""Session recordings, end to end: a Redis session recorded in a real pty (its password handed over by hubtui,
never in the file), listed, and played back byte for byte; input kept only when asked for; on by itself on a
production context."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from hubtui.term.recording import read

from .hub import redis_password, run_hubtui
from .terminal import Terminal

pytestmark = pytest.mark.cluster


def recordings(env) -> list[Path]:
    return sorted((Path(env["XDG_STATE_HOME"]) / "hubtui" / "recordings").glob("*.cast"))


def redis_session(env, *flags: str) -> bytes:
    """A Redis session in a real pty; every byte hubtui wrote to the terminal."""
    term = Terminal(["connect", "redis", *flags], env)
    try:
        term.wait_for("127.0.0.1:")
        term.press(*"PING", "enter")
        term.wait_for("PONG")
        term.press("\x1d")  # Ctrl-] ends the session
        deadline = time.monotonic() + 15
        while term.child.isalive() and time.monotonic() < deadline:
            term.pump(0.1)
        term.pump(0.2)
        return bytes(term.raw)
    finally:
        term.close()


def test_a_recorded_session_is_listed_and_played_back_byte_for_byte_without_the_password(env, kube):
    shown = redis_session(env, "--record", "--record-input")
    [path] = recordings(env)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    header, events = read(path)
    assert header["version"] == 2 and header["hubtui"]["store"] == "redis" and header["width"] == 120
    output = "".join(data for _, kind, data in events if kind == "o")
    typed = "".join(data for _, kind, data in events if kind == "i")
    assert "PONG" in output and typed.startswith("PING")
    password = redis_password(kube)
    assert password not in path.read_text() and "REDISCLI_AUTH" not in path.read_text()
    audit = [json.loads(line) for line in (Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl").read_text()
             .splitlines()]
    assert audit[-1]["action"] == "connect.session" and audit[-1]["recording"] == str(path)
    listed = run_hubtui(env, "sessions", "--list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].split()[:1] == ["1"] and path.name in listed.stdout
    assert " redis " in listed.stdout and " kept " in listed.stdout
    played = subprocess.run([sys.executable, "-m", "hubtui", "sessions", "--play", "1", "--speed", "1000"],
                            env=env, capture_output=True, timeout=60)
    assert played.returncode == 0, played.stderr
    assert played.stdout == output.encode()  # byte for byte what the session printed
    session = shown.split(b"ends the session)\r\n", 1)[1]  # what the terminal showed once it was handed over
    assert session.startswith(output.encode()) and b"PONG" in session, (session, output)
    # ended with Ctrl-]: the modes a client may have left on (a pager's alternate screen, a hidden cursor) are reset
    assert b"\x1b[?1049l\x1b[?25h" in session[len(output.encode()):]


def test_input_is_kept_only_when_asked_and_production_contexts_record_by_themselves(env, local_cluster, tmp_path):
    redis_session(env, "--record")
    [path] = recordings(env)
    assert not [e for e in read(path)[1] if e[1] == "i"]  # what was typed is not in it
    redis_session(env)  # kwok-hubtui-test-…: not a production context, not recorded
    assert len(recordings(env)) == 1
    config = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    config["contexts"][0]["name"] = config["current-context"] = "prod-eu"
    prod = tmp_path / "prod-kubeconfig"
    prod.write_text(yaml.safe_dump(config))
    redis_session(env | {"KUBECONFIG": str(prod)})
    assert len(recordings(env)) == 2 and "-prod-eu-redis.cast" in recordings(env)[-1].name
    redis_session(env | {"KUBECONFIG": str(prod)}, "--no-record")
    assert len(recordings(env)) == 2


def test_enter_on_the_recordings_screen_plays_one_back_on_the_terminal_and_comes_back(env):
    """In a real pty: the playback gets the terminal (cleared first and last), writes what was recorded, and
    the list is drawn again, saying it was played back."""
    folder = Path(env["XDG_STATE_HOME"]) / "hubtui" / "recordings"
    folder.mkdir(parents=True, mode=0o700)
    name = "20261202T110000000000Z-prod-eu-redis.cast"
    lines = [{"version": 2, "width": 120, "height": 30, "timestamp": 1764687600, "title": "Redis · prod-eu",
              "hubtui": {"context": "prod-eu", "store": "redis"}},
             [0.1, "o", "127.0.0.1:6379> "], [0.2, "i", "PING\r"], [0.4, "o", "PONG-RECORDED\r\n"]]
    (folder / name).write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / name).chmod(0o600)
    term = Terminal(["sessions"], env)
    try:
        term.wait_for("1 recording")
        term.press("enter")
        term.wait_for(f"played back: {name}")
        played = bytes(term.raw).split(b"\x1bc")
        assert b"127.0.0.1:6379> PONG-RECORDED\r\n" in played, played[1:-1]  # the output alone, between the clears
        term.wait_for(" redis ")  # the list again, drawn after the playback's message
        assert "prod-eu" in term.text
    finally:
        term.close()


def test_the_config_file_decides_when_no_flag_does(env, local_cluster, tmp_path):
    """record_sessions = "always" records a context that is not production, record_input keeps what is typed;
    "never" records nothing, not even on a production context; a flag still wins over the file."""
    config = tmp_path / "config" / "hubtui" / "config.toml"
    config.parent.mkdir(parents=True)
    env = env | {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    config.write_text('record_sessions = "always"\nrecord_input = true\n')
    redis_session(env)
    [path] = recordings(env)
    assert "".join(data for _, kind, data in read(path)[1] if kind == "i").startswith("PING")
    redis_session(env, "--no-record")
    assert len(recordings(env)) == 1
    kubeconfig = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    kubeconfig["contexts"][0]["name"] = kubeconfig["current-context"] = "prod-eu"
    prod = tmp_path / "prod-kubeconfig"
    prod.write_text(yaml.safe_dump(kubeconfig))
    config.write_text('record_sessions = "never"\n')
    redis_session(env | {"KUBECONFIG": str(prod)})  # production: recorded by default, not with "never"
    assert len(recordings(env)) == 1
    redis_session(env, "--record")
    assert len(recordings(env)) == 2
    assert not [e for e in read(recordings(env)[-1])[1] if e[1] == "i"]  # input only with record_input or the flag
