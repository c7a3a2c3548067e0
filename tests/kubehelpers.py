"""Small helpers for tests that set up their own objects in the real local cluster."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import urllib3

from kubernetes import client, watch


def deployment(name: str, replicas: int, *, cpu: str = "10m", node_selector: dict | None = None) -> dict:
    spec = {"containers": [{"name": name, "image": f"example/{name}:1",
                            "resources": {"requests": {"cpu": cpu}}}]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def hpa(target: str, lo: int, hi: int) -> dict:
    return {"metadata": {"name": target},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                     "minReplicas": lo, "maxReplicas": hi,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def wait_for_pods(core, namespace, selector, count, timeout=60):
    """Watch the pods of a selector until exactly `count` exist and all are Ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod(namespace, label_selector=selector)
        live = [p for p in pods.items if p.metadata.deletion_timestamp is None]
        if len(pods.items) == count and len(live) == count and all(ready(p) for p in live):
            return live
        w = watch.Watch()
        for _ in w.stream(core.list_namespaced_pod, namespace, label_selector=selector,
                          resource_version=pods.metadata.resource_version, timeout_seconds=2):
            w.stop()
    raise AssertionError(f"{selector}: wanted {count} ready pods, have "
                         f"{[(p.metadata.name, ready(p)) for p in pods.items]}")


def wait_deleted(core, namespace: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            core.read_namespace(namespace)
        except client.ApiException as e:
            if e.status == 404:
                return
            raise
        time.sleep(0.3)
    raise AssertionError(f"namespace {namespace} still exists")


class Scratch:
    """A namespace of a test's own, with deployments it creates, deleted afterwards."""

    def __init__(self, api, prefix: str = "t"):
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.autoscaling = client.AutoscalingV2Api(api)
        self.name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.core.create_namespace({"metadata": {"name": self.name}})
        # Pods are refused until the controller manager has made the namespace's default service account (a
        # moment; longer just after the API server came back from a test's restart): wait for it, as kubectl
        # users learn to.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.core.read_namespaced_service_account("default", self.name)
                break
            except client.ApiException as e:
                if e.status != 404 or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def add(self, name: str, replicas: int, **kw) -> None:
        self.apps.create_namespaced_deployment(self.name, deployment(name, replicas, **kw))

    def add_hpa(self, target: str, lo: int, hi: int) -> None:
        self.autoscaling.create_namespaced_horizontal_pod_autoscaler(self.name, hpa(target, lo, hi))

    def wait_pods(self, name: str, count: int, timeout: float = 60):
        return wait_for_pods(self.core, self.name, f"app={name}", count, timeout)

    def replicas(self) -> dict[str, int]:
        return {d.metadata.name: d.spec.replicas for d in self.apps.list_namespaced_deployment(self.name).items}

    def settled(self, timeout: float = 60) -> None:
        """Every deployment's rollout seen through, its status caught up with its spec: the controller has no
        update of it left to make, so a version read now still holds when a change is sent (a test that
        counts the requests of one change, or needs its version precondition to hold, waits for this)."""
        def done(d) -> bool:
            st, want = d.status, d.spec.replicas
            progressing = {c.type: c for c in st.conditions or ()}.get("Progressing")
            return ((st.observed_generation or 0) >= d.metadata.generation and (st.replicas or 0) == want
                    and (st.ready_replicas or 0) == want and (st.updated_replicas or 0) == want
                    and (st.available_replicas or 0) == want
                    and progressing is not None and progressing.reason == "NewReplicaSetAvailable")

        deadline = time.monotonic() + timeout
        while not all(done(d) for d in self.apps.list_namespaced_deployment(self.name).items):
            if time.monotonic() > deadline:
                raise AssertionError(f"the deployments of {self.name} did not settle in {timeout:.0f} s")
            time.sleep(0.1)

    def versions(self) -> dict[str, tuple]:
        """What a change by hubtui would alter: spec generation, replicas, annotations (status updates by
        the controller do not count)."""
        return {d.metadata.name: (d.metadata.generation, d.spec.replicas, tuple(sorted(
                    (d.metadata.annotations or {}).items())))
                for d in self.apps.list_namespaced_deployment(self.name).items}

    def annotations(self, name: str) -> dict:
        return self.apps.read_namespaced_deployment(name, self.name).metadata.annotations or {}

    def delete(self) -> None:
        self.core.delete_namespace(self.name)


def restricted_kubeconfig(api, path, namespace: str, rules: list[dict] | None = None,
                          cluster_role: str | None = None) -> str:
    """A kubeconfig for a service account that may do nothing (no RBAC binding: every call gets 403), or
    only what `rules` (a Role's rules in the namespace) allow, or what a ClusterRole (the built-in `view`)
    allows in the namespace."""
    core = client.CoreV1Api(api)
    name = f"nobody-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_service_account(namespace, {"metadata": {"name": name}})
    rbac = client.RbacAuthorizationV1Api(api)
    if rules:
        rbac.create_namespaced_role(namespace, {"metadata": {"name": name}, "rules": rules})
    if rules or cluster_role:
        rbac.create_namespaced_role_binding(namespace, {
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole" if cluster_role else "Role",
                        "name": cluster_role or name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]})
    token = core.create_namespaced_service_account_token(
        name, namespace, {"spec": {"expirationSeconds": 3600}}).status.token
    cfg = api.configuration
    import json

    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "nobody",
        "clusters": [{"name": "local", "cluster": {"server": cfg.host, "certificate-authority": cfg.ssl_ca_cert}}],
        "contexts": [{"name": "nobody", "context": {"cluster": "local", "user": name, "namespace": namespace}}],
        "users": [{"name": name, "user": {"token": token}}]}))
    return str(path)


class ApiProxy:
    """A TCP proxy in front of a cluster's API server, with a kubeconfig of its own that goes through it.

    `cut()` drops every connection through it and refuses new ones, as a crashed or unreachable API server
    does; `restore()` listens again on the same port. The cluster itself never notices: its controller
    manager and scheduler keep their leader leases (a real API-server restart costs each test seconds and
    can make them exit), and the other tests on the cluster go on."""

    def __init__(self, cluster, path):
        self.target = ("127.0.0.1", cluster.state().api_port)
        self._lock = threading.Lock()
        self._conns: set = set()
        self._listener = None
        self._generation = 0  # a cut starts a new one: what a connection of an older one carries is not relayed
        self.port = 0
        self._listen()
        text = cluster.kubeconfig.read_text()
        path.write_text(re.sub(r"(server: https://127\.0\.0\.1:)\d+", rf"\g<1>{self.port}", text))
        self.kubeconfig = path

    def _listen(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client_side, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server_side = socket.create_connection(self.target, timeout=5)
            except OSError:
                client_side.close()
                continue
            server_side.settimeout(None)
            with self._lock:
                self._conns.update((client_side, server_side))
                generation = self._generation
            for a, b in ((client_side, server_side), (server_side, client_side)):
                threading.Thread(target=self._relay, args=(a, b, generation), daemon=True).start()

    def _relay(self, src, dst, generation: int) -> None:
        """pipe(), but nothing read once a cut has begun is passed on: the cut is at one instant for every
        connection, as an API server's crash is. (Shut down one by one, a client woken by its first connection
        ending could ask through a kept-alive second one, still open, and be answered.)"""
        try:
            while (data := src.recv(65536)) and self._generation == generation:
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for end in (src, dst):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self._lock:
            self._generation += 1
        listener, self._listener = self._listener, None
        if listener is not None:
            try:  # wakes the thread blocked in accept() (a bare close() would leave the port listening)
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def restore(self) -> None:
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()


class Silent:
    """A server that takes connections and never answers (a cluster behind a black hole)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        """Stop listening and drop what it holds: its clients' requests fail at once (again: nothing)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.held:
            c.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def aliased_kubeconfig(source, path, **aliases: str):
    """A copy of the kubeconfig `source` with more contexts: alias=context, each reaching the same cluster,
    user and namespace as that context (two names for one hub). Returns `path`."""
    from pathlib import Path

    import yaml

    config = yaml.safe_load(Path(source).read_text())
    by_name = {c["name"]: c for c in config["contexts"]}
    for alias, name in aliases.items():
        config["contexts"].append({"name": alias.replace("_", "-"), "context": dict(by_name[name]["context"])})
    Path(path).write_text(yaml.safe_dump(config))
    return path


class HttpProxy:
    """Plain HTTP on 127.0.0.1 -> the API server over TLS with the admin's client certificate."""

    def __init__(self, upstream: str, ca: str, cert: str, key: str, *, throttle: frozenset[int] = frozenset(),
                 drop: int = 0, drop_on: Callable[[str, str], bool] | None = None,
                 after_drop: Callable[[], object] | None = None):
        """The scale requests whose ordinals (from 0) are in `throttle` get a 429. The first `drop` requests for
        which `drop_on(method, path)` holds (by default: the scale requests not throttled) are passed on and
        applied, and their connection then closed with no answer (a connection that drops after the server
        acted), once `after_drop()` has run (what happened meanwhile, before the client sends it again)."""
        self.pool = urllib3.PoolManager(maxsize=32, ca_certs=ca, cert_file=cert, key_file=key)
        self.upstream = upstream
        self.throttle, self.drop, self.drop_on, self.after_drop = throttle, drop, drop_on, after_drop
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
                if proxy.drop_on(self.command, self.path.split("?")[0]) if proxy.drop_on else scale:
                    with proxy.lock:
                        drop = proxy.dropped < proxy.drop
                        proxy.dropped += drop
                    if drop:
                        if proxy.after_drop is not None:
                            proxy.after_drop()
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
    def in_front_of(cls, local_cluster, **kw) -> HttpProxy:
        """A proxy to the local cluster's API server, with its admin's client certificate."""
        import yaml

        cfg = yaml.safe_load(local_cluster.kubeconfig.read_text())
        cluster, user = cfg["clusters"][0]["cluster"], cfg["users"][0]["user"]
        return cls(cluster["server"], cluster["certificate-authority"], user["client-certificate"],
                   user["client-key"], **kw)

    def kubeconfig(self, folder, user: dict | None = None):
        """A kubeconfig in `folder` whose server is this proxy (no credentials: the proxy has them; `user`: what the
        kubeconfig's user holds, e.g. a user name and password, which only the library's loader reads)."""
        config = folder / "kubeconfig"
        config.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "proxy",
            "clusters": [{"name": "proxy", "cluster": {"server": self.url}}],
            "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "anyone"}}],
            "users": [{"name": "anyone", "user": user or {}}]}))
        return config

    def hubtui(self, tmp_path, namespace: str, *args: str, user: dict | None = None) -> subprocess.CompletedProcess:
        """`hubtui ARGS` through this proxy (`kubeconfig()`)."""
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig(tmp_path, user)), NAMESPACE=namespace,
                   XDG_STATE_HOME=str(tmp_path / "s"))
        return subprocess.run([sys.executable, "-m", "hubtui", *args], env=env, capture_output=True, text=True,
                              timeout=120)


def process_runs(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for a parent to reap it runs no more)."""
    from pathlib import Path

    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def add_unpullable(ns, name: str = "report-builder") -> None:
    """A deployment at 0 whose pods, once asked for, can never pull their image (kwok's ImagePullBackOff stage,
    as in the demo scenario)."""
    ns.apps.create_namespaced_deployment(ns.name, {
        "metadata": {"name": name},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name},
                                           "annotations": {"hubtui.io/kwok-state": "ImagePullBackOff"}},
                              "spec": {"containers": [{"name": name, "image": "example/no-such-image:9"}]}}}})
