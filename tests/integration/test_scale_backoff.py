"""`hubtui scale --all` against an API server that says 429: a small HTTP proxy in front of the real local
API server answers Too Many Requests (Retry-After: 1) to the first scale requests, then lets them through.
hubtui backs off (fewer requests in flight), retries, and every deployment ends at its count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from hubtui.ops.scale import MAX_PARALLEL, AdaptiveLimiter

from ..kubehelpers import Scratch

# A bulk change sends its first request alone, then the rest MAX_PARALLEL at a time: the first one is refused
# once, and then every request of the first parallel wave.
THROTTLED = frozenset({0, *range(2, 2 + MAX_PARALLEL)})


class ThrottlingProxy:
    """Plain HTTP on 127.0.0.1 -> the API server over TLS with the admin's client certificate."""

    def __init__(self, upstream: str, ca: str, cert: str, key: str, *, throttle: frozenset[int] = THROTTLED,
                 drop: int = 0):
        """The scale requests whose ordinals (from 0) are in `throttle` get a 429; the first `drop` of the others
        are passed on and applied, and their connection then closed with no answer (a connection that drops after
        the server acted)."""
        self.pool = urllib3.PoolManager(maxsize=32, ca_certs=ca, cert_file=cert, key_file=key)
        self.upstream = upstream
        self.throttle, self.drop = throttle, drop
        self.dropped = 0
        self.lock = threading.Lock()
        self.refused = 0
        self.scales = 0  # scale requests seen
        self.passed = 0
        self.in_flight = 0
        self.peak_after_throttling = 0  # the most scale requests at once once the 429s are over
        self.seen: list[str] = []  # every request passed on, as "METHOD path" (no query)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    proxy.seen.append(f"{self.command} {self.path.split('?')[0]}")
                scale = self.command == "PATCH" and self.path.split("?")[0].endswith("/scale")
                if scale:
                    with proxy.lock:
                        proxy.scales += 1
                        if proxy.scales - 1 in proxy.throttle:
                            proxy.refused += 1
                            self._send(429, {"Retry-After": "1"}, json.dumps({
                                "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 429,
                                "reason": "TooManyRequests", "message": "too many requests"}).encode())
                            return
                        proxy.in_flight += 1
                        proxy.peak_after_throttling = max(proxy.peak_after_throttling, proxy.in_flight)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    resp = proxy.pool.request(self.command, proxy.upstream + self.path, body=body or None,
                                              headers=headers, preload_content=True, retries=False)
                    if scale:
                        threading.Event().wait(0.05)  # long enough for requests to overlap
                finally:
                    if scale:
                        with proxy.lock:
                            proxy.in_flight -= 1
                            proxy.passed += 1
                if scale:
                    with proxy.lock:
                        drop = proxy.dropped < proxy.drop
                        proxy.dropped += drop
                    if drop:
                        self.close_connection = True  # no answer: the client sees its connection end
                        return
                self._send(resp.status, {"Content-Type": resp.headers.get("Content-Type", "application/json")},
                           resp.data)

            def _send(self, status, headers, data):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @classmethod
    def in_front_of(cls, local_cluster, **kw) -> ThrottlingProxy:
        """A proxy to the local cluster's API server, with its admin's client certificate."""
        import yaml

        cfg = yaml.safe_load(local_cluster.kubeconfig.read_text())
        cluster, user = cfg["clusters"][0]["cluster"], cfg["users"][0]["user"]
        return cls(cluster["server"], cluster["certificate-authority"], user["client-certificate"],
                   user["client-key"], **kw)

    def hubtui(self, tmp_path, namespace: str, *args: str, user: dict | None = None) -> subprocess.CompletedProcess:
        """`hubtui ARGS` with a kubeconfig whose server is this proxy (no credentials: the proxy has them; `user`:
        what the kubeconfig's user holds, e.g. a user name and password, which only the library's loader reads)."""
        config = tmp_path / "kubeconfig"
        config.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "proxy",
            "clusters": [{"name": "proxy", "cluster": {"server": self.url}}],
            "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "anyone"}}],
            "users": [{"name": "anyone", "user": user or {}}]}))
        env = dict(os.environ, KUBECONFIG=str(config), NAMESPACE=namespace, XDG_STATE_HOME=str(tmp_path / "s"))
        return subprocess.run([sys.executable, "-m", "hubtui", *args], env=env, capture_output=True, text=True,
                              timeout=120)


@pytest.mark.cluster
def test_scale_all_backs_off_on_429_and_retry_after_and_scales_everything(kube, local_cluster, tmp_path):
    ns = Scratch(kube.api, "throttled")
    try:
        names = [f"svc-{i:02d}" for i in range(40)]
        for name in names:
            ns.add(name, 1)
        with ThrottlingProxy.in_front_of(local_cluster) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "--all", "-r", "2", "--json")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)  # one document: no progress on stdout
        assert doc["ok"] and sorted(c["deployment"] for c in doc["changes"]) == names
        assert all(c["error"] is None for c in doc["changes"])
        assert ns.replicas() == {name: 2 for name in names}
        assert proxy.refused == len(THROTTLED) and proxy.passed == len(names)
        # After a wave of 429s the client starts again from one request at a time and adds one for every 8
        # successes in a row: far fewer at once than its maximum.
        assert 1 <= proxy.peak_after_throttling <= 1 + len(names) // 8 < MAX_PARALLEL, proxy.peak_after_throttling
        assert "\r" not in proc.stderr  # stderr is not a terminal here: no progress line
    finally:
        ns.delete()


@pytest.mark.cluster
@pytest.mark.parametrize("user", [{}, {"username": "admin", "password": "secret"}], ids=["lean", "library"])
def test_a_scale_whose_connection_drops_before_the_answer_is_sent_again_and_succeeds(kube, local_cluster, tmp_path,
                                                                                     user):
    """A PATCH is not retried by HTTP clients by default; a scale sets a value, so sending it again is safe:
    the connection that drops after the server acted does not fail the command. Through hubtui's own transport,
    and through the library's (a kubeconfig only the library's loader reads)."""
    ns = Scratch(kube.api, "dropped")
    try:
        ns.add("api-server", 1)
        with ThrottlingProxy.in_front_of(local_cluster, throttle=frozenset(), drop=1) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "api-server", "-r", "3", "--json", user=user)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["changes"][0]["error"] is None
        assert proxy.dropped == 1 and proxy.passed == 2  # sent, dropped, sent again
        assert ns.replicas() == {"api-server": 3}
    finally:
        ns.delete()


@pytest.mark.cluster
def test_a_named_scale_reads_only_the_named_deployment_not_the_namespace(kube, local_cluster, tmp_path):
    """`scale -d NAME` in a namespace of 30 deployments: a GET of that deployment (the HPAs' list beside it),
    the scale PATCH, and a GET of it again for the status; never the namespace's whole list. A name that is not
    there still gets the list's "did you mean"."""
    ns = Scratch(kube.api, "named")
    try:
        for i in range(30):
            ns.add(f"svc-{i:02d}", 1)
        with ThrottlingProxy.in_front_of(local_cluster, throttle=frozenset()) as proxy:
            proc = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "svc-07", "-r", "2", "--json")
            asked = list(proxy.seen)
            typo = proxy.hubtui(tmp_path, ns.name, "scale", "-d", "svc-7", "-r", "2")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        assert [(c["deployment"], c["from"], c["to"], c["desired"]) for c in doc["changes"]] == [("svc-07", 1, 2, 2)]
        one = f"/apis/apps/v1/namespaces/{ns.name}/deployments/svc-07"
        hpas = f"/apis/autoscaling/v2/namespaces/{ns.name}/horizontalpodautoscalers"
        assert sorted(asked) == sorted([f"GET {one}", f"GET {hpas}", f"PATCH {one}/scale", f"GET {one}"]), asked
        assert typo.returncode == 2 and "'svc-7' not found" in typo.stderr, typo.stderr
        assert "did you mean" in typo.stderr and "svc-07" in typo.stderr, typo.stderr
        assert ns.replicas() == {f"svc-{i:02d}": 2 if i == 7 else 1 for i in range(30)}  # the typo changed nothing
    finally:
        ns.delete()


def test_the_limiter_halves_on_429_waits_retry_after_and_grows_back():
    """The limiter's arithmetic with a fake clock (the behaviour is proven above against the real server)."""

    class TooMany(Exception):
        status = 429
        headers = {"Retry-After": "2"}

    now = [0.0]
    slept = []
    limiter = AdaptiveLimiter(8, grow_after=2, clock=lambda: now[0])
    attempts = [0]

    def flaky():
        attempts[0] += 1
        if attempts[0] == 1:
            raise TooMany()
        return "ok"

    # the pause is waited on the condition; move the clock forward when the limiter waits
    orig_wait = limiter._cond.wait

    def wait(timeout=None):
        slept.append(timeout)
        now[0] += timeout or 0
        return orig_wait(0)

    limiter._cond.wait = wait
    assert limiter.call(flaky) == "ok"
    assert limiter.limit == 4 and limiter.throttled == 1 and slept and slept[0] == pytest.approx(2.0)
    for _ in range(4):
        limiter.call(lambda: None)
    assert limiter.limit == 6  # one more for every two successes in a row, up to the maximum

    class Broken(Exception):
        status = 500

    with pytest.raises(Broken):  # anything but a 429 is the caller's
        limiter.call(lambda: (_ for _ in ()).throw(Broken()))
    assert limiter.in_flight == 0
