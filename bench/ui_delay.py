"""UI delay: from the start of a `kubectl scale` to the TUI row showing the new count, median of 20.

The peer, measured in the same run: `kubectl get deploy -w`, timed from the same `kubectl scale` to
the line that shows the new count. Prints both medians and their ratio. Aim: hubtui under 250 ms.

    make bench        (or: .venv/bin/python bench/ui_delay.py [--samples N])
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import subprocess
import sys
import time

from common import bench_cluster, create_deployments, median, wait_settled

NAMESPACE = "bench-ui"


def scale_cmd(cluster, name: str, n: int) -> list[str]:
    """`kubectl scale`. A watcher sees the change before this process has exited, so both delays are
    measured from the start of the command, while it runs (they include kubectl's own work alike)."""
    return [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "scale", "deploy", name,
            "-n", NAMESPACE, f"--replicas={n}"]


async def hubtui_delays(cluster, samples: int) -> list[float]:
    from hubtui.ui.widgets.row_table import RowTable
    from hubtui.settings import Settings
    from hubtui.ui.app import HubApp

    app = HubApp(Settings.from_env(kubeconfig=str(cluster.kubeconfig), namespace=NAMESPACE))
    delays = []
    async with app.run_test(size=(120, 30)) as pilot:
        table = None
        while table is None or table.row_count < 20:
            await pilot.pause(0.05)
            table = app.screen.query_one(RowTable) if app.screen.query(RowTable) else None
        for i in range(samples):
            n = 2 + i % 3
            name = f"svc-{i % 20:03d}"
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(*scale_cmd(cluster, name, n),
                                                        stdout=asyncio.subprocess.DEVNULL)
            while not str(table.get_row(name)[1]).endswith(f"/{n}"):
                await asyncio.sleep(0.002)
            delays.append(time.perf_counter() - started)
            assert await proc.wait() == 0
    return delays


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
    hub = asyncio.run(hubtui_delays(cluster, args.samples))
    peer = kubectl_watch_delays(cluster, args.samples)
    h, k = median(hub) * 1000, median(peer) * 1000
    print(f"\nUI delay from the start of `kubectl scale` to the new count on screen, median of {args.samples}")
    print(f"hubtui row:            {h:7.1f} ms   (max {max(hub) * 1000:.1f} ms; aim < 250 ms)")
    print(f"kubectl get deploy -w: {k:7.1f} ms   (max {max(peer) * 1000:.1f} ms)")
    print(f"hubtui / kubectl -w:   {h / k:7.2f}x")
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
