"""The fleet: 6 hubs, each a local cluster of its own with 200 deployments, against the peer, one
`kubectl get deploy -w` per context, started together, in the same run.

- start → every row live: `hubtui fleet` in a pty (read by a terminal emulator) until every hub's row shows
  all its deployments ready; the peer: until each of the 6 watches has printed its 200 rows. Median of 3.
- the same with one of the 6 API servers stopped: until the 5 other rows are live, and until the stopped one
  says unreachable.
- a `kubectl scale` on one cluster → its row updated (a deployment that cannot become ready, scaled 0 → 1 and
  back: the row's ready count drops, then comes back); the peer: `kubectl get deploy -w` on that deployment,
  until it shows the same fact (the spec's change; back at 0, the controller's observed status).
- RSS of `hubtui fleet` once all is live, against the 6 watches' together.
- maintenance across 3 hubs × 200 deployments (`hubtui scale --contexts … --all -r 0`), the whole command;
  the ceiling: the same PATCHes (one per deployment: its count recorded and its replicas set to 0 together, as
  hubtui sends them) sent raw from this process, the 3 hubs at once.

The results and the machine are written to bench/RESULTS.md (section "Fleet").

    .venv/bin/python bench/fleet.py [--hubs 6] [--deployments 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import subprocess
import sys
import time

from common import (ROOT, Pty, create_deployments, deployment_path, installed_like, machine, median, raw_patch_all,
                    write_section)

from cluster.localcluster import LocalCluster  # (common put the repository on the path)

NS = "bench-fleet"
HUBTUI = str(ROOT / ".venv" / "bin" / "hubtui")
HEADING = "## Fleet (`bench/fleet.py`)"
ORIGINAL = "hubtui.io/original-replicas"  # the record maintenance writes (hubtui.kube.deployments)
STUCK = "stuck"  # a deployment whose pods can never be scheduled: scaled to 1, it stays not ready


def rows_ready(text: str, hubs: list[str], total: int) -> bool:
    lines = text.splitlines()
    return all(any(f" {h} " in line and f"{total}/{total}" in line for line in lines) for h in hubs)


def kubectl_watches(clusters, total: int, env: dict) -> float:
    """Seconds until each context's `kubectl get deploy -w` has printed all its rows, all started together."""
    started = time.perf_counter()
    procs = [subprocess.Popen([str(c.bin / "kubectl"), "--kubeconfig", str(c.kubeconfig), "get", "deploy", "-n", NS,
                               "-w", "--no-headers"], env=env, stdout=subprocess.PIPE) for c in clusters]
    counts = {p.stdout.fileno(): 0 for p in procs}
    try:
        while any(n < total for n in counts.values()):
            ready, _, _ = select.select([fd for fd, n in counts.items() if n < total], [], [], 30)
            if not ready:
                raise SystemExit("bench: a kubectl watch stalled")
            for fd in ready:
                counts[fd] += os.read(fd, 1 << 16).count(b"\n")  # raw reads: select sees what is unread
        return time.perf_counter() - started
    finally:
        for p in procs:
            p.kill()


def settled(c: LocalCluster, timeout: float = 600) -> None:
    """Every deployment of the namespace has its count ready (the stuck one is at 0)."""
    deadline = time.monotonic() + timeout
    while True:
        deps = json.loads(c.kubectl("get", "deploy", "-n", NS, "-o", "json", timeout=60).stdout)["items"]
        if all(d["status"].get("readyReplicas", 0) == d["spec"]["replicas"]
               and d["status"].get("replicas", 0) == d["spec"]["replicas"] for d in deps):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: {c.name} did not settle")
        time.sleep(1)


def raw_maintenance(clusters: list[LocalCluster], names: list[str]) -> float:
    """Maintenance's requests sent raw, every hub at once: on each, one merge patch per deployment that records
    its count (where it runs) and sets its replicas to 0. Seconds until the last hub is done (the counts are read
    before the clock)."""
    import threading

    counts = [{d["metadata"]["name"]: d["spec"]["replicas"] for d in json.loads(
        c.kubectl("get", "deploy", "-n", NS, "-o", "json").stdout)["items"]} for c in clusters]

    def one(c: LocalCluster, replicas: dict[str, int]) -> None:
        raw_patch_all(c, [(deployment_path(NS, n), {"metadata": {"annotations": {ORIGINAL: str(replicas[n])}},
                                                    "spec": {"replicas": 0}}) if replicas[n] > 0 else
                          (deployment_path(NS, n) + "/scale", {"spec": {"replicas": 0}}) for n in names])

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(c, r)) for c, r in zip(clusters, counts, strict=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - started


def rss_mib(pid: int) -> float:
    total = 0
    for p in [pid] + [int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                        text=True).stdout.split()]:
        status = open(f"/proc/{p}/status").read()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hubs", type=int, default=6)
    ap.add_argument("--deployments", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    installed_like()
    clusters = [LocalCluster(f"hubtui-bench-fleet-{i}") for i in range(args.hubs)]
    for c in clusters:
        c.up(deploy_hub=False, nodes=max(2, args.deployments // 100 + 1), reuse=True)
        create_deployments(c, NS, args.deployments, 1)
        c.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": STUCK, "namespace": NS},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": STUCK}},
                     "template": {"metadata": {"labels": {"app": STUCK}},
                                  "spec": {"nodeSelector": {"no-such-node": "true"},
                                           "containers": [{"name": "app", "image": "example/app:1"}]}}}}))
    for c in clusters:
        settled(c)
    total = args.deployments + 1
    contexts = [f"kwok-{c.name}" for c in clusters]
    env = {**os.environ, "KUBECONFIG": os.pathsep.join(str(c.kubeconfig) for c in clusters)}
    cmd = [HUBTUI, "fleet", "-n", NS]
    t: dict[str, list[float]] = {}

    def add(key: str, took: float) -> None:
        t.setdefault(key, []).append(took)
        print(f"{key:40s} {took:7.3f}", file=sys.stderr)

    rss = peer_rss = 0.0
    for _ in range(args.rounds):
        pty = Pty(cmd, env)
        try:
            add("hubtui all live", pty.until(lambda s: rows_ready(s, contexts, total)))
            time.sleep(3)
            rss = rss_mib(pty.child.pid)
        finally:
            pty.close()
        add("kubectl -w all", kubectl_watches(clusters, total, env))
    procs = [subprocess.Popen([str(c.bin / "kubectl"), "--kubeconfig", str(c.kubeconfig), "get", "deploy", "-n", NS,
                               "-w"], env=env, stdout=subprocess.DEVNULL) for c in clusters]
    time.sleep(5)
    peer_rss = sum(rss_mib(p.pid) for p in procs)
    for p in procs:
        p.kill()

    # one API server stopped
    saved = clusters[-1].stop_apiserver()
    try:
        for _ in range(args.rounds):
            pty = Pty(cmd, env)
            try:
                started = time.perf_counter()
                add("hubtui 5 live, 1 stopped", pty.until(lambda s: rows_ready(s, contexts[:-1], total)))
                pty.until(lambda s: any(f" {contexts[-1]} " in line and "unreachable" in line
                                        for line in s.splitlines()))
                add("hubtui stopped one says unreachable", time.perf_counter() - started)
            finally:
                pty.close()
    finally:
        clusters[-1].start_apiserver(saved)

    # a kubectl scale → the row
    target = clusters[0]
    scale = [str(target.bin / "kubectl"), "--kubeconfig", str(target.kubeconfig), "scale", "deploy", STUCK, "-n", NS]
    pty = Pty(cmd, env)
    try:
        pty.until(lambda s: rows_ready(s, contexts, total))
        for i in range(10):
            n = 1 - i % 2  # 0 → 1: the row drops to total-1 ready; 1 → 0: back to total
            want = f"{total - 1}/{total}" if n == 1 else f"{total}/{total}"
            started = time.perf_counter()
            proc = subprocess.Popen(scale + [f"--replicas={n}"], env=env, stdout=subprocess.DEVNULL)
            pty.until(lambda s, want=want: any(f" {contexts[0]} " in line and want in line
                                               for line in s.splitlines()), 30)
            add("hubtui kubectl scale -> row", time.perf_counter() - started)
            proc.wait()
            time.sleep(0.3)
    finally:
        pty.close()
    # The peer waits for the fact hubtui's row shows: a deployment counts as ready once the controller has
    # observed its spec and its pods match it (DeploymentRow.settled). 0 → 1: the spec's change is enough (a
    # stuck deployment is not ready from then on); 1 → 0: the controller's status, observed and at 0 replicas.
    columns = "custom-columns=G:.metadata.generation,O:.status.observedGeneration,R:.spec.replicas,S:.status.replicas"

    def shows(line: str, n: int) -> bool:
        generation, observed, replicas, running = (line.split() + ["", "", "", ""])[:4]
        if n == 1:
            return replicas == "1"
        return replicas == "0" and observed == generation and running in ("0", "<none>")

    for i in range(10):
        n = 1 - i % 2
        watch = subprocess.Popen([str(target.bin / "kubectl"), "--kubeconfig", str(target.kubeconfig), "get", "deploy",
                                  STUCK, "-n", NS, "-w", "--no-headers", "-o", columns],
                                 env=env, stdout=subprocess.PIPE, text=True, bufsize=1)
        try:
            watch.stdout.readline()
            started = time.perf_counter()
            proc = subprocess.Popen(scale + [f"--replicas={n}"], env=env, stdout=subprocess.DEVNULL)
            while not shows(line := watch.stdout.readline(), n):
                if not line:
                    raise SystemExit("bench: the peer's kubectl get -w ended")
            add("kubectl -w kubectl scale -> line", time.perf_counter() - started)
            proc.wait()
        finally:
            watch.kill()

    # maintenance across 3 hubs
    three = ",".join(contexts[:3])
    d = args.deployments
    for _ in range(args.rounds):
        started = time.perf_counter()
        done = subprocess.run([HUBTUI, "scale", "--contexts", three, "--all", "-r", "0", "-n", NS], env=env,
                              capture_output=True, text=True)
        add("hubtui maintenance 3 hubs", time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"bench: maintenance failed: {done.stderr}")
        subprocess.run([HUBTUI, "scale", "--contexts", three, "--restore", "-n", NS], env=env, capture_output=True,
                       check=True)
        for c in clusters[:3]:
            settled(c)
        # the ceiling: the same requests (each count recorded by the patch that scales it to 0, as maintenance
        # does), the 3 hubs at once, from this process; restored by hubtui, from the records they wrote
        add("raw maintenance 3 hubs", raw_maintenance(clusters[:3], [f"svc-{i:03d}" for i in range(d)] + [STUCK]))
        subprocess.run([HUBTUI, "scale", "--contexts", three, "--restore", "-n", NS], env=env, capture_output=True,
                       check=True)
        for c in clusters[:3]:
            settled(c)

    m = {k: median(v) for k, v in t.items()}
    mx = {k: max(v) for k, v in t.items()}
    n, d = args.hubs, args.deployments
    lines = [HEADING, "",
             f"Machine: {machine()}. {n} local clusters (Kubernetes v1.36.3, kwok nodes), each with {d} deployments "
             f"(and one more that can never be ready, for the update delay); kubectl v1.36.3. hubtui's bytecode "
             f"compiled first, as an install leaves it. Medians of {args.rounds} (the update delay: of 10).", "",
             "| measure | hubtui | peer | hubtui / peer | goal |", "| --- | --- | --- | --- | --- |",
             f"| {n} hubs × {d}: start → every row live | {m['hubtui all live']:.2f} s | {n} × `kubectl get deploy -w` "
             f"together: {m['kubectl -w all']:.2f} s | {m['hubtui all live'] / m['kubectl -w all']:.2f}x | < 2 s, "
             "no slower than the peer |",
             f"| the same, one API server stopped: the {n - 1} others live | {m['hubtui 5 live, 1 stopped']:.2f} s | "
             f"all up: {m['hubtui all live']:.2f} s | {m['hubtui 5 live, 1 stopped'] / m['hubtui all live']:.2f}x | "
             "as fast as all up |",
             f"| the stopped one says unreachable | {m['hubtui stopped one says unreachable']:.2f} s | - | - | "
             "within 3 s |",
             f"| `kubectl scale` → its row | {m['hubtui kubectl scale -> row'] * 1000:.0f} ms (max "
             f"{mx['hubtui kubectl scale -> row'] * 1000:.0f}) | `kubectl get deploy -w`: "
             f"{m['kubectl -w kubectl scale -> line'] * 1000:.0f} ms | "
             f"{m['hubtui kubectl scale -> row'] / m['kubectl -w kubectl scale -> line']:.2f}x | < 300 ms |",
             f"| RSS once live | {rss:.0f} MiB | the {n} watches: {peer_rss:.0f} MiB | {rss / peer_rss:.2f}x | "
             "< 150 MiB |",
             f"| maintenance across 3 hubs × {d}, whole command | {m['hubtui maintenance 3 hubs']:.2f} s | its "
             f"{3 * (d + 1)} PATCHes sent raw from one process (the ceiling): {m['raw maintenance 3 hubs']:.2f} s | "
             f"{m['hubtui maintenance 3 hubs'] / m['raw maintenance 3 hubs']:.2f}x | < 3 s |", ""]
    text = "\n".join(lines)
    print("\n" + text)
    write_section(HEADING, text)
    for c in clusters:
        c.down(quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
