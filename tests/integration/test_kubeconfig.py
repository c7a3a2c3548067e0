"""The kubeconfig read without the kubernetes package (hubtui/kube/kubeconfig.py, kube/http.py), against the
real API server: each kind of credential an operator's kubeconfig holds connects as the same user through
hubtui's lean requests, through the typed client built from them, and through the library's own loader."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from hubtui.errors import HubError, UsageError
from hubtui.kube.client import _library_connect, connect, contexts

pytestmark = pytest.mark.cluster

REVIEW = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def who(conn) -> str:
    """The user the API server sees: lean, and through the typed client (both must agree)."""
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    lean = conn.http.json("POST", REVIEW, body=body)["status"]["userInfo"]["username"]
    typed = client.AuthenticationV1Api(conn.api).create_self_subject_review(body).status.user_info.username
    assert lean == typed
    return lean


def library_who(settings, paths: str) -> str:
    conn = _library_connect(settings, paths, settings.context or contexts(settings)[1])
    try:
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        return client.AuthenticationV1Api(conn.api).create_self_subject_review(body).status.user_info.username
    finally:
        conn.close()


@pytest.fixture
def parts(kube, kube_settings, tmp_path):
    """The cluster's server and PKI files copied next to the kubeconfigs the tests write, and a service
    account's token."""
    cfg = yaml.safe_load(Path(kube_settings.kubeconfig).read_text())
    cluster, user = cfg["clusters"][0]["cluster"], cfg["users"][0]["user"]
    for key, name in (("certificate-authority", "ca.crt"), ("client-certificate", "admin.crt"),
                      ("client-key", "admin.key")):
        shutil.copy(cluster.get(key) or user[key], tmp_path / name)
    core = client.CoreV1Api(kube.api)
    sa = f"lean-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_service_account("default", {"metadata": {"name": sa}})
    token = core.create_namespaced_service_account_token(sa, "default", {"spec": {"expirationSeconds": 3600}}).status.token
    yield {"server": cluster["server"], "dir": tmp_path, "token": token, "sa": f"system:serviceaccount:default:{sa}"}
    core.delete_namespaced_service_account(sa, "default")


def write(tmp: Path, user: dict, cluster: dict | None = None, name: str = "kubeconfig") -> str:
    path = tmp / name
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "k", "cluster": cluster}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "users": [{"name": "u", "user": user}]}))
    return str(path)


def b64(path: Path) -> str:
    return base64.standard_b64encode(path.read_bytes()).decode()


def plugin(tmp: Path, status: dict, name: str = "plugin.py") -> dict:
    """An exec credential plugin (a Python script) that prints `status` and counts its runs in runs.txt."""
    script = tmp / name
    script.write_text(
        "import json, os, pathlib, sys\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        f"runs = pathlib.Path({str(tmp / 'runs.txt')!r})\n"
        "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
        f"status = {status!r}\n"
        "status = status[min(len(runs.read_text()), len(status)) - 1] if isinstance(status, list) else status\n"
        "print(json.dumps({'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', 'status': status}))\n")
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never"}}


def relative_plugin(tmp: Path, token: str) -> dict:
    """A plugin named `./bin/auth` in the kubeconfig: kubectl runs it from the kubeconfig's folder, wherever
    it is started."""
    (tmp / "bin").mkdir(exist_ok=True)
    script = tmp / "bin" / "auth"
    script.write_text(f"#!{sys.executable}\nimport json, os\n"
                      "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
                      f"print(json.dumps({{'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', "
                      f"'status': {{'token': {token!r}}}}}))\n")
    script.chmod(0o755)
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "./bin/auth"}}


def kinds(p) -> dict[str, tuple[dict, dict]]:
    d = p["dir"]
    files = {"server": p["server"], "certificate-authority": "ca.crt"}  # relative: to the kubeconfig's folder
    data = {"server": p["server"], "certificate-authority-data": b64(d / "ca.crt")}
    (d / "token").write_text(p["token"])
    return {
        "client certificate files": ({"client-certificate": "admin.crt", "client-key": "admin.key"}, files),
        "client certificate data": ({"client-certificate-data": b64(d / "admin.crt"),
                                     "client-key-data": b64(d / "admin.key")}, data),
        "token": ({"token": p["token"]}, files),
        "token file": ({"tokenFile": "token"}, data),
        "exec plugin, token": (plugin(d, {"token": p["token"]}, "token-plugin.py"), files),
        "exec plugin, token, command relative to the kubeconfig": (relative_plugin(d, p["token"]), files),
        "exec plugin, client certificate": (plugin(d, {"clientCertificateData": (d / "admin.crt").read_text(),
                                                       "clientKeyData": (d / "admin.key").read_text()},
                                                   "cert-plugin.py"), files),
    }


@pytest.mark.parametrize("kind", ["client certificate files", "client certificate data", "token", "token file",
                                  "exec plugin, token", "exec plugin, token, command relative to the kubeconfig",
                                  "exec plugin, client certificate"])
def test_each_kind_of_credential_connects_as_the_same_user_as_the_librarys_loader(parts, kube_settings, kind):
    user, cluster = kinds(parts)[kind]
    path = write(parts["dir"], user, cluster)
    settings = replace(kube_settings, kubeconfig=path, context=None)
    conn = connect(settings)
    try:
        assert conn.endpoint is not None, "read without the library"
        assert (conn.context, conn.cluster, conn.user, conn.server) == ("c", "k", "u", parts["server"])
        seen = who(conn)
    finally:
        conn.close()
    assert seen == library_who(settings, path)
    if "token" in kind:
        assert seen == parts["sa"]
    else:
        assert seen == "kwok-admin"  # the cluster's admin certificate


def test_an_exec_plugin_runs_again_when_its_credential_expires_and_once_after_a_refusal(parts, kube_settings):
    d = parts["dir"]
    # expiring at once: every request asks again
    soon = {"token": parts["token"], "expirationTimestamp": "2000-01-01T00:00:00Z"}
    conn = connect(replace(kube_settings, kubeconfig=write(d, plugin(d, soon), {"server": parts["server"],
                                                                               "certificate-authority": "ca.crt"}),
                           context=None))
    try:
        conn.http.json("GET", "/version")
        conn.http.json("GET", "/version")
        assert (d / "runs.txt").read_text() == "xxx"  # at connect, as kubectl does, then once a request
    finally:
        conn.close()
    # a token the server refuses (401): the plugin is asked once more, and its new token is used
    (d / "runs.txt").unlink()
    refused_then_good = [{"token": "not-a-token"}, {"token": parts["token"]}]
    conn = connect(replace(kube_settings, kubeconfig=write(d, plugin(d, refused_then_good, "p2.py"),
                                                           {"server": parts["server"], "certificate-authority": "ca.crt"}),
                           context=None))
    try:
        assert who(conn) == parts["sa"]
        assert (d / "runs.txt").read_text() == "xx"
    finally:
        conn.close()


def test_a_failing_or_missing_plugin_is_one_line(parts, kube_settings):
    d = parts["dir"]
    files = {"server": parts["server"], "certificate-authority": "ca.crt"}
    (d / "fail.py").write_text("import sys\nprint('token expired: run aws sso login', file=sys.stderr)\nsys.exit(3)\n")
    failing = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                        "args": [str(d / "fail.py")]}}
    with pytest.raises(HubError, match=r"credential plugin .* failed \(exit 3\): token expired: run aws sso login"):
        connect(replace(kube_settings, kubeconfig=write(d, failing, files), context=None))  # run at connect
    missing = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "no-such-auth-plugin",
                        "installHint": "install it with: brew install no-such-auth-plugin"}}
    with pytest.raises(HubError, match="'no-such-auth-plugin' of user 'u' is not installed "
                                       r"\(install it with: brew install no-such-auth-plugin\)"):
        connect(replace(kube_settings, kubeconfig=write(d, missing, files), context=None))


def test_a_kubeconfig_list_merges_as_kubectl_merges_it(parts, kube_settings, tmp_path):
    d = parts["dir"]
    files = {"server": parts["server"], "certificate-authority": str(d / "ca.crt")}
    cert = {"client-certificate": str(d / "admin.crt"), "client-key": str(d / "admin.key")}
    first = tmp_path / "first"
    first.write_text(yaml.safe_dump({
        "current-context": "one",
        "clusters": [{"name": "k", "cluster": files}],
        "contexts": [{"name": "one", "context": {"cluster": "k", "user": "u"}}],
        "users": [{"name": "u", "user": cert}]}))
    second = tmp_path / "second"
    second.write_text(yaml.safe_dump({  # a second definition of k, u and a current context: the first file wins
        "current-context": "two",
        "clusters": [{"name": "k", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "two", "context": {"cluster": "k", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "wrong"}}]}))
    paths = os.pathsep.join([str(first), str(tmp_path / "absent"), str(second)])
    settings = replace(kube_settings, kubeconfig=paths, context=None)
    assert contexts(settings) == (["one", "two"], "one")
    conn = connect(replace(settings, context="two"))
    try:
        assert conn.context == "two" and conn.server == parts["server"]
        assert who(conn) == library_who(replace(settings, context="two"), paths)
    finally:
        conn.close()
    with pytest.raises(UsageError, match=r"context 'three' is not in .* \(contexts: one, two\)"):
        connect(replace(settings, context="three"))


def test_what_only_the_library_reads_goes_to_the_librarys_loader(parts, kube_settings):
    """A user name and password (or an auth-provider): the library's loader, with the same context."""
    path = write(parts["dir"], {"username": "admin", "password": "secret"},
                 {"server": parts["server"], "certificate-authority": "ca.crt"})
    conn = connect(replace(kube_settings, kubeconfig=path, context=None))
    try:
        assert conn.endpoint is None and (conn.context, conn.server) == ("c", parts["server"])
        assert json.dumps(conn.http.json("GET", "/version"))  # through the library's ApiClient
    finally:
        conn.close()


def test_the_proxy_is_chosen_as_kubectl_chooses_it():
    from hubtui.kube.http import proxy_for
    from hubtui.kube.kubeconfig import Endpoint

    remote = Endpoint("c", "k", "u", "https://api.example.com:6443", "config")
    env = {"HTTPS_PROXY": "http://proxy:3128", "HTTP_PROXY": "http://plain:3128"}
    assert proxy_for(remote, env) == "http://proxy:3128"
    assert proxy_for(remote, env | {"NO_PROXY": "example.com"}) is None
    assert proxy_for(remote, env | {"no_proxy": ".other.com"}) == "http://proxy:3128"
    assert proxy_for(replace(remote, server="http://api.example.com"), env) == "http://plain:3128"
    assert proxy_for(replace(remote, server="https://127.0.0.1:6443"), env) is None  # loopback: never
    assert proxy_for(replace(remote, server="https://localhost:6443"), env) is None
    assert proxy_for(replace(remote, proxy="http://from-kubeconfig:8080"), env) == "http://from-kubeconfig:8080"
    assert proxy_for(remote, {}) is None
    # NO_PROXY ranges, a proxy without a scheme, and the upper-case name first, as Go reads them
    at = replace(remote, server="https://10.1.2.3:6443")
    assert proxy_for(at, env | {"NO_PROXY": "192.168.0.0/16, 10.0.0.0/8"}) is None
    assert proxy_for(at, env | {"NO_PROXY": "192.168.0.0/16"}) == "http://proxy:3128"
    assert proxy_for(remote, {"HTTPS_PROXY": "proxy.corp:3128"}) == "http://proxy.corp:3128"
    assert proxy_for(remote, {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}) == "http://upper:1"
    assert proxy_for(remote, env | {"NO_PROXY": "*"}) is None


def test_a_kubeconfig_proxy_url_carries_every_request(parts, kube_settings):
    """proxy-url: the requests go through an HTTP CONNECT proxy (a small one here), TLS to the server inside."""
    import socket
    import threading

    from hubtui.kube.portforward import pipe

    seen: list[str] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            line = head.split(b"\r\n")[0].decode()
            seen.append(line)
            host, port = line.split()[1].rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    path = write(parts["dir"], {"token": parts["token"]},
                 {"server": parts["server"], "certificate-authority": "ca.crt", "proxy-url": proxy})
    conn = connect(replace(kube_settings, kubeconfig=path, context=None))
    try:
        assert who(conn) == parts["sa"]  # lean, and the typed client built from the same endpoint
        host_port = parts["server"].removeprefix("https://")
        assert seen and all(line.startswith(f"CONNECT {host_port} HTTP/") for line in seen), seen
        assert len(seen) >= 2  # both ways went through it
    finally:
        conn.close()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (a bare close would not)
        except OSError:
            pass
        listener.close()


def test_on_a_terminal_an_exec_plugin_may_ask_the_operator_before_anything_is_drawn(parts, local_cluster, tmp_path):
    """A sign-in plugin (kubelogin's device code, an SSO prompt) asks on the terminal at connect time; what it
    prints there is seen, what is typed reaches it, and its token is what hubtui then uses."""
    import pexpect

    d = parts["dir"]
    script = d / "sign-in.py"
    script.write_text(
        "import json, os, sys\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        "assert info['spec']['interactive'] is True\n"
        "print('Enter the code shown in your browser:', file=sys.stderr, flush=True)\n"
        "code = sys.stdin.readline().strip()\n"
        f"token = {parts['token']!r} if code == '123456' else 'wrong'\n"
        "print(json.dumps({'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', 'status': {'token': token}}))\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "IfAvailable"}}
    path = write(d, user, {"server": parts["server"], "certificate-authority": "ca.crt"}, name="kubeconfig")
    env = dict(os.environ, KUBECONFIG=path, XDG_STATE_HOME=str(tmp_path / "state"))
    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "scale", "-d", "api-server", "-r", "1", "-n", "default"],
                          env=env, timeout=30, encoding="utf-8")
    i = child.expect(["Enter the code shown in your browser:", pexpect.EOF])
    if i == 1:
        child.close()
        raise AssertionError(f"exit {child.exitstatus} {child.signalstatus}: {child.before!r}")
    child.sendline("123456")
    child.expect(pexpect.EOF)
    child.close()
    # the service account may not list deployments: refused as that user (403), not as nobody (401)
    assert "forbidden (403)" in child.before and child.exitstatus == 1, child.before


def test_what_would_connect_elsewhere_or_as_someone_else_is_refused_in_one_line(parts, kube_settings, tmp_path):
    d = parts["dir"]
    files = {"server": parts["server"], "certificate-authority": "ca.crt"}
    cases = {
        r"impersonates \(as\): hubtui cannot act as another user": {"token": parts["token"], "as": "readonly"},
        "has a client certificate without its key": {"client-certificate": "admin.crt"},
        "client-key .*no-such.key of context 'c' does not exist": {"client-certificate": "admin.crt",
                                                                     "client-key": "no-such.key"},
    }
    for message, user in cases.items():
        with pytest.raises(HubError, match=message):
            connect(replace(kube_settings, kubeconfig=write(d, user, files), context=None))
    with pytest.raises(HubError, match="certificate-authority .*absent.crt of context 'c' does not exist"):
        connect(replace(kube_settings, kubeconfig=write(d, {"token": parts["token"]},
                                                        {"server": parts["server"], "certificate-authority": "absent.crt"}),
                        context=None))


def test_a_symlinked_kubeconfig_reads_its_relative_files_from_the_links_folder(parts, kube_settings, tmp_path):
    """As kubectl: ~/.kube/config linked into a dotfiles folder reads ~/.kube/token, not dotfiles/token."""
    real, home = tmp_path / "dotfiles", tmp_path / "home"
    real.mkdir()
    home.mkdir()
    (home / "token").write_text(parts["token"])
    (real / "token").write_text("wrong")
    shutil.copy(parts["dir"] / "ca.crt", home / "ca.crt")
    target = Path(write(real, {"tokenFile": "token"}, {"server": parts["server"], "certificate-authority": "ca.crt"}))
    (home / "config").symlink_to(target)
    conn = connect(replace(kube_settings, kubeconfig=str(home / "config"), context=None))
    try:
        assert who(conn) == parts["sa"]
    finally:
        conn.close()


def test_the_librarys_loader_gets_the_context_kubectl_would_choose(parts, kube_settings, tmp_path):
    """Basic auth (only the library reads it) in a KUBECONFIG list where both files set current-context: the
    first file's context, as kubectl chooses it (the library alone would take the last file's)."""
    files = {"server": parts["server"], "certificate-authority": str(parts["dir"] / "ca.crt")}
    paths = []
    for name in ("first", "second"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump({
            "current-context": name,
            "clusters": [{"name": name, "cluster": files}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "users": [{"name": name, "user": {"username": name, "password": "secret"}}]}))
        paths.append(str(path))
    conn = connect(replace(kube_settings, kubeconfig=os.pathsep.join(paths), context=None))
    try:
        assert conn.endpoint is None and conn.context == "first"
    finally:
        conn.close()


def test_sixteen_requests_at_once_run_the_plugin_once_after_a_refusal_and_once_when_it_fails(parts, kube_settings):
    """Scaling sends 16 requests at once: a refused token is renewed by one run of the plugin, not one each,
    and a plugin that fails fails them all with one run (an identity provider that hangs would otherwise
    cost 16 × its timeout)."""
    from concurrent.futures import ThreadPoolExecutor

    d = parts["dir"]
    files = {"server": parts["server"], "certificate-authority": "ca.crt"}
    conn = connect(replace(kube_settings, kubeconfig=write(d, plugin(d, [{"token": "refused"}, {"token": parts["token"]}],
                                                                       "renew.py"), files), context=None))
    try:
        with ThreadPoolExecutor(16) as pool:
            assert all(pool.map(lambda _: conn.http.json("GET", "/version"), range(16)))
        assert (d / "runs.txt").read_text() == "xx"  # at connect (refused), then once for all 16
    finally:
        conn.close()
    (d / "runs.txt").unlink()
    # a token that expires at once, then a plugin that fails
    (d / "fails.py").write_text(
        "import json, os, pathlib, sys\n"
        f"runs = pathlib.Path({str(d / 'runs.txt')!r})\n"
        "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
        "if len(runs.read_text()) > 1:\n"
        "    sys.exit('the identity provider does not answer')\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        f"print(json.dumps({{'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', "
        f"'status': {{'token': {parts['token']!r}, 'expirationTimestamp': '2000-01-01T00:00:00Z'}}}}))\n")
    failing = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                        "args": [str(d / "fails.py")]}}
    conn = connect(replace(kube_settings, kubeconfig=write(d, failing, files), context=None))
    try:
        def one(_):
            try:
                conn.http.json("GET", "/version")
            except HubError as e:
                return str(e)
            return "ok"
        with ThreadPoolExecutor(16) as pool:
            said = set(pool.map(one, range(16)))
        assert said == {f"the credential plugin {sys.executable!r} failed (exit 1): "
                        "the identity provider does not answer"}, said
        assert (d / "runs.txt").read_text() == "xx"  # at connect, then one failed run for all 16
    finally:
        conn.close()


def test_a_server_without_a_scheme_is_https_as_kubectl_reads_it_and_another_scheme_is_one_line(parts, kube_settings):
    """`server: 127.0.0.1:PORT` with a CA: kubectl (client-go) reaches it over https; hubtui connects the same way
    (never plain http to another host). A server that is not http(s) is one line, nothing sent."""
    user = {"client-certificate": str(parts["dir"] / "admin.crt"), "client-key": str(parts["dir"] / "admin.key")}
    bare = parts["server"].split("://", 1)[1]
    path = write(parts["dir"], user, {"server": bare, "certificate-authority": str(parts["dir"] / "ca.crt")})
    conn = connect(replace(kube_settings, kubeconfig=path, context=None))
    try:
        assert conn.endpoint.server == parts["server"] and who(conn) == "kwok-admin"
    finally:
        conn.close()
    from hubtui.kube.kubeconfig import context_places, endpoint
    from hubtui.ops.fleet import Hub, points_elsewhere

    # the fleet's row spells the server as the connection does: the hub is not taken to point elsewhere
    assert context_places(path) == [("c", "", parts["server"])]
    assert points_elsewhere(Hub("c", "ns", context_places(path)[0][2]), conn.server) is None
    plain = write(parts["dir"], {"token": "t"}, {"server": "10.0.0.9:8080"}, name="plain")
    assert endpoint(plain).server == context_places(plain)[0][2] == "http://10.0.0.9:8080"  # nothing of TLS: http
    path = write(parts["dir"], user, {"server": "ftp://" + bare}, name="ftp")
    with pytest.raises(HubError, match="is not an http or https URL"):
        connect(replace(kube_settings, kubeconfig=path, context=None))
