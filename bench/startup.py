"""Start-up: how long a person waits for one small thing, hubtui against kubectl in the same run.

Whole-process times (process start-up included), the median of --rounds:
- `hubtui --version` / `kubectl version --client`;
- scale one deployment: `hubtui scale -d NAME -r N` / `kubectl scale deploy/NAME --replicas=N`;
- planning a connect session (`hubtui connect redis --dry-run`: find the pod, read the password's secret) /
  `kubectl get pods -l app=redis` (the pod alone);
- the TUI's first paint (start until the namespace's 8 deployments are on screen, in a pty read by a terminal
  emulator) / `kubectl get deploy` (start until its table is printed and it exits);
- scale all of 200 deployments, 3 → 0 and 0 → 3 (`hubtui scale --all`), against the raw-PATCH ceiling: the
  same 200 PATCHes sent from this process over 16 kept-alive connections, with no process start (3 → 0: each
  deployment's count recorded in the patch that scales it, as maintenance sends it).

The results and the machine are written to bench/RESULTS.md (section "Start-up").

    make bench        (or: .venv/bin/python bench/startup.py [--rounds R])
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from common import (ROOT, bench_cluster, create_deployments, deployment_path, machine, median, raw_patch_all, timed,
                    wait_settled, write_section)

SMALL, BIG, STORES = "bench-start", "bench-start-all", "bench-start-redis"
HUBTUI = str(ROOT / ".venv" / "bin" / "hubtui")
HEADING = "## Start-up (`bench/startup.py`)"


def first_paint(cmd: list[str], env: dict, wanted: str, timeout: float = 30) -> float:
    """Seconds from spawning `cmd` in a 120x30 pty until `wanted` is on its screen."""
    import pexpect
    import pyte

    screen = pyte.Screen(120, 30)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    child = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(30, 120))
    try:
        while time.perf_counter() - started < timeout:
            try:
                stream.feed(child.read_nonblocking(65536, timeout=0.005))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
            if wanted in "\n".join(screen.display):
                return time.perf_counter() - started
        raise SystemExit(f"bench: {wanted!r} never appeared on the screen of {cmd[0]}:\n" + "\n".join(screen.display))
    finally:
        child.sendcontrol("q")
        child.close(force=True)


def redis_pod(cluster, namespace: str) -> None:
    """A Redis pod (kwok makes it ready) and the secret its password is read from."""
    import json

    cluster.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "redis-0", "namespace": namespace,
                                                         "labels": {"app": "redis"}},
         "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "analytics-hub-secrets", "namespace": namespace},
         "stringData": {"REDIS_PASSWORD": "bench"}}]}))
    cluster.kubectl("wait", "--for=condition=Ready", "pod/redis-0", "-n", namespace, "--timeout=120s", timeout=150)


def raw_patches(cluster, namespace: str, names: list[str], replicas: int, record: int | None = None) -> float:
    """The ceiling: every scale PATCH from this process, 16 at a time over kept-alive connections; with record,
    a patch of each deployment that also records that count in hubtui.io/original-replicas (maintenance's)."""
    started = time.perf_counter()
    raw_patch_all(cluster, [(deployment_path(namespace, name) + "/scale", {"spec": {"replicas": replicas}})
                            if record is None else
                            (deployment_path(namespace, name), {"metadata": {"annotations": {
                                "hubtui.io/original-replicas": str(record)}}, "spec": {"replicas": replicas}})
                            for name in names])
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--deployments", type=int, default=200)
    args = ap.parse_args()

    cluster = bench_cluster(max(2, args.deployments * 3 // 100 + 3))
    env = cluster.env()
    kubectl = [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig)]
    where = ["--kubeconfig", str(cluster.kubeconfig)]
    create_deployments(cluster, SMALL, 8, 1)
    redis_pod(cluster, STORES)
    create_deployments(cluster, BIG, args.deployments, 3)
    wait_settled(cluster, SMALL, 1)
    wait_settled(cluster, BIG, 3)

    t: dict[str, list[float]] = {}
    state = tempfile.mkdtemp(prefix="hubtui-bench-state-")  # the plans a dry run saves

    def add(key: str, took: float) -> None:
        t.setdefault(key, []).append(took)
        print(f"{key:34s} {took:6.3f} s", file=sys.stderr)

    for r in range(args.rounds):
        add("hubtui --version", timed([HUBTUI, "--version"], env))
        add("kubectl version --client", timed([*kubectl, "version", "--client"], env))
        n = 2 if r % 2 == 0 else 1
        add("hubtui scale one", timed([HUBTUI, "scale", "-d", "svc-000", "-r", str(n), "-n", SMALL, *where], env))
        add("kubectl scale one", timed([*kubectl, "scale", "deploy/svc-000", f"--replicas={3 - n}", "-n", SMALL], env))
        add("hubtui connect plan", timed([HUBTUI, "connect", "redis", "--dry-run", "-n", STORES, *where], env))
        add("kubectl get pods", timed([*kubectl, "get", "pods", "-l", "app=redis", "-n", STORES], env))
        add("hubtui cleanup plan", timed([HUBTUI, "cleanup", "-e", "dev", "-p", "k8s", "-n", SMALL, "--dry-run",
                                          "--json", *where], {**env, "XDG_STATE_HOME": state}))
        add("kubectl get what a plan reads", timed([*kubectl, "get", "deploy,sts,job,cronjob,pvc,pod", "-n", SMALL],
                                                   env))
        add("hubtui first paint", first_paint([HUBTUI, "-n", SMALL, *where], env, "8 deployments"))
        add("kubectl get deploy", timed([*kubectl, "get", "deploy", "-n", SMALL], env))
    names = [f"svc-{i:03d}" for i in range(args.deployments)]
    for _ in range(min(args.rounds, 3)):  # from 3: hubtui -> 0, raw -> 3, raw -> 0, hubtui -> 3
        # a first maintenance each time: the counts' records are written, as they are the first time
        cluster.kubectl("annotate", "deploy", "--all", "hubtui.io/original-replicas-", "-n", BIG, timeout=300)
        add("hubtui scale all -> 0", timed([HUBTUI, "scale", "--all", "-r", "0", "-n", BIG, *where], env))
        wait_settled(cluster, BIG, 0)
        add("raw PATCH ceiling -> 3", raw_patches(cluster, BIG, names, 3))
        wait_settled(cluster, BIG, 3)
        add("raw PATCH ceiling -> 0", raw_patches(cluster, BIG, names, 0, record=3))
        wait_settled(cluster, BIG, 0)
        add("hubtui scale all -> 3", timed([HUBTUI, "scale", "--all", "-r", "3", "-n", BIG, *where], env))
        wait_settled(cluster, BIG, 3)

    m = {k: median(v) for k, v in t.items()}
    rows = [  # (what, hubtui's key, the peer's key, the peer as a person types it, the goal)
        ("`--version`", "hubtui --version", "kubectl version --client", "kubectl version --client", None),
        ("scale one deployment", "hubtui scale one", "kubectl scale one", "kubectl scale deploy/NAME --replicas=N",
         "≤ 1.5× kubectl"),
        ("plan a Redis session (`connect redis --dry-run`)", "hubtui connect plan", "kubectl get pods",
         "kubectl get pods -l app=redis", "≤ 1.5× kubectl"),
        ("plan a cleanup (`cleanup -e dev -p k8s --dry-run`)", "hubtui cleanup plan",
         "kubectl get what a plan reads", "kubectl get deploy,sts,job,cronjob,pvc,pod", "≤ 1.5× kubectl"),
        ("start → 8 deployments on screen", "hubtui first paint", "kubectl get deploy", "kubectl get deploy",
         "< 0.4 s"),
    ]
    lines = [HEADING, "",
             f"Machine: {machine()}. Local cluster (Kubernetes v1.36.3, kwok nodes); kubectl v1.36.3. Whole "
             f"processes, the median of {args.rounds} (scale all: of {min(args.rounds, 3)}); hubtui's bytecode "
             "compiled first, as an install leaves it.", "",
             "| measure | hubtui | peer | peer's time | hubtui / peer | goal |", "| --- | --- | --- | --- | --- | --- |"]
    for label, h, p, typed, goal in rows:
        lines.append(f"| {label} | {m[h]:.3f} s | `{typed}` | {m[p]:.3f} s | {m[h] / m[p]:.2f}x | {goal or '-'} |")
    for target in (0, 3):
        h, ceiling = m[f"hubtui scale all -> {target}"], f"raw PATCH ceiling -> {target}"
        lines.append(f"| scale all {args.deployments}, {3 - target} → {target} | {h:.2f} s | "
                     f"{args.deployments} raw PATCHes | {m[ceiling]:.2f} s | {h / m[ceiling]:.2f}x | "
                     "≤ 2× the ceiling, < 1.5 s |")
    lines += ["", "Scale all 3 → 0 records each deployment's count in `hubtui.io/original-replicas`, in the patch "
              "that scales it (so that maintenance can restore each count); its ceiling sends the same patches.", ""]
    text = "\n".join(lines)
    print("\n" + text)
    write_section(HEADING, text)
    for ns in (SMALL, BIG):
        cluster.kubectl("delete", "namespace", ns, "--wait=false", check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
