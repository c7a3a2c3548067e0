"""Scale-all speed: `hubtui scale --all` against `kubectl scale deploy --all`, in the same run.

200 deployments go 3 -> 0 -> 3, each direction timed for both tools (the command alone, process
start-up included; the cluster settles between runs, untimed). Prints each time and the ratio
kubectl / hubtui. Aim: hubtui at least 5x faster.

    make bench        (or: .venv/bin/python bench/scale_all.py [--deployments N] [--rounds R])
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, bench_cluster, create_deployments, median, timed, wait_settled

NAMESPACE = "bench-scale"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deployments", type=int, default=200)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    nodes = max(2, args.deployments * args.replicas // 100 + 2)  # a kwok node takes 110 pods
    cluster = bench_cluster(nodes)
    env = cluster.env()
    create_deployments(cluster, NAMESPACE, args.deployments, args.replicas)
    wait_settled(cluster, NAMESPACE, args.replicas)

    hubtui = [str(ROOT / ".venv" / "bin" / "hubtui"), "scale", "--all", "-n", NAMESPACE,
              "--kubeconfig", str(cluster.kubeconfig)]
    kubectl = [str(cluster.bin / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "scale", "deploy", "--all",
               "-n", NAMESPACE]
    times: dict[tuple[str, int], list[float]] = {}
    for r in range(args.rounds):
        for tool, cmd in (("kubectl", kubectl), ("hubtui", hubtui)):
            for target in (0, args.replicas):
                flag = ["--replicas", str(target)] if tool == "hubtui" else [f"--replicas={target}"]
                took = timed(cmd + flag, env)
                times.setdefault((tool, target), []).append(took)
                print(f"round {r + 1}: {tool:7s} {args.deployments} deployments -> {target}: {took:6.2f}s",
                      file=sys.stderr)
                wait_settled(cluster, NAMESPACE, target)

    print(f"\nscale-all of {args.deployments} deployments, median of {args.rounds} rounds")
    print(f"{'direction':14s} {'kubectl':>9s} {'hubtui':>9s} {'kubectl/hubtui':>15s}")
    ratios = []
    for target in (0, args.replicas):
        k, h = median(times[("kubectl", target)]), median(times[("hubtui", target)])
        ratios.append(k / h)
        print(f"{args.replicas if target == 0 else 0} -> {target:<9d} {k:8.2f}s {h:8.2f}s {k / h:14.1f}x")
    print(f"hubtui is {min(ratios):.1f}x-{max(ratios):.1f}x faster than kubectl (aim: >= 5x)")
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
