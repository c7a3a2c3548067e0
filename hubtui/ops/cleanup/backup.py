"""The cleanup's backup step: TimescaleDB (pg_dump -Fc, verified with pg_restore --list), Redis (an RDB
snapshot, verified by its magic; in cluster mode one per master), Kafka (topics and their configs, best
effort).

Everything runs through `kubectl exec` into the pods and streams to files under the state folder. A store
that holds data and cannot be saved and verified stops the cleanup before anything is deleted; what was
saved is kept. `backup_risks` is the plan's read-only look ahead: what the backup will not save, said
before anything is asked.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import field
from datetime import datetime, UTC
from pathlib import Path

from ...frozen import frozen
from ...errors import HubError, said
from ...kube.client import KubeConnection
from ...paths import tilde
from ...settings import Settings
from ..connect import TARGETS, PodChoice, choose_container, find_pod, kubectl_path, matches_store, read_secret
from .failures import (BackupFailed, BestEffortFailed, CheckingForStore, ClusterNodesSaved, DumpDoesNotRestore,
                       DumpIncomplete, DumpUnreadable, DumpVerified, ExecFailed, FilesSaved, InPodFailed,
                       KafkaTopicsSaved, ListingStatefulSets, ListingStorePods, MasterAnswersOddly, MasterNoAddress,
                       MasterSaved, MasterSilent, NoClusterNodes, NoKafkaTool, NoMasterWithSlots, NodeAddress,
                       NoRedisAnswers, PgRestoreMissing, PodSilent, RdbIncomplete, RdbRefused, RdbVerified,
                       RedisCliFailed, RedisMaster, RedisNoInfo, RolesDumpEmpty, RolesNotDumped, RolesSaved,
                       RolesSkipped, ShardNotSaved, ShardStuck, ShardsNotSaved, ShardsStuck, StoreFailed, StoreSkipped)
from ...events import Emit, StepDone, StepFailed, StepStarted, ignore
from ...facts import (BackedUp, BackupNotSaved, BackupSaved, BackupWillStop, KafkaToolMissing, KafkaUnchecked,
                      OtherInstanceUnsaved, RolesUnsaved, Risk, ShardUnsaved, StoreAbsent)
from ...kube.objects import list_items, meta_of, name_in

SECRET = "analytics-hub-secrets"
# The plan's risk lines start with these; the backup's warnings and failures repeat the same reasons.
KAFKA_TOOLS = ("kafka-topics.sh", "kafka-topics")  # Apache's and Bitnami's name; Confluent's
PROBE_TIMEOUT = 30


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run in a session of its own: the operator's first Ctrl-C asks the cleanup to stop after
    this step, and must not kill a dump half-way through."""
    return subprocess.run(args, start_new_session=True, **kwargs)


@frozen
class BackupResult:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)  # store (redis/<pod> per cluster master) -> file
    notes: dict[str, str] = field(default_factory=dict)  # store -> what was verified, or why best effort failed


class _Exec:
    """`kubectl exec` into one pod with the operator's kubeconfig and context; stdin carries any secret."""

    def __init__(self, conn: KubeConnection, settings: Settings, namespace: str, pod: str, container: str):
        self.pod = pod
        self.argv = [kubectl_path(), "--context", conn.context, "exec", "-i", "-n", namespace, pod, "-c", container,
                     "--"]
        self.env = dict(os.environ)
        if settings.kubeconfig:
            self.env["KUBECONFIG"] = settings.kubeconfig

    def to_file(self, command: list[str], path: Path, stdin: str | None = None, timeout: float = 1800) -> str:
        """Stream the command's stdout into path (the caller renames it once verified); return its stderr
        (raise HubError on failure). The operator's terminal is never the command's stdin."""
        with open(path, "wb") as out:
            kw = {"input": stdin.encode()} if stdin is not None else {"stdin": subprocess.DEVNULL}
            proc = _run(self.argv + command, env=self.env, stdout=out, stderr=subprocess.PIPE,
                                  timeout=timeout, **kw)
        err = proc.stderr.decode(errors="replace").strip()
        if proc.returncode != 0:
            if path.stat().st_size == 0:
                path.unlink()  # nothing was saved: leave no empty file behind
            raise HubError(InPodFailed(tuple(command[:2]), err.splitlines()[-1] if err else "", proc.returncode))
        return err

    def run(self, command: list[str], stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        """The command's exit code, stdout and stderr (text); a pod that cannot be reached in time is a
        HubError."""
        kw = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        try:
            return _run(self.argv + command, env=self.env, capture_output=True, text=True, timeout=timeout, **kw)
        except subprocess.TimeoutExpired:
            raise HubError(PodSilent(self.pod, timeout)) from None

    def text(self, command: list[str], timeout: float = 120) -> str:
        proc = self.run(command, timeout=timeout)
        if proc.returncode != 0:
            raise HubError(InPodFailed(tuple(command[:2]), (proc.stderr.strip().splitlines() or [""])[-1]))
        return proc.stdout


def backup(conn: KubeConnection, settings: Settings, namespace: str, environment: str, *,
           emit: Emit = ignore) -> BackupResult:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(settings.state_dir) / "backups" / environment / stamp
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = BackupResult(folder)
    emit(StepStarted("backup", tilde(folder)))

    def fail(store: str, reason: object) -> HubError:
        emit(StepFailed("backup", said(StoreFailed(TARGETS[store].title, reason))))
        return HubError(BackupFailed(TARGETS[store].title, reason, str(folder)))

    for store, fn, required in (("timescaledb", _timescaledb, True), ("redis", _redis, True),
                                ("kafka", _kafka, False)):
        title = TARGETS[store].title
        try:
            pod = find_pod(conn, namespace, TARGETS[store])
        except HubError as e:
            if required and _store_exists(conn, namespace, store):
                # It exists but cannot be reached (not ready, scaled down, API refused): its data would be lost.
                raise fail(store, e) from None
            emit(BackupNotSaved(title, absent_from=namespace))
            result.notes[store] = said(StoreSkipped(e))
            continue
        try:
            saved = fn(_Exec(conn, settings, namespace, pod.name, pod.container), conn, settings, namespace,
                       folder)
        except _RolesNotSaved as e:  # every database is saved; the roles are said not to be
            saved = e.saved
            emit(BackupNotSaved(title, str(e), part="roles"))
            result.notes["timescaledb/roles"] = said(RolesSkipped(e))
        except _NotSaved as e:  # best effort, and the plan said so
            emit(BackupNotSaved(title, str(e)))
            result.notes[store] = said(BestEffortFailed(e))
            continue
        except (HubError, OSError, subprocess.TimeoutExpired) as e:
            if required:
                raise fail(store, e) from None
            emit(BackupNotSaved(title, str(e), failed=True))
            result.notes[store] = said(BestEffortFailed(e))
            continue
        for key, final, note in saved:
            result.files[key] = final
            result.notes[key] = note
            emit(BackupSaved(title, final.name, note))
        if store not in result.notes:  # a Redis cluster: one line for the store as a whole
            result.notes[store] = said(FilesSaved(tuple(f.name for _, f, _ in saved)))
    emit(StepDone("backup", said=(BackedUp(len(result.files), str(folder)),)))
    return result


class _NotSaved(HubError):
    """A best-effort store that cannot be saved here, for a reason the plan announces too."""


def _keep(path: Path) -> Path:
    """Only a verified file gets its real name."""
    final = path.with_name(path.name.removesuffix(".partial"))
    path.rename(final)
    return final


def _store_exists(conn: KubeConnection, namespace: str, store: str) -> bool:
    """Whether the namespace has a StatefulSet or a volume claim that belongs to the store."""
    from ...kube.client import describe_api_error

    names = TARGETS[store].names
    try:
        sets = list_items(conn, "apps/v1", "statefulsets", namespace)
        pvcs = list_items(conn, "v1", "persistentvolumeclaims", namespace)
    except Exception as e:  # noqa: BLE001 - unknown means: assume it exists, and fail safe
        raise describe_api_error(e, CheckingForStore(TARGETS[store].title, namespace)) from None
    owned = [name_in(o) for o in sets] + [name_in(p) for p in pvcs]
    labelled = any(str((meta_of(o).get("labels") or {}).get(k)) in names for o in sets
                   for k in ("app.kubernetes.io/name", "app"))  # a store by its labels, whatever its name
    return labelled or any(n == name or n.startswith(name + "-") or f"-{name}-" in n for n in owned for name in names)


def _other_instances(conn: KubeConnection, namespace: str, store: str, saved_pod: str) -> list[str]:
    """The store's other StatefulSets in the namespace (by name or label), beside the one whose pod the backup
    saves: each is named in the plan as not saved, never passed over in silence."""
    from ...kube.client import describe_api_error

    names = TARGETS[store].names
    try:
        sets = list_items(conn, "apps/v1", "statefulsets", namespace)
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, ListingStatefulSets(namespace)) from None

    def is_store(o: dict) -> bool:
        labels = meta_of(o).get("labels") or {}
        n = name_in(o)
        return (any(str(labels.get(k)) in names for k in ("app.kubernetes.io/name", "app"))
                or any(n == name or n.startswith(name + "-") for name in names))

    saved = saved_pod.rsplit("-", 1)[0]
    return sorted(name_in(o) for o in sets if is_store(o) and name_in(o) != saved)


def _timescaledb(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> list[tuple[str, Path, str]]:
    """Every database of the instance (each dump verified), the hub's own first, then its roles (best effort:
    a user that is not a superuser cannot read them; the plan says so first)."""
    user, db = settings.db_user, settings.db_name
    listed = ex.text(["psql", "-U", user, "-d", db, "-tAc",
                      "select datname from pg_database where datallowconn and not datistemplate order by 1"])
    others = [d for d in listed.split() if d != db]
    saved = [_dump_database(ex, user, d, folder, main=d == db) for d in [db, *others]]
    roles = folder / "timescaledb-roles.sql.partial"
    try:
        ex.to_file(["pg_dumpall", "--roles-only", "-U", user], roles, timeout=300)
        text = roles.read_text(errors="replace")
        if "CREATE ROLE" not in text:
            raise HubError(RolesDumpEmpty())
        saved.append(("timescaledb/roles", _keep(roles), said(RolesSaved(text.count("CREATE ROLE")))))
    except (HubError, OSError, subprocess.TimeoutExpired) as e:
        with contextlib.suppress(OSError):
            roles.unlink()
        raise _RolesNotSaved(saved, e) from None
    return saved


class _RolesNotSaved(HubError):
    """The databases were saved; their roles were not (said, never fatal)."""

    def __init__(self, saved: list, cause: object):
        super().__init__(RolesNotDumped(cause))
        self.saved = saved


def _dump_database(ex: _Exec, user: str, db: str, folder: Path, *, main: bool) -> tuple[str, Path, str]:
    """One database: pg_dump -Fc, then its table of contents and every data block read back."""
    query = ("select schemaname || '.' || tablename from pg_tables where schemaname not in "
             "('pg_catalog', 'information_schema') and schemaname not like '\\_timescaledb%'")
    tables = sorted(ex.text(["psql", "-U", user, "-d", db, "-tAc", query]).split())
    path = folder / f"timescaledb-{db}.dump.partial"
    ex.to_file(["pg_dump", "-Fc", "-U", user, "-d", db], path)
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise HubError(PgRestoreMissing())
    listing = _run([pg_restore, "--list", str(path)], capture_output=True, text=True, timeout=300)
    if listing.returncode != 0:
        raise HubError(DumpUnreadable(db, tuple(listing.stderr.strip().splitlines()[-1:])))
    entries = set()
    for line in listing.stdout.splitlines():
        if line.startswith(";") or "; " not in line:
            continue
        parts = line.split("; ", 1)[1].split()
        if len(parts) >= 6:  # oid oid TYPE... schema name owner
            entries.add((" ".join(parts[2:-3]), f"{parts[-3]}.{parts[-2]}"))
    missing = [t for t in tables if ("TABLE", t) not in entries or ("TABLE DATA", t) not in entries]
    if missing:
        raise HubError(DumpIncomplete(db, tuple(missing)))
    # Read every data block, not only the table of contents: a dump cut short fails here.
    full = _run([pg_restore, "-f", os.devnull, str(path)], capture_output=True, text=True, timeout=1800)
    if full.returncode != 0:
        raise HubError(DumpDoesNotRestore(db, (full.stderr.strip().splitlines() or [""])[-1]))
    return ("timescaledb" if main else f"timescaledb/{db}", _keep(path), said(DumpVerified(len(tables))))


# ----- Redis: one server, or a cluster (one RDB per master) -------------------------------------------

# The password goes in on stdin, never on a command line: read into REDISCLI_AUTH, which redis-cli uses.
_AUTH = ('IFS= read -r REDISCLI_AUTH; if [ -n "$REDISCLI_AUTH" ]; then export REDISCLI_AUTH; '
         'else unset REDISCLI_AUTH; fi; ')
_CLI = _AUTH + 'exec redis-cli "$@"'  # arguments as positional parameters: nothing is parsed by the shell
# INFO, and CLUSTER NODES only in cluster mode (some redis-cli versions exit 1 on an error reply).
_PROBE = _AUTH + ('info=$(redis-cli INFO cluster) || exit 1; printf "%s\\n@@hubtui@@\\n" "$info"; '
                  'case "$info" in *cluster_enabled:1*) exec redis-cli CLUSTER NODES;; esac')
_NODE_ID = re.compile(r"[0-9a-f]{40}")


@frozen
class RedisNode:
    """One line of CLUSTER NODES."""

    id: str
    host: str  # '' when the node has no address yet (noaddr, handshake)
    port: int
    flags: tuple[str, ...]
    master_id: str  # '-' for a master
    slots: tuple[str, ...]  # ranges as CLUSTER NODES gives them ("0-5460", "7000"); migrations left out

    @property
    def address(self) -> str:
        return said(NodeAddress(self.host, self.port))

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    def describe(self) -> str:
        return said(RedisMaster(self.id, self.host, self.port, self.slots, self.flags))


def parse_cluster_nodes(text: str) -> list[RedisNode]:
    """CLUSTER NODES' answer: `id ip:port@cport[,hostname] flags master ping pong epoch link slot...`."""
    nodes = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 8 or not _NODE_ID.fullmatch(parts[0]):
            continue
        addr, _, hostname = parts[1].partition(",")
        hostport = addr.split("@", 1)[0]
        host, _, port = hostport.rpartition(":")
        nodes.append(RedisNode(parts[0], host or hostname, int(port) if port.isdigit() else 0,
                               tuple(parts[2].split(",")), parts[3],
                               tuple(s for s in parts[8:] if not s.startswith("["))))
    return nodes


@frozen
class RedisShard:
    """A master to save, and how: exec into its own pod (`direct`), or from `pod` by its address."""

    node: RedisNode
    pod: str
    container: str
    direct: bool
    problem: str = ""  # why it cannot be saved ('' when it can)


@frozen
class RedisLayout:
    cluster: bool
    pod: PodChoice  # the pod that answered (for a single server: the one to save)
    shards: tuple[RedisShard, ...] = ()
    nodes_text: str = ""


class _RedisCli:
    def __init__(self, ex: _Exec, password: str | None):
        self.ex, self.password = ex, password

    @property
    def stdin(self) -> str:
        return (self.password or "") + "\n"

    def run(self, script: str, *args: str, timeout: float = PROBE_TIMEOUT) -> str:
        """stdout of the script; a connection or authentication failure is a HubError saying which."""
        proc = self.ex.run(["sh", "-c", script, "redis-cli", *args], stdin=self.stdin, timeout=timeout)
        out, err = proc.stdout.strip(), proc.stderr.strip()
        noauth = out.startswith(("NOAUTH", "WRONGPASS", "NOPERM")) or "AUTH failed" in err
        if proc.returncode != 0 or noauth:
            line = next((x for x in (err.splitlines() + out.splitlines()) if x.strip()), "")
            raise HubError(RedisCliFailed(self.ex.pod, line.strip(), proc.returncode))
        return proc.stdout

    def cli(self, *args: str, timeout: float = PROBE_TIMEOUT) -> str:
        return self.run(_CLI, *args, timeout=timeout).strip()

    def rdb(self, path: Path, *address: str) -> None:
        self.ex.to_file(["sh", "-c", _CLI, "redis-cli", *address, "--rdb", "-"], path, stdin=self.stdin)


def _ready_pods(conn: KubeConnection, namespace: str, store: str) -> list[PodChoice]:
    """Every ready pod of the store (by label, else by name prefix, as find_pod chooses), ordinal order."""
    from ...kube.client import describe_api_error
    from ...kube.pods import PodLook, list_pods

    t = TARGETS[store]
    try:
        pods = list_pods(conn, namespace)
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, ListingStorePods(t.title, namespace)) from None

    def ordinal(p: PodLook) -> tuple[int, str]:
        m = re.search(r"-(\d+)$", p.name)
        return (int(m.group(1)) if m else 1_000_000, p.name)

    matched = [p for p in pods if matches_store(p, t)[0]] or [p for p in pods if matches_store(p, t)[1]]
    return [PodChoice(p.name, choose_container(p, t), p.phase, True)
            for p in sorted((p for p in matched if p.ready and not p.deleting), key=ordinal)]


def redis_layout(conn: KubeConnection, settings: Settings, namespace: str) -> RedisLayout:
    """How the namespace's Redis is saved: a single server (one RDB from its pod), or a cluster: each master
    that holds slots (from CLUSTER NODES), saved through exec into the pod that is that node (matched by
    CLUSTER MYID), or else from the pod that answered, by the master's address. Read-only: INFO, CLUSTER
    NODES, CLUSTER MYID and PING. Raises HubError when no Redis pod answers."""
    password, _warning = read_secret(conn, namespace, SECRET, "REDIS_PASSWORD")
    pods = _ready_pods(conn, namespace, "redis")
    if not pods:
        pods = [find_pod(conn, namespace, TARGETS["redis"])]  # raises, saying what the namespace has
    clis = {p.name: _RedisCli(_Exec(conn, settings, namespace, p.name, p.container), password) for p in pods}
    errors: list[object] = []  # an error, or a fact, for each pod that did not answer
    for pod in pods:
        try:
            out = clis[pod.name].run(_PROBE)
        except HubError as e:
            errors.append(e)
            continue
        info, _, nodes_text = out.partition("@@hubtui@@")
        if "cluster_enabled:" not in info:
            errors.append(RedisNoInfo(pod.name, (info.strip().splitlines() or [""])[0]))
            continue
        if "cluster_enabled:1" not in info:
            return RedisLayout(False, pod)
        return _cluster_layout(pods, pod, clis, nodes_text.strip())
    raise HubError(NoRedisAnswers(tuple(errors)))


def _cluster_layout(pods: list[PodChoice], asked: PodChoice, clis: dict, nodes_text: str) -> RedisLayout:
    nodes = parse_cluster_nodes(nodes_text)
    if not nodes:
        raise HubError(NoClusterNodes(asked.name, (nodes_text.splitlines() or [""])[0]))
    by_id = {n.id: asked for n in nodes if "myself" in n.flags}

    def myid(pod: PodChoice) -> tuple[PodChoice, str]:
        try:
            return pod, clis[pod.name].cli("CLUSTER", "MYID")
        except HubError:
            return pod, ""  # its node, if it is a master, is reached by address

    others = [p for p in pods if p.name != asked.name]
    silent = []
    if others:
        with ThreadPoolExecutor(max_workers=min(8, len(others))) as pool:
            for pod, node_id in pool.map(myid, others):
                if _NODE_ID.fullmatch(node_id):
                    by_id.setdefault(node_id, pod)
                else:
                    silent.append(pod.name)
    shards = []
    for node in nodes:
        if not node.is_master or not node.slots:
            continue  # replicas hold their master's data; a master without slots holds nothing
        master_pod = by_id.get(node.id)
        if master_pod is not None:
            shards.append(RedisShard(node, master_pod.name, master_pod.container, True))
            continue
        problem = ""
        if not node.host:
            problem = said(MasterNoAddress(tuple(silent)))
        else:
            try:
                pong = clis[asked.name].cli("-h", node.host, "-p", str(node.port), "PING")
                if pong != "PONG":
                    problem = said(MasterAnswersOddly(tuple(silent), asked.name, pong))
            except HubError as e:
                problem = said(MasterSilent(tuple(silent), asked.name, e))
        shards.append(RedisShard(node, asked.name, asked.container, False, problem))
    shards.sort(key=lambda s: int(re.split(r"\D", s.node.slots[0])[0]))  # in slot order
    if not shards:
        raise HubError(NoMasterWithSlots(asked.name))
    return RedisLayout(True, asked, tuple(shards), nodes_text)


def _redis(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> list[tuple[str, Path, str]]:
    layout = redis_layout(conn, settings, namespace)
    password, _warning = read_secret(conn, namespace, SECRET, "REDIS_PASSWORD")
    if not layout.cluster:  # one server: from the pod that answered (find_pod's choice when it does)
        if layout.pod.name != ex.pod:
            ex = _Exec(conn, settings, namespace, layout.pod.name, layout.pod.container)
        path = folder / "redis.rdb.partial"
        _RedisCli(ex, password).rdb(path)
        note = _verify_rdb(path)
        return [("redis", _keep(path), note)]
    stuck = [s for s in layout.shards if s.problem]
    if stuck:  # before saving any: a cluster saved in part is not a backup
        raise HubError(ShardsStuck(tuple(ShardStuck(s.node.describe(), s.problem) for s in stuck)))
    nodes = folder / "redis-cluster-nodes.txt"
    nodes.write_text(layout.nodes_text + "\n")  # which file holds which slots

    def save(shard: RedisShard) -> tuple[str, Path, str] | ShardNotSaved:
        where = shard.pod if shard.direct else f"{shard.node.host}-{shard.node.port}"
        path = folder / f"redis-{where}.rdb.partial"
        cli = _RedisCli(_Exec(conn, settings, namespace, shard.pod, shard.container), password)
        address = () if shard.direct else ("-h", shard.node.host, "-p", str(shard.node.port))
        try:
            cli.rdb(path, *address)
            note = _verify_rdb(path)
        except (HubError, OSError, subprocess.TimeoutExpired) as e:
            return ShardNotSaved(shard.node.describe(), shard.pod, e)
        return (f"redis/{where}", _keep(path), said(MasterSaved(shard.node.id, shard.node.slots, shard.pod,
                                                                shard.direct, shard.node.host, shard.node.port, note)))

    # The masters in parallel: each waits for its own fork and transfer (and its diskless-sync delay).
    with ThreadPoolExecutor(max_workers=min(4, len(layout.shards))) as pool:
        outcomes = list(pool.map(save, layout.shards))
    failed = [o for o in outcomes if isinstance(o, ShardNotSaved)]
    if failed:  # the verified ones are kept, under their real names
        raise HubError(ShardsNotSaved(tuple(failed)))
    saved = [o for o in outcomes if not isinstance(o, ShardNotSaved)]  # every one of them, none having failed
    return [*saved, ("redis/nodes", nodes, said(ClusterNodesSaved(len(layout.shards))))]


def _verify_rdb(path: Path) -> str:
    """The RDB checked as a file, never read into memory (a cache of many GiB): its header and end marker by
    seeking, then, where Redis's own checker is installed, every record and the checksum by redis-check-rdb
    (which streams it)."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        head = f.read(9)
        f.seek(max(0, size - 49))
        tail = f.read(49)
        # A diskless transfer ends with its 40-character EOF mark after the RDB itself: drop it.
        if size > 49 and tail[0] == 0xFF and all(c in b"0123456789abcdef" for c in tail[-40:]):
            size -= 40
            f.truncate(size)
            f.seek(max(0, size - 9))
            tail = f.read(9)
    # REDIS + version ... 0xFF (end of file) + 8-byte checksum: a cut-off transfer fails the end check.
    if not head.startswith(b"REDIS") or size < 18 or tail[-9] != 0xFF:
        raise HubError(RdbIncomplete())
    checked = False
    checker = shutil.which("redis-check-rdb")
    if checker:
        proc = _run([checker, str(path)], capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
            raise HubError(RdbRefused(lines[-1] if lines else ""))
        checked = True
    return said(RdbVerified(head[5:9].decode(errors="replace"), size, checked))


# ----- Kafka (best effort) --------------------------------------------------------------------------

def _kafka_tool(ex: _Exec) -> str:
    """The topics tool on the Kafka pod's PATH; _NotSaved (with the reason the plan gives too) without one."""
    probe = " || ".join(f"command -v {t}" for t in KAFKA_TOOLS)
    proc = ex.run(["sh", "-c", f"{probe} || true"], timeout=PROBE_TIMEOUT)
    if proc.returncode != 0:
        raise HubError(ExecFailed(ex.pod, (proc.stderr.strip().splitlines() or [""])[-1]))
    found = proc.stdout.strip().splitlines()
    if not found:
        raise _NotSaved(NoKafkaTool(ex.pod, KAFKA_TOOLS))
    return next(t for t in KAFKA_TOOLS if found[0].rsplit("/", 1)[-1] == t)


def _kafka(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> list[tuple[str, Path, str]]:
    tool = _kafka_tool(ex)
    path = folder / "kafka-topics.txt.partial"
    ex.to_file(["sh", "-c", f"{tool} --bootstrap-server localhost:9092 --describe"], path, timeout=120)
    return [("kafka", _keep(path), said(KafkaTopicsSaved()))]


# ----- the plan's look ahead ------------------------------------------------------------------------

def backup_risks(conn: KubeConnection, settings: Settings, namespace: str) -> list[Risk]:
    """What the backup step will not save, as the plan's risk lines: a store that exists but cannot be
    reached (the backup will stop the cleanup), a Redis cluster master that cannot be saved, a store that is
    absent, Kafka topics that cannot be listed. Read-only and quick: pod lists, the secret, and exec of
    INFO / CLUSTER NODES / CLUSTER MYID / PING into Redis and `command -v` into Kafka, in parallel."""
    def check(store: str) -> list[Risk]:
        title = TARGETS[store].title
        try:
            try:
                pod = find_pod(conn, namespace, TARGETS[store])
            except HubError as e:
                if store != "kafka" and _store_exists(conn, namespace, store):
                    return [BackupWillStop(title, str(e))]
                return [StoreAbsent(title, namespace)]
            others: list[Risk] = [OtherInstanceUnsaved(title, name, pod.name)
                                  for name in _other_instances(conn, namespace, store, pod.name)]
            if store == "redis":
                layout = redis_layout(conn, settings, namespace)
                return others + [ShardUnsaved(s.node.describe(), s.problem) for s in layout.shards if s.problem]
            if store == "kafka":
                try:
                    _kafka_tool(_Exec(conn, settings, namespace, pod.name, pod.container))
                except _NotSaved:
                    return others + [KafkaToolMissing(pod.name, KAFKA_TOOLS)]
            if store == "timescaledb":  # every database is saved; the roles need a superuser to be read
                ex = _Exec(conn, settings, namespace, pod.name, pod.container)
                superuser = ex.text(["psql", "-U", settings.db_user, "-d", settings.db_name, "-tAc",
                                     "select rolsuper from pg_roles where rolname = current_user"],
                                    timeout=PROBE_TIMEOUT).strip()
                if superuser != "t":
                    others.append(RolesUnsaved(settings.db_user))
            return others
        except HubError as e:
            if store == "kafka":
                return [KafkaUnchecked(str(e))]
            return [BackupWillStop(title, str(e))]

    with ThreadPoolExecutor(max_workers=3) as pool:
        return [risk for risks in pool.map(check, ("timescaledb", "redis", "kafka")) for risk in risks]


def unsaved_volumes(statefulsets, pvcs) -> list[str]:
    """The statefulsets of the main namespace that hold volumes the backup does not save (not TimescaleDB,
    Redis or Kafka by name): their data goes with the namespace."""
    if not pvcs:
        return []
    stores = [n for t in TARGETS.values() for n in t.names]
    return [name for name, _ in statefulsets
            if not any(name == s or name.startswith(s + "-") for s in stores)]
