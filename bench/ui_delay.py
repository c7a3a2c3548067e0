"""UI delay: from the start of a `kubectl scale` to the TUI row showing the new count, median of 20. hubtui runs
in a pty of its own, read by a terminal emulator (what a person sees).

The peers, measured in the same run:
- `kubectl get deploy -w` of the whole namespace, the same job as hubtui's screen (every deployment of it,
  every event of their rollouts): it runs beside hubtui, and each `kubectl scale` is timed by both at once,
  from the same start to the line (kubectl) or the row (hubtui) that shows the new count;
- `kubectl get deploy NAME -w` of the one deployment scaled, started afresh for each sample after hubtui's
  run (the peer of the runs before 2026-12-05): it reads only that deployment's events.
Prints the medians and the ratios. Aim: hubtui under 250 ms.

    make bench        (or: .venv/bin/python bench/ui_delay.py [--samples N])
"""

from __future__ import annotations

import argparse
import os
import select
import subprocess
import sys
import threading
import time

from common import ROOT, Pty, bench_cluster, create_deployments, median, wait_settled

NAMESPACE = "bench-ui"
HUBTUI = str(ROOT / ".venv" / "bin" / "hubtui")


def scale_cmd(cluster, name: str, n: int) -> list[str]:
    """`kubectl scale`. A watcher sees the change before this process has exited, so both delays are
    measured from the start of the command, while it runs (they include kubectl's own work alike)."""
    return [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "scale", "deploy", name,
            "-n", NAMESPACE, f"--replicas={n}"]


# Stamps each line kubectl prints with when it arrived, in a process of its own: a thread of this one would
# wait for the GIL while the main thread runs the terminal emulator, and kubectl's lines would seem later than
# they were. perf_counter is CLOCK_MONOTONIC on Linux: the same clock in every process.
STAMP = ("import sys, time\nwhile line := sys.stdin.readline():\n"
         "    sys.stdout.write(f'{time.perf_counter()} {line}'); sys.stdout.flush()\n")


class NamespaceWatch:
    """`kubectl get deploy -w` of the whole namespace, each line it prints (name, replicas) kept with when it
    arrived."""

    def __init__(self, cluster):
        self.proc = subprocess.Popen(
            [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "get", "deploy", "-n", NAMESPACE,
             "-w", "--no-headers", "-o", "custom-columns=N:.metadata.name,R:.spec.replicas"],
            env=cluster.env(), stdout=subprocess.PIPE)
        self.stamp = subprocess.Popen([sys.executable, "-u", "-c", STAMP], stdin=self.proc.stdout,
                                      stdout=subprocess.PIPE, text=True, bufsize=1)
        self.proc.stdout.close()  # the stamper's now
        self.lines: list[tuple[float, str, str]] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.stamp.stdout:
            arrived, *words = line.split()
            with self.changed:
                self.lines.append((float(arrived), *(words + ["", ""])[:2]))
                self.changed.notify_all()

    def seen(self, name: str, n: int, since: float, timeout: float = 30) -> float:
        """Seconds from `since` until a line showed `name` at `n` replicas."""
        with self.changed:
            ok = self.changed.wait_for(lambda: any(t >= since and line_name == name and r == str(n)
                                                   for t, line_name, r in self.lines), timeout)
            if not ok:
                raise SystemExit(f"bench: kubectl get -w never showed {name} at {n}")
            return min(t for t, line_name, r in self.lines if t >= since and line_name == name and r == str(n)) - since

    def close(self) -> None:
        for proc in (self.proc, self.stamp):
            proc.kill()
            proc.wait()


def hubtui_delays(cluster, samples: int) -> tuple[list[float], list[float]]:
    """hubtui in a terminal of its own (a pty read by a terminal emulator), as a person runs it: from the start
    of `kubectl scale` until the row's READY column (ready/desired) shows the new desired count on screen; and,
    for the same scales, `kubectl get deploy -w` of the namespace beside it."""
    env = dict(cluster.env(), KUBECONFIG=str(cluster.kubeconfig))
    pty = Pty([HUBTUI, "-n", NAMESPACE], env, size=(120, 40))
    watch = NamespaceWatch(cluster)
    delays: list[float] = []
    peer: list[float] = []

    def desired(name: str, n: int):
        def check(screen: str) -> bool:
            for line in screen.splitlines():
                words = line.split()
                if name in words:
                    at = words.index(name)
                    return len(words) > at + 1 and words[at + 1].endswith(f"/{n}")
            return False
        return check

    try:
        pty.until(lambda screen: "svc-019" in screen and "watching" in screen, 60)
        for i in range(samples):
            n = 2 + i % 3
            name = f"svc-{i % 20:03d}"
            if desired(name, n)(pty.text()):  # already at that count (an earlier run's): no change to see
                n = 5
            started = time.perf_counter()
            proc = subprocess.Popen(scale_cmd(cluster, name, n), env=env, stdout=subprocess.DEVNULL)
            delays.append(pty.until(desired(name, n), 30, since=started))
            peer.append(watch.seen(name, n, started))
            assert proc.wait() == 0
    finally:
        pty.close()
        watch.close()
    return delays, peer


def kubectl_watch_delays(cluster, samples: int) -> list[float]:
    delays = []
    env = cluster.env()
    for i in range(samples):
        n = 5 + i % 3
        name = f"svc-{20 + i % 20:03d}"
        watch = subprocess.Popen(
            [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "get", "deploy", name, "-n",
             NAMESPACE, "-w", "--no-headers", "-o", "custom-columns=R:.spec.replicas"],
            env=env, stdout=subprocess.PIPE, text=True, bufsize=1)
        try:
            first = watch.stdout.readline()  # the current state: the watch is established
            assert first.strip(), "kubectl watch printed nothing"
            started = time.perf_counter()
            scale = subprocess.Popen(scale_cmd(cluster, name, n), env=env, stdout=subprocess.DEVNULL)
            while True:
                ready, _, _ = select.select([watch.stdout], [], [], 10)
                if not ready:
                    raise SystemExit("bench: kubectl get -w never showed the change")
                if watch.stdout.readline().strip() == str(n):
                    delays.append(time.perf_counter() - started)
                    break
            assert scale.wait() == 0
        finally:
            watch.kill()
            watch.wait()
    return delays


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=20)
    args = ap.parse_args()
    cluster = bench_cluster(nodes=2)
    os.environ["KUBECONFIG"] = str(cluster.kubeconfig)
    create_deployments(cluster, NAMESPACE, 40, 1)
    wait_settled(cluster, NAMESPACE, 1)
    hub, beside = hubtui_delays(cluster, args.samples)
    peer = kubectl_watch_delays(cluster, args.samples)
    h, b, k = median(hub) * 1000, median(beside) * 1000, median(peer) * 1000
    print(f"\nUI delay from the start of `kubectl scale` to the new count on screen, median of {args.samples}")
    print(f"hubtui row:                          {h:7.1f} ms   (max {max(hub) * 1000:.1f} ms; aim < 250 ms)")
    print(f"kubectl get deploy -w, the namespace: {b:7.1f} ms   (max {max(beside) * 1000:.1f} ms; the same scales)")
    print(f"kubectl get deploy NAME -w, alone:    {k:7.1f} ms   (max {max(peer) * 1000:.1f} ms)")
    print(f"hubtui / kubectl -w (the namespace):  {h / b:7.2f}x")
    print(f"hubtui / kubectl -w (one, alone):     {h / k:7.2f}x")
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
