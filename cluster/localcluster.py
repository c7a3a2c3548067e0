"""hubtui's local Kubernetes cluster: a real control plane with kwok, real PostgreSQL and Redis.

    python3 cluster/localcluster.py up NAME [--reuse] [--no-hub] [--nodes N] [--redis-shards M [--redis-replicas R]]
    python3 cluster/localcluster.py down NAME
    python3 cluster/localcluster.py status NAME
    python3 cluster/localcluster.py env NAME      # shell exports: KUBECONFIG, PATH
    python3 cluster/localcluster.py scenario NAME # the demo scenario: hub deployments that do not come up

`up` builds the binaries if they are missing (cluster/build.sh), starts PostgreSQL and
Redis on free loopback ports, starts etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok through `kwokctl --runtime binary`, and deploys the LLM Analytics
Hub (deploy/). kwok also runs the extra pod stages of deploy/kwok-stages.yaml (ImagePullBackOff,
CrashLoopBackOff, a failing readiness probe, for pods that ask with an annotation) and serves the hub's
pod logs from files in NAME/logs that a small host process (`write-logs`) keeps appending to. With
--redis-shards M, the hub's Redis is a real Redis Cluster instead of one server:
M masters (and R replicas of each), one redis-server per pod of the redis-cluster StatefulSet, each pod's
exec reaching its own node. Everything of one cluster lives in $HUBTUI_RUN_DIR/NAME (default
/tmp/hubtui-run-UID/NAME), with its own kubeconfig: ~/.kube/config is never touched, and
clusters with different names (a demo and a test run) live side by side.

Standard library only: it runs before hubtui's virtualenv exists. The test suite imports it.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import string
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from datetime import UTC, datetime

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HUB_NAMESPACE = "llm-analytics-hub"
SECRET_NAME = "analytics-hub-secrets"
# Sandbox user for commands that kwok's exec rules run on this host (when we are root).
SANDBOX_UID = 65534
PG_DATABASE = "llm_analytics"
PG_USER = "postgres"


class ClusterError(RuntimeError):
    """A step of bringing the local cluster up or down failed; the message says which and why."""


def log(msg: str) -> None:
    print(f"localcluster: {msg}", file=sys.stderr, flush=True)


def run_root() -> Path:
    return Path(os.environ.get("HUBTUI_RUN_DIR", f"/tmp/hubtui-run-{os.getuid()}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root() -> bool:
    return os.geteuid() == 0


def _run(cmd: list[str], *, env: dict | None = None, input: str | None = None, check: bool = True,
         what: str | None = None, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, env=env, input=input, text=True, capture_output=True, timeout=timeout, cwd=cwd)
    except FileNotFoundError as e:
        raise ClusterError(f"{what or cmd[0]}: {e.filename} not found") from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{what or cmd[0]}: no answer after {timeout:.0f}s") from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ClusterError(f"{what or ' '.join(cmd[:3])} failed (exit {proc.returncode}): " + " | ".join(detail))
    return proc


def build_binaries() -> Path:
    """Run cluster/build.sh (a no-op once the binaries are cached) and return the bin folder."""
    proc = subprocess.run([str(ROOT / "cluster" / "build.sh")], stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise ClusterError("building the cluster binaries failed (see the message above)")
    return Path(proc.stdout.strip().splitlines()[-1])


def postgres_bindir() -> Path:
    """Debian's PostgreSQL server programs (initdb, pg_ctl, postgres), newest major first."""
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(d) / "pg_ctl").exists() and (Path(d) / "initdb").exists():
            return Path(d)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise ClusterError("PostgreSQL server not found: install it with `apt-get install postgresql` (or `make deps`)")


# The hub's Redis sample data (in cluster mode spread over the masters by the keys' slots).
REDIS_SAMPLE = [
    "SET hub:version 1.4.2",
    "SET hub:last_rollup 2026-11-25T23:30:00Z",
    "HSET model:gpt-4o requests 334 p95_ms 2410",
    "HSET model:claude-sonnet-4 requests 333 p95_ms 1980",
    "RPUSH queue:ingestion evt-1001 evt-1002 evt-1003",
]


def redis_server() -> str:
    path = shutil.which("redis-server")
    if not path:
        raise ClusterError("redis-server not found: install it with `apt-get install redis-server` (or `make deps`)")
    return path


@dataclass
class State:
    """What `up` started, saved as state.json in the cluster's folder."""

    name: str
    bin: str
    api_port: int
    pg_port: int
    redis_port: int  # the hub's Redis; in cluster mode, the node of pod redis-cluster-0
    pg_bindir: str
    # Cluster mode: [port, bus port] of each node, in pod order (redis-cluster-0, -1, ...); the first
    # redis_shards start as masters. Empty: one Redis server.
    redis_nodes: list = field(default_factory=list)
    redis_shards: int = 0


class LocalCluster:
    def __init__(self, name: str):
        if not name or any(c not in string.ascii_lowercase + string.digits + "-" for c in name):
            raise ClusterError(f"cluster name {name!r}: use lower-case letters, digits and '-'")
        self.name = name
        self.dir = run_root() / name
        self.kubeconfig = self.dir / "kubeconfig"
        self.context = f"kwok-{name}"

    # ----- paths and state -------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    def state(self) -> State | None:
        try:
            return State(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    @property
    def bin(self) -> Path:
        st = self.state()
        if st is None:
            raise ClusterError(f"cluster {self.name} is not up (no {self.state_file})")
        return Path(st.bin)

    def env(self) -> dict[str, str]:
        """Environment for programs that talk to this cluster: its kubeconfig, its kubectl first on PATH."""
        env = dict(os.environ)
        env["KUBECONFIG"] = str(self.kubeconfig)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["KWOK_WORKDIR"] = str(self.dir / "kwok")
        return env

    def kubectl(self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120):
        return _run([str(self.bin / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
                    input=input, check=check, what=f"kubectl {' '.join(args[:2])}", timeout=timeout)

    def kwokctl(self, *args: str, check: bool = True, timeout: float = 180):
        st = self.state()
        bin_dir = Path(st.bin) if st else None
        env = dict(os.environ, KWOK_WORKDIR=str(self.dir / "kwok"))
        if bin_dir:
            # kwok resolves an exec'd command with its own PATH (the rule's PATH applies only
            # inside a shell), so the shims come first for kwok too; kwok inherits this env.
            env["PATH"] = os.pathsep.join([str(self.shims), str(bin_dir), env.get("PATH", "")])
        kwokctl = str(bin_dir / "kwokctl") if bin_dir else "kwokctl"
        return _run([kwokctl, "--name", self.name, *args], env=env, check=check,
                    what=f"kwokctl {' '.join(args[:2])}", timeout=timeout)

    # ----- up ----------------------------------------------------------------------------
    def up(self, *, deploy_hub: bool = True, nodes: int = 2, reuse: bool = False, redis_shards: int = 0,
           redis_replicas: int = 0) -> None:
        """Start the cluster. redis_shards=M (at least 3, as redis-cli --cluster create wants) makes the hub's
        Redis a Redis Cluster of M masters with redis_replicas replicas each, one node per pod."""
        if redis_shards and redis_shards < 3:
            raise ClusterError(f"a Redis cluster needs at least 3 masters, not {redis_shards}")
        if redis_replicas and not redis_shards:
            raise ClusterError("--redis-replicas needs --redis-shards")
        if reuse and self.healthy():
            log(f"cluster {self.name} is already up (kubeconfig {self.kubeconfig})")
            return
        if self.dir.exists():
            log(f"removing the previous {self.name} cluster first")
            self.down()
        started = time.monotonic()
        bin_dir = build_binaries()
        run_root().mkdir(parents=True, exist_ok=True)
        os.chmod(run_root(), 0o755)  # the postgres and sandbox users must reach their folders
        self.dir.mkdir(mode=0o755)
        ports: list[int] = []
        while len(ports) < 2 * redis_shards * (1 + redis_replicas):  # a node's port and its cluster bus port
            if (port := free_port()) not in ports:
                ports.append(port)
        redis_nodes = [ports[i:i + 2] for i in range(0, len(ports), 2)]
        st = State(name=self.name, bin=str(bin_dir), api_port=free_port(), pg_port=free_port(),
                   redis_port=redis_nodes[0][0] if redis_nodes else free_port(), pg_bindir=str(postgres_bindir()),
                   redis_nodes=redis_nodes, redis_shards=redis_shards)
        self.state_file.write_text(json.dumps(asdict(st), indent=2))
        try:
            pg_password = secrets.token_urlsafe(18)
            redis_password = secrets.token_urlsafe(18)
            self._start_postgres(st, pg_password)
            if st.redis_nodes:
                self._start_redis_cluster(st, redis_password)
            else:
                self._start_redis(st, redis_password)
            self._write_sandbox(st, pg_password)
            self._start_control_plane(st, nodes)
            if deploy_hub:
                self._deploy_hub(st, pg_password, redis_password)
        except BaseException:
            log("start-up failed; stopping what was started")
            self.down(quiet=True)
            raise
        log(f"cluster {self.name} is up in {time.monotonic() - started:.1f}s: "
            f"KUBECONFIG={self.kubeconfig} context={self.context}")

    def _as_postgres(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if is_root() else cmd

    def _chown_postgres(self, path: Path) -> None:
        if is_root():
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _start_postgres(self, st: State, password: str) -> None:
        pgdir = self.dir / "postgres"
        pgdir.mkdir(mode=0o700)
        self._chown_postgres(pgdir)
        pwfile = pgdir / "pwfile"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        self._chown_postgres(pwfile)
        bindir = Path(st.pg_bindir)
        log(f"starting PostgreSQL on 127.0.0.1:{st.pg_port}")
        # run in its own folder: the postgres user may not enter the caller's (a checkout in a private folder)
        _run(self._as_postgres([str(bindir / "initdb"), "-D", str(pgdir / "data"), "-U", PG_USER,
                                "--auth-host=scram-sha-256", "--auth-local=peer", f"--pwfile={pwfile}",
                                "--no-sync", "-E", "UTF8", "--locale=C"]), what="initdb", cwd=pgdir)
        pwfile.unlink()
        server_log = pgdir / "server.log"
        for attempt in range(3):
            opts = (f"-c listen_addresses=127.0.0.1 -c port={st.pg_port} -c unix_socket_directories={pgdir} "
                    f"-c fsync=off -c max_connections=50")
            try:
                _run(self._as_postgres([str(bindir / "pg_ctl"), "-D", str(pgdir / "data"), "-l", str(server_log),
                                        "-o", opts, "-w", "-t", "60", "start"]), what="pg_ctl start", cwd=pgdir)
                break
            except ClusterError as e:
                said = server_log.read_text(errors="replace") if server_log.exists() else ""
                # the port free_port() found was taken before the server bound it (another lane's): another one
                if "could not bind" not in said or attempt == 2:
                    raise ClusterError(f"{e} | server.log: " + " | ".join(said.strip().splitlines()[-3:])) from None
                log(f"PostgreSQL's port {st.pg_port} was taken meanwhile: trying another")
                st.pg_port = free_port()
                self.state_file.write_text(json.dumps(asdict(st), indent=2))
        env = dict(os.environ, PGPASSWORD=password, PGHOST="127.0.0.1", PGPORT=str(st.pg_port), PGUSER=PG_USER)
        psql = str(bindir / "psql") if (bindir / "psql").exists() else "psql"
        _run([psql, "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", f"CREATE DATABASE {PG_DATABASE}"],
             env=env, what="create database")
        _run([psql, "-v", "ON_ERROR_STOP=1", "-q", "-d", PG_DATABASE, "-f", str(DEPLOY / "sample-data.sql")],
             env=env, what="load sample data")

    def _start_redis(self, st: State, password: str) -> None:
        rdir = self.dir / "redis"
        rdir.mkdir(mode=0o700)
        conf = rdir / "redis.conf"
        # The password lives in this 0600 file, never on a command line.
        conf.write_text("\n".join([
            "bind 127.0.0.1", f"port {st.redis_port}", "protected-mode yes", "daemonize yes",
            f"pidfile {rdir / 'redis.pid'}", f"logfile {rdir / 'redis.log'}", f"dir {rdir}",
            "dbfilename dump.rdb", 'save ""', "appendonly no", f"requirepass {password}", ""]))
        os.chmod(conf, 0o600)
        log(f"starting Redis on 127.0.0.1:{st.redis_port}")
        _run([redis_server(), str(conf)], what="redis-server")
        env = dict(os.environ, REDISCLI_AUTH=password)
        cli = ["redis-cli", "-h", "127.0.0.1", "-p", str(st.redis_port)]
        self._wait_redis(cli, env, rdir)
        _run([*cli], env=env, input="\n".join(REDIS_SAMPLE + [""]), what="load Redis sample data")

    @staticmethod
    def _wait_redis(cli: list[str], env: dict, rdir: Path) -> None:
        for _ in range(100):
            if _run([*cli, "PING"], env=env, check=False).stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise ClusterError(f"Redis did not answer on port {cli[-1]} (log: {rdir / 'redis.log'})")

    def _start_redis_cluster(self, st: State, password: str) -> None:
        """A real Redis Cluster: one redis-server per node (cluster-enabled, the hub's password, also for the
        replicas' link to their master), slots spread over the masters by `redis-cli --cluster create`, and
        the sample data written through the cluster (each key on the master that owns its slot)."""
        env = dict(os.environ, REDISCLI_AUTH=password)  # redis-cli's password: never on a command line
        for i, (port, bus) in enumerate(st.redis_nodes):
            rdir = self.dir / f"redis-{i}"
            rdir.mkdir(mode=0o700)
            conf = rdir / "redis.conf"
            conf.write_text("\n".join([
                "bind 127.0.0.1", f"port {port}", "protected-mode yes", "daemonize yes",
                f"pidfile {rdir / 'redis.pid'}", f"logfile {rdir / 'redis.log'}", f"dir {rdir}",
                "dbfilename dump.rdb", 'save ""', "appendonly no", f"requirepass {password}",
                f"masterauth {password}", "cluster-enabled yes", f"cluster-port {bus}",
                f"cluster-config-file {rdir / 'nodes.conf'}", "cluster-node-timeout 3000",
                # A snapshot for a replica or `redis-cli --rdb` starts at once (Redis waits 5 s by default
                # for more replicas to share it): quick tests; the cluster behaves the same otherwise.
                "repl-diskless-sync-delay 0", ""]))
            os.chmod(conf, 0o600)
            _run([redis_server(), str(conf)], what=f"redis-server (cluster node {i})")
        log(f"starting a Redis cluster: {st.redis_shards} masters, {len(st.redis_nodes)} nodes on 127.0.0.1:"
            + ",".join(str(p) for p, _ in st.redis_nodes))
        for i, (port, _) in enumerate(st.redis_nodes):
            self._wait_redis(["redis-cli", "-h", "127.0.0.1", "-p", str(port)], env, self.dir / f"redis-{i}")
        replicas = len(st.redis_nodes) // st.redis_shards - 1
        _run(["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p, _ in st.redis_nodes),
              "--cluster-replicas", str(replicas), "--cluster-yes"], env=env, what="redis-cli --cluster create")
        deadline = time.monotonic() + 60
        while True:  # every node agrees the cluster is whole, and every replica has its master's data
            states = [_run(["redis-cli", "-p", str(p), "INFO"], env=env, check=False).stdout + "\n" +
                      _run(["redis-cli", "-p", str(p), "CLUSTER", "INFO"], env=env, check=False).stdout
                      for p, _ in st.redis_nodes]
            if all("cluster_state:ok" in s and ("role:slave" not in s or "master_link_status:up" in s)
                   for s in states):
                break
            if time.monotonic() > deadline:
                raise ClusterError("the Redis cluster did not become ready in 60s "
                                   f"(logs: {self.dir}/redis-*/redis.log)")
            time.sleep(0.2)
        sample = REDIS_SAMPLE + [f"SET session:{n} user-{n * 7 % 100}" for n in range(24)]
        _run(["redis-cli", "-c", "-p", str(st.redis_port)], env=env, input="\n".join(sample + [""]),
             what="load Redis sample data")

    @property
    def sandbox(self) -> Path:
        return self.dir / "sandbox"

    @property
    def shims(self) -> Path:
        """Programs that stand in the hub pods' PATH, pointing clients at the local servers' ports."""
        return self.dir / "shims"

    def _write_sandbox(self, st: State, pg_password: str) -> None:
        sandbox, shims = self.sandbox, self.shims
        shims.mkdir(mode=0o755)
        # HUBTUI_REDIS_PORT: set by a pod's own exec rule where each pod is a node of its own (cluster mode).
        # A -h / -p given after these wins, as with redis-cli itself.
        (shims / "redis-cli").write_text(
            f'#!/bin/sh\n# redis-cli for the hub pod: the local Redis is on a port of its own\n'
            f'exec {shutil.which("redis-cli") or "/usr/bin/redis-cli"} -h 127.0.0.1 '
            f'-p "${{HUBTUI_REDIS_PORT:-{st.redis_port}}}" "$@"\n')
        os.chmod(shims / "redis-cli", 0o755)
        sandbox.mkdir(mode=0o755)
        for part in ("postgres", "redis", "shell"):
            d = sandbox / part
            d.mkdir(mode=0o700)
            if part == "postgres":
                # psql in the 'pod' authenticates as a pod's local client would, without a password
                # on any command line: ~/.pgpass of the sandbox user.
                pgpass = d / ".pgpass"
                pgpass.write_text(f"127.0.0.1:{st.pg_port}:*:{PG_USER}:{pg_password}\n")
                os.chmod(pgpass, 0o600)
                if is_root():
                    os.chown(pgpass, SANDBOX_UID, SANDBOX_UID)
            if is_root():
                os.chown(d, SANDBOX_UID, SANDBOX_UID)

    def _start_control_plane(self, st: State, nodes: int) -> None:
        """kwokctl's cluster, tried twice: a port chosen free can be taken before its component binds it (an
        outgoing connection's ephemeral port), and kwokctl then waits for a component that never starts."""
        for attempt in (1, 2):
            try:
                self._create_control_plane(st)
                break
            except ClusterError as e:
                if attempt == 2:
                    raise
                log(f"the control plane did not start ({e}); once more, on other ports")
                self.kwokctl("delete", "cluster", check=False)
                st.api_port = free_port()
                self.state_file.write_text(json.dumps(asdict(st), indent=2))
        os.chmod(self.kubeconfig, 0o600)
        self.revive()
        self.kwokctl("scale", "node", "--replicas", str(nodes))

    def _create_control_plane(self, st: State) -> None:
        b = Path(st.bin)
        config = self.dir / "kwokctl.yaml"
        config.write_text(json.dumps({
            "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
            "kind": "KwokctlConfiguration",
            "options": {
                "runtime": "binary",
                "bindAddress": "127.0.0.1",
                "kubeApiserverPort": st.api_port,
                "kubeApiserverBinary": str(b / "kube-apiserver"),
                "kubeControllerManagerBinary": str(b / "kube-controller-manager"),
                "kubeSchedulerBinary": str(b / "kube-scheduler"),
                "kubectlBinary": str(b / "kubectl"),
                "etcdBinary": str(b / "etcd"),
                "kwokControllerBinary": str(b / "kwok"),
                # Exec (a pod's own rule) only for a Redis cluster, whose pods each reach their own node.
                "enableCRDs": ["ClusterExec", "ClusterLogs", "ClusterPortForward"]
                + (["Exec"] if st.redis_nodes else []),
                "disableQPSLimits": True,
            },
            # Pod states a real kubelet reports (ImagePullBackOff, CrashLoopBackOff, a failing readiness
            # probe), for the pods that ask with an annotation: a second --config beside kwokctl's, whose
            # default stages stay as they are (see deploy/kwok-stages.yaml).
            "componentsPatches": [{"name": "kwok-controller",
                                   "extraArgs": [{"key": "config", "value": str(DEPLOY / "kwok-stages.yaml")}]}]
            # One controller manager and one scheduler, with no leader election: with it, one that misses a
            # lease renewal (a busy 2-core machine, an API server that stalls) exits for good, as kwokctl
            # does not restart it, and from then on no pod is created or scheduled.
            + [{"name": component, "extraArgs": [{"key": "leader-elect", "value": "false"}]}
               for component in ("kube-controller-manager", "kube-scheduler")],
        }, indent=2))
        log(f"starting the control plane (kube-apiserver on 127.0.0.1:{st.api_port})")
        # kwokctl picks etcd's and the other components' ports itself, from the first free one up: two clusters
        # created at once (the test suite's lanes) could pick the same and share one etcd. One at a time, on
        # this machine.
        run_root().mkdir(parents=True, exist_ok=True)
        with open(run_root() / ".create.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.kwokctl("--config", str(config), "create", "cluster", "--kubeconfig", str(self.kubeconfig),
                         "--wait", "120s", timeout=150)

    def _deploy_hub(self, st: State, pg_password: str, redis_password: str) -> None:
        log("deploying the LLM Analytics Hub")
        self.kubectl("apply", "-f", str(DEPLOY / "hub.yaml"))
        secret = {
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": SECRET_NAME, "namespace": HUB_NAMESPACE},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in
                     {"POSTGRES_PASSWORD": pg_password, "REDIS_PASSWORD": redis_password}.items()},
        }
        self.kubectl("apply", "-f", "-", input=json.dumps(secret))  # on stdin: never in argv
        security = ""
        if is_root():
            security = (f"      securityContext: {{runAsUser: {SANDBOX_UID}, runAsGroup: {SANDBOX_UID}}}")
        rules = string.Template((DEPLOY / "kwok-exec.yaml.in").read_text()).substitute(
            sandbox=self.sandbox, shims=self.shims, pg_port=st.pg_port, redis_port=st.redis_port, security=security)
        self.kubectl("apply", "-f", "-", input=rules)
        if st.redis_nodes:
            # One pod per node, as a redis-cluster StatefulSet runs it: each pod's volume and exec rule.
            template = string.Template((DEPLOY / "redis-cluster-node.yaml.in").read_text())
            docs = []
            for i, (port, _) in enumerate(st.redis_nodes):
                pv, rule = template.substitute(index=i, port=port, sandbox=self.sandbox, shims=self.shims,
                                               security=security).split("\n---\n")
                docs += [rule] if i == 0 else [pv, rule]  # redis-cluster-0's volume is in hub.yaml
            self.kubectl("apply", "-f", "-", input="\n---\n".join(docs))
            self.kubectl("scale", "statefulset", "redis-cluster", "-n", HUB_NAMESPACE,
                         f"--replicas={len(st.redis_nodes)}")
        self.wait_hub_ready()
        self._wait_exec_rules()
        self.serve_logs()

    # ----- logs: kwok serves `kubectl logs` from files a host process writes ----------------
    @property
    def logs_dir(self) -> Path:
        return self.dir / "logs"

    def serve_logs(self) -> None:
        """Every container of the hub's workloads gets a log file (logs/CONTAINER.log; any other container of
        the namespace: logs/other.log), served by kwok through a ClusterLogs rule with follow, and written to
        by a small host process (`write-logs`), so that `kubectl logs -f` and hubtui show a real, growing log."""
        self.logs_dir.mkdir(mode=0o755, exist_ok=True)
        items = json.loads(self.kubectl("get", "deploy,statefulset", "-n", HUB_NAMESPACE, "-o", "json").stdout)["items"]
        containers = sorted({c["name"] for w in items for c in w["spec"]["template"]["spec"]["containers"]})
        rules = [{"containers": [c], "logsFile": str(self.logs_dir / f"{c}.log"), "follow": True} for c in containers]
        rules.append({"logsFile": str(self.logs_dir / "other.log"), "follow": True})  # no containers: the default
        for r in rules:
            Path(r["logsFile"]).touch()
        self.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterLogs",
            "metadata": {"name": "llm-analytics-hub-logs"},
            "spec": {"selector": {"matchNamespaces": [HUB_NAMESPACE]}, "logs": rules}}))
        with open(self.logs_dir / "writer.err", "ab") as err:
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "write-logs", str(self.logs_dir)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                    start_new_session=True)
        (self.logs_dir / "writer.pid").write_text(str(proc.pid))
        # kwok loads the ClusterLogs object a moment after it is applied: wait until a hub pod's log is served.
        deadline = time.monotonic() + 30
        while (got := self.kubectl("logs", "-n", HUB_NAMESPACE, "deploy/api-server", "--tail=1",
                                   check=False)).returncode:
            if time.monotonic() > deadline:
                raise ClusterError(f"kwok does not serve the hub's logs: {got.stderr.strip()}")
            time.sleep(0.2)

    def scenario(self) -> None:
        """The demo scenario (deploy/demo-scenario.yaml): hub deployments that do not come up, each for its
        own reason (a bad image, no node that fits, a crash loop, a failing readiness probe)."""
        if not self.healthy():
            raise ClusterError(f"cluster {self.name} is not up: run `python3 cluster/localcluster.py up {self.name}`")
        kwok = self._process("kwok-controller")
        if kwok is None or not any(a.endswith("kwok-stages.yaml") for a in kwok["argv"]):
            raise ClusterError(f"cluster {self.name} runs kwok without hubtui's pod stages (started by an older "
                               f"version?): restart it (`python3 cluster/localcluster.py down {self.name}`, then up)")
        self.kubectl("apply", "-f", str(DEPLOY / "demo-scenario.yaml"))
        log("demo scenario applied: report-builder (bad image), gpu-inference (no node fits), embedding-cache "
            "(crash loop), feature-store (readiness probe fails); open one with i or Space in hubtui")

    def _log_writer_pid(self) -> int | None:
        try:
            pid = int((self.logs_dir / "writer.pid").read_text().strip())
            # Ours only: a stale pid file must never make `down` signal an unrelated process.
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            return pid if b"write-logs" in cmdline and str(self.logs_dir).encode() in cmdline else None
        except (OSError, ValueError):
            return None

    def _wait_exec_rules(self, timeout: float = 60) -> None:
        """kwok loads the ClusterExec object a moment after it is applied: wait until exec works."""
        deadline = time.monotonic() + timeout
        for pod, container in (("timescaledb-0", "postgres"), ("redis-cluster-0", "redis"), ("kafka-0", "kafka")):
            while True:
                proc = self.kubectl("exec", "-n", HUB_NAMESPACE, pod, "-c", container, "--", "true", check=False)
                if proc.returncode == 0:
                    break
                if time.monotonic() > deadline:
                    raise ClusterError(f"exec into {pod} does not work: {proc.stderr.strip()}")
                time.sleep(0.2)
        st = self.state()
        for i, (port, _) in enumerate(st.redis_nodes if st else []):
            pod = f"redis-cluster-{i}"  # until its own rule is loaded, exec reaches redis-cluster-0's node
            while True:
                proc = self.kubectl("exec", "-n", HUB_NAMESPACE, pod, "-c", "redis", "--", "sh", "-c",
                                    'echo "$HUBTUI_REDIS_PORT"', check=False)
                if proc.returncode == 0 and proc.stdout.strip() == str(port):
                    break
                if time.monotonic() > deadline:
                    raise ClusterError(f"exec into {pod} does not reach its Redis node on port {port}: "
                                       f"{(proc.stderr or proc.stdout).strip()}")
                time.sleep(0.2)

    def wait_hub_ready(self, timeout: float = 120) -> None:
        """Wait until every long-running pod of the hub's namespaces is Ready (job pods may finish instead)."""
        deadline = time.monotonic() + timeout
        waiting: list[str] = ["(nothing listed yet)"]
        revived = 0
        while time.monotonic() < deadline:
            if revived < self.REVIVALS:
                revived += len(self.revive())
            pods = json.loads(self.kubectl("get", "pods", "-A", "-o", "json").stdout)["items"]
            deploys = json.loads(self.kubectl("get", "deploy,statefulset", "-A", "-o", "json").stdout)["items"]
            want = sum(d["spec"].get("replicas", 1) for d in deploys)
            waiting = []
            ready = 0
            for p in pods:
                owner = (p["metadata"].get("ownerReferences") or [{}])[0].get("kind")
                if owner == "Job":
                    continue
                conds = {c["type"]: c["status"] for c in p.get("status", {}).get("conditions", [])}
                if conds.get("Ready") == "True":
                    ready += 1
                else:
                    waiting.append(f"{p['metadata']['namespace']}/{p['metadata']['name']}")
            if not waiting and ready >= want:
                log(f"{ready} pods ready")
                return
            if not waiting:  # no pod is waiting, yet some are missing: name the workloads short of pods
                waiting = [f"{d['kind'].lower()} {d['metadata']['namespace']}/{d['metadata']['name']} has "
                           f"{d.get('status', {}).get('replicas', 0)} of {d['spec'].get('replicas', 1)} pods"
                           for d in deploys
                           if d.get("status", {}).get("replicas", 0) < d["spec"].get("replicas", 1)]
            time.sleep(0.5)
        stopped = [f"{c} ({self._last_words(c)})" for c in self.COMPONENTS if self._process(c) is None]
        raise ClusterError(f"pods not ready after {timeout:.0f}s: {', '.join(waiting[:10]) or '(none listed)'}"
                           + (f"; not running: {', '.join(stopped)}" if stopped else ""))

    # ----- a component that exited is started again, as a kubelet restarts a static pod ----------
    COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller")
    REVIVALS = 3  # in one wait: a component that keeps exiting is reported, not restarted for ever

    def revive(self) -> list[str]:
        """Start again each component of the control plane that has exited, and say why it exited (its log's
        last line). kwokctl starts them once and never again, and kube-controller-manager exits for good when
        the API server is not healthy within 10 s of its own start, a lapse a busy 2-core machine can have
        (from then on no pod is created). `kwokctl start cluster` starts only the components that are not
        running. Returns what was started again, each with its last words."""
        names = [c for c in self.COMPONENTS if self._process(c) is None]
        dead = [f"{c} ({self._last_words(c)})" for c in names]
        if dead:
            log(f"starting again what exited: {'; '.join(dead)}")
            # until each has a process (at most 3 tries, 5 s each): a loaded machine's kwokctl can return before
            # one is up, and a caller that asked again at once would spend its revivals on one exit
            for _ in range(3):
                self.kwokctl("start", "cluster")
                deadline = time.monotonic() + 5
                while (missing := [c for c in names if self._process(c) is None]) and time.monotonic() < deadline:
                    time.sleep(0.2)
                if not missing:
                    break
        return dead

    def _last_words(self, component: str) -> str:
        """The last line a component's log holds (an exited one's reason), or that it has none."""
        logfile = self.dir / "kwok" / "clusters" / self.name / "logs" / f"{component}.log"
        try:
            with open(logfile, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
                lines = f.read().decode(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1][:300] if lines else "an empty log"

    # ----- an API server outage, for tests ------------------------------------------------
    CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")

    def _pid_file(self, component: str) -> Path:
        return self.dir / "kwok" / "clusters" / self.name / "pids" / f"{component}.pid"

    def _process(self, component: str) -> dict | None:
        """How a running control-plane process was started: argv, folder, environment."""
        try:
            pid = int(self._pid_file(component).read_text().strip())
            proc = Path(f"/proc/{pid}")
            argv = proc.joinpath("cmdline").read_bytes().rstrip(b"\0").split(b"\0")
            env = dict(kv.split(b"=", 1) for kv in proc.joinpath("environ").read_bytes().split(b"\0") if b"=" in kv)
            return {"pid": pid, "argv": [a.decode() for a in argv], "cwd": os.readlink(proc / "cwd"),
                    "env": {k.decode(): v.decode() for k, v in env.items()}}
        except (OSError, ValueError):
            return None

    def stop_apiserver(self) -> dict:
        """Kill kube-apiserver (as a crash or a restart would). Returns what start_apiserver() needs."""
        saved = {c: self._process(c) for c in self.CONTROL_PLANE}
        api = saved["kube-apiserver"]
        if api is None:
            raise ClusterError("kube-apiserver is not running")
        os.kill(api["pid"], 9)
        for _ in range(100):
            if not Path(f"/proc/{api['pid']}").exists():
                break
            time.sleep(0.05)
        return saved

    def start_apiserver(self, saved: dict, timeout: float = 60) -> None:
        """Start kube-apiserver again with its old command line; restart the controller-manager and the
        scheduler too if they exited meanwhile (they do, when they lose their leader lease), and return once
        each has renewed its leader lease on the new API server (one that exits later instead is started again):
        the cluster creates service accounts and schedules pods again before the caller goes on."""
        back = datetime.now(UTC)
        self._restart(saved, "kube-apiserver")
        deadline = time.monotonic() + timeout
        while (ready := self._answers("get", "--raw", "/readyz")) is None or ready.returncode != 0:
            if time.monotonic() > deadline:
                raise ClusterError(f"kube-apiserver did not come back in {timeout:.0f}s")
            time.sleep(0.2)
        for component in self.CONTROL_PLANE[1:]:
            while True:
                if saved.get(component) and self._process(component) is None:
                    self._restart(saved, component)  # exited (it lost its leader lease): started again, as it was
                got = self._answers("get", "lease", "-n", "kube-system", component, "-o", "json")
                if got is None:
                    pass  # no answer in time (a loaded machine): asked again until the deadline
                elif got.returncode != 0 and "NotFound" in got.stderr:
                    break  # no leader election: nothing to wait for
                elif got.returncode == 0:
                    renewed = json.loads(got.stdout)["spec"].get("renewTime")
                    if renewed and datetime.fromisoformat(renewed.replace("Z", "+00:00")) > back:
                        break
                if time.monotonic() > deadline:
                    raise ClusterError(f"{component} did not renew its leader lease in {timeout:.0f}s")
                time.sleep(0.3)

    def _answers(self, *args: str) -> subprocess.CompletedProcess | None:
        """One kubectl call against an API server that is coming back: its result, or None when it gave no
        answer in 10 s (a freshly started server on a loaded machine can hold a request that long; the
        caller's own deadline decides when to give up, not one slow call)."""
        try:
            return self.kubectl(*args, check=False, timeout=10)
        except ClusterError as e:
            if "no answer after" in str(e):
                return None
            raise

    def _restart(self, saved: dict, component: str) -> None:
        """Start a control-plane process again with the command line it had (saved by stop_apiserver)."""
        info = saved.get(component)
        if info is None or (component != "kube-apiserver" and Path(f"/proc/{info['pid']}").exists()):
            return
        logfile = self.dir / "kwok" / "clusters" / self.name / "logs" / f"{component}.log"
        with open(logfile, "ab") as out:
            proc = subprocess.Popen(info["argv"], cwd=info["cwd"], env=info["env"], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._pid_file(component).write_text(str(proc.pid))

    def compact_etcd(self) -> int:
        """Compact etcd's history up to now (the API server does this every few minutes), so that older
        resourceVersions are gone and a watch from one gets 410 Gone. Returns the compacted revision."""
        import urllib.request

        api = self._process("kube-apiserver")
        if api is None:
            raise ClusterError("kube-apiserver is not running")
        etcd = next(a.split("=", 1)[1].split(",")[0] for a in api["argv"] if a.startswith("--etcd-servers="))

        def post(path: str, body: dict) -> dict:
            req = urllib.request.Request(f"{etcd}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())

        revision = int(post("/v3/kv/range", {"key": base64.b64encode(b"/").decode()})["header"]["revision"])
        post("/v3/kv/compaction", {"revision": revision, "physical": True})
        return revision

    # ----- status and down ---------------------------------------------------------------
    def healthy(self) -> bool:
        st = self.state()
        if st is None or not self.kubeconfig.exists():
            return False
        try:
            self.kubectl("get", "--raw", "/readyz", timeout=10)
            return self._postgres_running(st) and self._redis_running()
        except ClusterError:
            return False

    def _postgres_running(self, st: State) -> bool:
        data = self.dir / "postgres" / "data"
        if not data.exists():
            return False
        return _run(self._as_postgres([str(Path(st.pg_bindir) / "pg_ctl"), "-D", str(data), "status"]),
                    check=False).returncode == 0

    def _redis_dirs(self) -> list[Path]:
        """The folder of every redis-server this cluster started: redis/ (one server) or redis-N/ (a node
        each in cluster mode), found on disk, so that `down` stops whatever `up` got to start."""
        return sorted(d for d in self.dir.glob("redis*") if d.is_dir())

    @staticmethod
    def _pid_in(rdir: Path) -> int | None:
        try:
            pid = int((rdir / "redis.pid").read_text().strip())
            # Ours only: a stale pid file must never make `down` signal an unrelated process.
            if b"redis-server" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return None
            return pid
        except (OSError, ValueError):
            return None

    def redis_pids(self) -> dict[str, int | None]:
        """folder name -> pid of its redis-server (None: not running)."""
        return {d.name: self._pid_in(d) for d in self._redis_dirs()}

    def _redis_running(self) -> bool:
        pids = self.redis_pids()
        return bool(pids) and all(pids.values())

    def status(self) -> str:
        st = self.state()
        if st is None:
            return f"{self.name}: not up"
        api = self.kubectl("get", "--raw", "/readyz", check=False, timeout=10)
        lines = [
            f"{self.name}: kubeconfig {self.kubeconfig} (context {self.context})",
            f"  kube-apiserver 127.0.0.1:{st.api_port}: {'ready' if api.returncode == 0 else 'NOT READY'}",
            f"  PostgreSQL 127.0.0.1:{st.pg_port}: {'running' if self._postgres_running(st) else 'STOPPED'}",
        ]
        if st.redis_nodes:
            pids = self.redis_pids()
            lines += [f"  Redis cluster node {i} (pod redis-cluster-{i}) 127.0.0.1:{port}: "
                      f"{'running' if pids.get(f'redis-{i}') else 'STOPPED'}"
                      for i, (port, _) in enumerate(st.redis_nodes)]
        else:
            lines.append(f"  Redis 127.0.0.1:{st.redis_port}: {'running' if self._redis_running() else 'STOPPED'}")
        if self.logs_dir.exists():
            lines.append(f"  pod logs in {self.logs_dir}: writer {'running' if self._log_writer_pid() else 'STOPPED'}")
        if api.returncode == 0:
            nodes = self.kubectl("get", "nodes", "-o", "name", check=False).stdout.split()
            pods = self.kubectl("get", "pods", "-n", HUB_NAMESPACE, "--no-headers", check=False).stdout.splitlines()
            lines.append(f"  nodes: {len(nodes)}, pods in {HUB_NAMESPACE}: {len(pods)}")
        return "\n".join(lines)

    def down(self, quiet: bool = False) -> None:
        st = self.state()
        if st is None and not self.dir.exists():
            if not quiet:
                log(f"cluster {self.name} is not up")
            return
        if (self.dir / "kwok").exists():
            self.kwokctl("delete", "cluster", check=False)
        if st is not None and (self.dir / "postgres" / "data").exists():
            _run(self._as_postgres([str(Path(st.pg_bindir) / "pg_ctl"), "-D", str(self.dir / "postgres" / "data"),
                                    "-m", "immediate", "-w", "stop"]), check=False)
        stopping = [(d, pid) for d in self._redis_dirs() if (pid := self._pid_in(d))]
        for _, pid in stopping:
            try:
                os.kill(pid, 15)
            except OSError:
                pass
        for d, _ in stopping:
            for _ in range(100):
                if self._pid_in(d) is None:
                    break
                time.sleep(0.05)
        writer = self._log_writer_pid()
        if writer:
            try:
                os.kill(writer, 15)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        if not quiet:
            log(f"cluster {self.name} is down")


LOG_MESSAGES = (
    'level=info msg="GET /healthz" status=200 duration_ms={n}',
    'level=info msg="ingested events" batch={n} source=kafka topic=llm-events',
    'level=info msg="rollup done" window=5m rows={n}',
    'level=warn msg="slow query" duration_ms={n} table=llm_requests',
    'level=info msg="cache hit ratio" ratio=0.{n}',
)


def write_logs(folder: Path, interval: float = 1.0) -> None:
    """The host process behind the hub's pod logs: append a line in the CRI log format (what kwok's log server
    reads, as a kubelet does) to each log file in `folder`, in turn, until the folder is gone."""
    import itertools

    for n in itertools.count(1):
        if not folder.is_dir():
            return
        for i, path in enumerate(sorted(folder.glob("*.log"))):
            if (n + i) % 3:
                continue  # each file gets a line every few seconds, not all at once
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            msg = LOG_MESSAGES[(n + i) % len(LOG_MESSAGES)].format(n=(n * 37 + i * 11) % 97 + 3)
            try:
                with open(path, "a") as f:
                    f.write(f"{stamp} stdout F {msg} container={path.stem}\n")
            except OSError:
                return
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="localcluster", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the cluster (and deploy the hub)")
    up.add_argument("name")
    up.add_argument("--reuse", action="store_true", help="keep a healthy running cluster of that name")
    up.add_argument("--no-hub", action="store_true", help="start an empty cluster")
    up.add_argument("--nodes", type=int, default=2)
    up.add_argument("--redis-shards", type=int, default=0, metavar="M",
                    help="the hub's Redis as a Redis Cluster of M (>= 3) masters, one pod per node")
    up.add_argument("--redis-replicas", type=int, default=0, metavar="R", help="replicas of each master")
    for cmd in ("down", "status", "env", "scenario"):
        sub.add_parser(cmd).add_argument("name")
    sub.add_parser("write-logs", help=argparse.SUPPRESS).add_argument("folder")
    args = ap.parse_args(argv)
    if args.cmd == "write-logs":
        write_logs(Path(args.folder))
        return 0
    try:
        c = LocalCluster(args.name)
        if args.cmd == "up":
            c.up(deploy_hub=not args.no_hub, nodes=args.nodes, reuse=args.reuse, redis_shards=args.redis_shards,
                 redis_replicas=args.redis_replicas)
        elif args.cmd == "down":
            c.down()
        elif args.cmd == "status":
            print(c.status())
        elif args.cmd == "scenario":
            c.scenario()
        elif args.cmd == "env":
            env = c.env()
            for k in ("KUBECONFIG", "PATH"):
                print(f"export {k}={env[k]!r}".replace("'", "'"))
    except ClusterError as e:
        log(f"error: {e}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
