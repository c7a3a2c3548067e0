"""Shared set-up for the benchmarks: a local cluster of their own, with many deployments."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cluster.localcluster import LocalCluster  # noqa: E402

BENCH_CLUSTER = os.environ.get("HUBTUI_BENCH_CLUSTER", "hubtui-bench")


def installed_like() -> None:
    """hubtui's bytecode compiled, as `pip install` / `pipx install` leave it on an operator's laptop. The
    repository's editable install has none, and where PYTHONDONTWRITEBYTECODE is set (this project's machine)
    every process would compile hubtui's sources again: a cost no installed hubtui pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "hubtui")], check=True)


def bench_cluster(nodes: int, name: str = BENCH_CLUSTER) -> LocalCluster:
    """The bench cluster `name`, up with at least `nodes` kwok nodes: one left up by another bench (ui_delay.py
    starts it with 2) gets more when this bench needs them (startup.py's 600 pods waited for room for ever)."""
    installed_like()
    cluster = LocalCluster(name)
    cluster.up(deploy_hub=False, nodes=nodes, reuse=True)
    have = len(cluster.kubectl("get", "nodes", "--no-headers", check=False).stdout.splitlines())
    if have < nodes:
        cluster.kwokctl("scale", "node", "--replicas", str(nodes))
    return cluster


def create_deployments(cluster: LocalCluster, namespace: str, count: int, replicas: int, *,
                       first: int | None = None) -> None:
    """`count` deployments svc-000... (with `first`: svc-<first>... numbered on four digits). A namespace an earlier
    run is still deleting is waited for first: its deployments would go away under the measurement."""
    for _ in range(240):
        phase = cluster.kubectl("get", "namespace", namespace, "-o", "jsonpath={.status.phase}", check=False,
                                timeout=60).stdout.strip()
        if phase != "Terminating":
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"bench: namespace {namespace} is still being deleted after 2 minutes")
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}]
    for i in range(first or 0, (first or 0) + count):
        name = f"svc-{i:04d}" if first is not None else f"svc-{i:03d}"
        items.append({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "example/app:1",
                                                           "resources": {"requests": {"cpu": "1m"}}}]}}}})
    cluster.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
                    timeout=300)


def wait_settled(cluster: LocalCluster, namespace: str, replicas: int, timeout: float = 600) -> float:
    """Wait until every deployment in the namespace has `replicas` ready (and no extra pods of theirs: a pod the
    deployments did not make, a Redis pod beside them, is not counted, nor waited for)."""
    started = time.monotonic()
    left = ""
    while time.monotonic() - started < timeout:
        deps = json.loads(cluster.kubectl("get", "deploy", "-n", namespace, "-o", "json", timeout=60).stdout)["items"]
        pods = cluster.kubectl("get", "pods", "-n", namespace, "--no-headers", check=False, timeout=60).stdout
        names = [d["metadata"]["name"] for d in deps]
        theirs = [line.split()[0] for line in pods.splitlines()
                  if line.split() and any(line.split()[0].startswith(f"{n}-") for n in names)]
        unready = [d["metadata"]["name"] for d in deps
                   if not (d["spec"]["replicas"] == replicas and d["status"].get("readyReplicas", 0) == replicas
                           and d["status"].get("replicas", 0) == replicas)]
        if not unready and len(theirs) == replicas * len(deps):
            return time.monotonic() - started
        left = f"{len(unready)} deployments not at {replicas} ready, {len(theirs)} of their pods"
        time.sleep(1)
    raise SystemExit(f"bench: {namespace} did not settle at {replicas} replicas in {timeout:.0f}s ({left})")


def raw_patch_all(cluster: LocalCluster, patches: list[tuple[str, dict]], parallel: int = 16) -> None:
    """The ceiling of a change: each (API path, merge patch) PATCHed from this process, `parallel` at a time
    over kept-alive connections, with no process start and nothing read back."""
    from concurrent.futures import ThreadPoolExecutor

    import urllib3
    import yaml

    cfg = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    server = cfg["clusters"][0]["cluster"]["server"]
    user = cfg["users"][0]["user"]
    pool = urllib3.PoolManager(maxsize=parallel, ca_certs=cfg["clusters"][0]["cluster"]["certificate-authority"],
                               cert_file=user["client-certificate"], key_file=user["client-key"])

    def patch(item: tuple[str, dict]) -> None:
        path, body = item
        resp = pool.request("PATCH", server + path, body=json.dumps(body).encode(),
                            headers={"Content-Type": "application/merge-patch+json"})
        if resp.status != 200:
            raise SystemExit(f"bench: raw PATCH of {path} failed: {resp.status}")

    with ThreadPoolExecutor(parallel) as workers:
        list(workers.map(patch, patches))


def deployment_path(namespace: str, name: str) -> str:
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])} failed: {proc.stderr.strip()[-500:]}")
    return took


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def machine() -> str:
    """The machine a result was measured on, in one line."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    from importlib.metadata import version

    return (f"{os.cpu_count()} cores ({cpu}), {mem} GiB, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, Textual {version('textual')}")


def write_section(heading: str, text: str) -> None:
    """`text` (starting with `heading`) in bench/RESULTS.md, in place of that section, or at its end."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(re.escape(heading) + r".*?(?=\n## |\Z)", re.S)
    new = pattern.sub(lambda _: text.rstrip() + "\n", old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new.rstrip() + "\n")


class Pty:
    """A command in a pty (140x40 unless told), its screen kept by a terminal emulator."""

    def __init__(self, cmd: list[str], env: dict, size: tuple[int, int] = (140, 40)):
        import pexpect
        import pyte

        self.screen = pyte.Screen(*size)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(size[1], size[0]))
        self.child.delaybeforesend = None  # pexpect sleeps 50 ms before each send unless told not to

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def chunks(self, until: float, quiet: float = 0.0) -> list[tuple[float, bytes]]:
        """What the command writes until `until` (perf_counter), each chunk with when it arrived, not yet fed to
        the screen (so that the emulator's own time is not counted); with `quiet`: also stop once that long
        passes with nothing after the first chunk."""
        import pexpect

        out: list[tuple[float, bytes]] = []
        while (now := time.perf_counter()) < until:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.002)
            except pexpect.TIMEOUT:
                if quiet and out and now - out[-1][0] > quiet:
                    break
                continue
            except pexpect.EOF:
                raise SystemExit(f"bench: the command ended; its screen:\n{self.text()}") from None
            out.append((time.perf_counter(), data))
        return out

    def until(self, check, timeout: float = 60, since: float | None = None) -> float:
        """Seconds from `since` (perf_counter; now unless told) until check(screen text) holds: until the bytes
        that made it hold arrived (the emulator's own time to read them is not counted)."""
        import pexpect

        started = time.perf_counter() if since is None else since
        if check(self.text()):
            return 0.0
        while time.perf_counter() - started < timeout:
            try:  # returns as soon as bytes arrive; the screen is read again only then (no busy polling of the
                data = self.child.read_nonblocking(65536, timeout=0.05)  # emulator beside hubtui)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
            arrived = time.perf_counter()
            self.stream.feed(data)
            if check(self.text()):
                return arrived - started
        raise SystemExit("bench: the screen never showed what was awaited:\n" + self.text())

    def close(self) -> None:
        self.child.sendcontrol("q")
        self.child.close(force=True)
