"""The cleanup's backup step: TimescaleDB (pg_dump -Fc, verified with pg_restore --list), Redis (an RDB
snapshot, verified by its magic), Kafka (topics and their configs, best effort).

Everything runs through `kubectl exec` into the pods and streams to files under the state folder. A store
that holds data and cannot be saved and verified stops the cleanup before anything is deleted; what was
saved is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ...errors import HubError
from ...kube.client import KubeConnection
from ...settings import Settings
from ..connect import TARGETS, find_pod, kubectl_path, read_secret
from ..events import Emit, LogLine, StepDone, StepFailed, StepStarted, ignore


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run in a session of its own: the operator's first Ctrl-C asks the cleanup to stop after
    this step, and must not kill a dump half-way through."""
    return subprocess.run(args, start_new_session=True, **kwargs)


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)  # store -> file
    notes: dict[str, str] = field(default_factory=dict)  # store -> what was verified, or why best effort failed


class _Exec:
    """`kubectl exec` into one pod with the operator's kubeconfig and context; stdin carries any secret."""

    def __init__(self, conn: KubeConnection, settings: Settings, namespace: str, pod: str, container: str):
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
            raise HubError(f"`{' '.join(command[:2])}` in the pod failed (exit {proc.returncode}): "
                           f"{err.splitlines()[-1] if err else 'no message'}")
        return err

    def text(self, command: list[str], timeout: float = 120) -> str:
        proc = _run(self.argv + command, env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise HubError(f"`{' '.join(command[:2])}` in the pod failed: "
                           f"{(proc.stderr.strip().splitlines() or ['no message'])[-1]}")
        return proc.stdout


def backup(conn: KubeConnection, settings: Settings, namespace: str, environment: str, *,
           emit: Emit = ignore) -> BackupResult:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(settings.state_dir) / "backups" / environment / stamp
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = BackupResult(folder)
    emit(StepStarted("backup", str(folder)))

    def fail(store: str, reason: object) -> HubError:
        emit(StepFailed("backup", f"{TARGETS[store].title}: {reason}"))
        return HubError(f"backup of {TARGETS[store].title} failed: {reason}; nothing was deleted "
                        f"(what was saved is in {folder})")

    for store, fn, required in (("timescaledb", _timescaledb, True), ("redis", _redis, True),
                                ("kafka", _kafka, False)):
        try:
            pod = find_pod(conn, namespace, TARGETS[store])
        except HubError as e:
            if required and _store_exists(conn, namespace, store):
                # It exists but cannot be reached (not ready, scaled down, API refused): its data would be lost.
                raise fail(store, e) from None
            emit(LogLine(f"backup: no {TARGETS[store].title} in {namespace}: nothing of it to save", "warning"))
            result.notes[store] = f"skipped: {e}"
            continue
        try:
            path, note = fn(_Exec(conn, settings, namespace, pod.name, pod.container), conn, settings, namespace,
                            folder)
        except (HubError, OSError, subprocess.TimeoutExpired) as e:
            if required:
                raise fail(store, e) from None
            emit(LogLine(f"backup: {TARGETS[store].title} (best effort) failed: {e}", "warning"))
            result.notes[store] = f"best effort, failed: {e}"
            continue
        final = path.with_name(path.name.removesuffix(".partial"))
        path.rename(final)  # only a verified file gets its real name
        result.files[store] = final
        result.notes[store] = note
        emit(LogLine(f"backup: {TARGETS[store].title} saved to {final.name} ({note})"))
    emit(StepDone("backup", f"{len(result.files)} file(s) in {folder}"))
    return result


def _store_exists(conn: KubeConnection, namespace: str, store: str) -> bool:
    """Whether the namespace has a StatefulSet or a volume claim that belongs to the store."""
    from kubernetes import client

    from ...kube.client import REQUEST_TIMEOUT, describe_api_error

    names = TARGETS[store].names
    try:
        sets = client.AppsV1Api(conn.api).list_namespaced_stateful_set(namespace, _request_timeout=REQUEST_TIMEOUT)
        pvcs = client.CoreV1Api(conn.api).list_namespaced_persistent_volume_claim(
            namespace, _request_timeout=REQUEST_TIMEOUT)
    except Exception as e:  # noqa: BLE001 - unknown means: assume it exists, and fail safe
        raise describe_api_error(e, f"checking for {TARGETS[store].title} in {namespace}") from None
    owned = [o.metadata.name for o in sets.items] + [p.metadata.name for p in pvcs.items]
    return any(n == name or n.startswith(name + "-") or f"-{name}-" in n for n in owned for name in names)


def _timescaledb(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    user, db = settings.db_user, settings.db_name
    query = ("select schemaname || '.' || tablename from pg_tables where schemaname not in "
             "('pg_catalog', 'information_schema') and schemaname not like '\\_timescaledb%'")
    tables = sorted(ex.text(["psql", "-U", user, "-d", db, "-tAc", query]).split())
    path = folder / f"timescaledb-{db}.dump.partial"
    ex.to_file(["pg_dump", "-Fc", "-U", user, "-d", db], path)
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise HubError("pg_restore is not installed here, so the dump cannot be verified "
                       "(install postgresql-client)")
    listing = _run([pg_restore, "--list", str(path)], capture_output=True, text=True, timeout=300)
    if listing.returncode != 0:
        raise HubError(f"the dump does not read back: {listing.stderr.strip().splitlines()[-1:]}")
    entries = set()
    for line in listing.stdout.splitlines():
        if line.startswith(";") or "; " not in line:
            continue
        parts = line.split("; ", 1)[1].split()
        if len(parts) >= 6:  # oid oid TYPE... schema name owner
            entries.add((" ".join(parts[2:-3]), f"{parts[-3]}.{parts[-2]}"))
    missing = [t for t in tables if ("TABLE", t) not in entries or ("TABLE DATA", t) not in entries]
    if missing:
        raise HubError(f"the dump lacks tables or their data: {', '.join(missing)}")
    # Read every data block, not only the table of contents: a dump cut short fails here.
    full = _run([pg_restore, "-f", os.devnull, str(path)], capture_output=True, text=True, timeout=1800)
    if full.returncode != 0:
        raise HubError(f"the dump does not restore: {(full.stderr.strip().splitlines() or ['?'])[-1]}")
    return path, f"verified with pg_restore: {len(tables)} tables with their data"


def _redis(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    password, _warning = read_secret(conn, namespace, "analytics-hub-secrets", "REDIS_PASSWORD")
    path = folder / "redis.rdb.partial"
    if password is not None:
        # The password goes in on stdin: never on a command line.
        ex.to_file(["sh", "-c", "IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; exec redis-cli --rdb -"], path,
                   stdin=password + "\n")
    else:
        ex.to_file(["redis-cli", "--rdb", "-"], path)
    data = path.read_bytes()
    # A diskless transfer ends with its 40-character EOF mark after the RDB itself: drop it.
    tail = data[-40:]
    if len(data) > 49 and data[-49] == 0xFF and all(c in b"0123456789abcdef" for c in tail):
        data = data[:-40]
        path.write_bytes(data)
    # REDIS + version ... 0xFF (end of file) + 8-byte checksum: a cut-off transfer fails the end check.
    if not data.startswith(b"REDIS") or len(data) < 18 or data[-9] != 0xFF:
        raise HubError("the RDB snapshot is not complete (no REDIS header or no end marker)")
    return path, f"RDB version {data[5:9].decode(errors='replace')}, {len(data)} bytes, complete"


def _kafka(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    path = folder / "kafka-topics.txt.partial"
    ex.to_file(["sh", "-c", "kafka-topics.sh --bootstrap-server localhost:9092 --describe"], path, timeout=120)
    return path, "topics and their configs"
