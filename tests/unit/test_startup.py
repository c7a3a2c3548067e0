"""`hubtui --help` and `--version` are quick: they load no cloud SDK, no kubernetes client, no textual."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from hubtui.__main__ import main
try:
    code = main({args!r})
except SystemExit as e:
    code = e.code
heavy = sorted({{m.split('.')[0] + ('.' + m.split('.')[1] if m.startswith(('google.', 'hubtui.')) and '.' in m else '')
               for m in sys.modules
               if m.split('.')[0] in ('boto3', 'botocore', 'azure', 'google', 'kubernetes', 'textual', 'yaml')
               or m.startswith(('hubtui.ops', 'hubtui.kube', 'hubtui.cloud', 'hubtui.ui'))
               or m == 'importlib.metadata'}})
print(json.dumps({{'code': code, 'heavy': heavy}}))
"""


@pytest.mark.parametrize("args", ["--help", "--version", "scale --help", "cleanup --help", "connect --help"])
def test_help_and_version_import_nothing_they_do_not_need(args):
    """No cloud SDK, no kubernetes client, no textual, none of the engine, and not the packages' metadata
    machinery (--version names their versions from their dist-info folders' names)."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args.split())], capture_output=True, text=True,
                          timeout=30)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "heavy": []}


def test_help_names_the_cluster_flags():
    proc = subprocess.run([sys.executable, "-m", "hubtui", "--help"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    for flag in ("--kubeconfig", "--context", "--namespace"):
        assert flag in proc.stdout


def test_version_names_hubtui_python_textual_and_the_kubernetes_client():
    import platform
    from importlib.metadata import version

    import hubtui

    proc = subprocess.run([sys.executable, "-m", "hubtui", "--version"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    assert proc.stdout.strip() == (f"hubtui {hubtui.__version__} (Python {platform.python_version()}, "
                                   f"Textual {version('textual')}, kubernetes {version('kubernetes')})")


def test_no_kubeconfig_is_one_line_and_exit_1(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hubtui", "--kubeconfig", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"hubtui: error: no kubeconfig found at {tmp_path / 'nope'}: " \
                                  "pass --kubeconfig or set KUBECONFIG"


def test_the_engine_does_not_import_textual():
    code = ("import sys; import hubtui.kube.deployments, hubtui.kube.client, hubtui.settings, hubtui.errors; "
            "print('textual' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "False"


def test_a_kubeconfig_that_is_a_folder_or_not_yaml_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("clusters: [unclosed\n")
    for path in (tmp_path, bad):
        proc = subprocess.run([sys.executable, "-m", "hubtui", "scale", "--all", "-r", "1", "--kubeconfig", str(path)],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 1, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("hubtui: error: cannot ")


def test_the_first_screen_loads_no_cleanup_fleet_detail_or_cloud_code():
    """What the TUI's first paint imports (the app and the deployments screen): none of the other screens' code,
    no cleanup facts (about 25 ms here), no cloud SDK, no kubernetes client. Each comes when it is opened."""
    code = ("import json, sys; import hubtui.ui.app, hubtui.ui.screens.deployments, hubtui.ui.backend; "
            "print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    later = ("hubtui.facts", "hubtui.ops.cleanup", "hubtui.ops.fleet", "hubtui.cloud", "hubtui.present.events",
             "hubtui.present.summary", "hubtui.present.detail", "hubtui.kube.detail", "hubtui.ui.screens.cleanup",
             "hubtui.ui.screens.detail", "hubtui.ui.screens.fleet", "hubtui.ui.screens.connect", "kubernetes",
             "boto3", "botocore", "google", "azure", "pexpect")
    assert sorted(m for m in loaded if m.startswith(later)) == []


def test_the_typed_client_loads_without_the_packages_loader_and_the_loader_still_works():
    """The kubernetes package's __init__ (config, dynamic, watch, stream…, with google-auth and pydantic models)
    is not run for the typed client; the library's kubeconfig loader still imports when it is needed."""
    code = ("import json, sys; from hubtui.kube import typed_client; typed_client().CoreV1Api; "
            "before = sorted(sys.modules); from kubernetes import config; config.load_kube_config; "
            "from kubernetes import __version__; from kubernetes.dynamic import DynamicClient; "
            "print(json.dumps([before, sorted(sys.modules), __version__]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    before, after, version = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "kubernetes.client" in before
    assert [m for m in before if m.startswith(("kubernetes.config", "kubernetes.dynamic", "kubernetes.watch",
                                              "kubernetes.stream", "google.auth", "requests_oauthlib"))] == []
    assert "kubernetes.config.kube_config" in after
    from importlib.metadata import version as installed

    assert version == installed("kubernetes")  # what the package's __init__ says (kubernetes.dynamic reads it)


@pytest.mark.parametrize("args, own", [
    ("scale -d api-server -r 2", "scale"), ("-n hub --context x connect redis", "connect"),
    ("--kubeconfig /k doctor", "doctor")])
def test_a_command_builds_only_its_own_parser_and_loads_no_other_command(args, own):
    """The parser is built for the command given (after any global flags and their values): no other command's
    module is imported. Help at the top and a word that is no command still list every command."""
    from hubtui.cli import COMMANDS, build_parser, command_of

    assert command_of(args.split()) == own
    # a flag argparse would take abbreviated, or short flags run together: the whole parser decides, as before
    assert command_of(["--cont", "scale", own]) is None and command_of(["-An", "scale", own]) is None
    assert command_of(["--context=x", own]) == command_of(["-nhub", own]) == own
    assert list(build_parser(own).commands) == [own]
    assert list(build_parser(command_of(["bogus"])).commands) == list(COMMANDS)
    code = (f"import json, sys; from hubtui.cli import build_parser; build_parser({own!r}); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('hubtui.headless.', 'hubtui.serve', "
            "'hubtui.completion')))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert [m for m in loaded if m.split(".")[-1] in COMMANDS] == [f"hubtui.headless.{own}"]


@pytest.mark.parametrize("args", [["completion", "bash"], ["--version"]])
def test_output_whose_reader_went_away_ends_quietly_as_a_stopped_pipe(tmp_path, args):
    """`hubtui … | head -1`: the reader closes the pipe before hubtui has written. hubtui ends as a program the
    shell stopped by SIGPIPE (141), without an "unexpected BrokenPipeError" line or a traceback, whether its
    stdout is block-buffered (an operator's shell) or not."""
    import os

    for unbuffered in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        if unbuffered:
            env["PYTHONUNBUFFERED"] = "1"
        read, write = os.pipe()
        os.close(read)
        try:
            proc = subprocess.run([sys.executable, "-m", "hubtui", *args], stdout=write, stderr=subprocess.PIPE,
                                  text=True, timeout=30, cwd=tmp_path, env=env)
        finally:
            os.close(write)
        assert (proc.returncode, proc.stderr) == (141, ""), (unbuffered, proc.stderr)
