"""Small helpers for tests that set up their own objects in the real local cluster."""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid

from kubernetes import client, watch

from hubtui.kube.portforward import pipe


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
            for a, b in ((client_side, server_side), (server_side, client_side)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    def cut(self) -> None:
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
