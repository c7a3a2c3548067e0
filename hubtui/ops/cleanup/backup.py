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
        """Stream the command's stdout into path; return its stderr (raise HubError on failure)."""
        with open(path, "wb") as out:
            proc = subprocess.run(self.argv + command, env=self.env, input=stdin.encode() if stdin else None,
                                  stdout=out, stderr=subprocess.PIPE, timeout=timeout)
        err = proc.stderr.decode(errors="replace").strip()
        if proc.returncode != 0:
            if path.stat().st_size == 0:
                path.unlink()  # nothing was saved: leave no empty file behind
            raise HubError(f"`{' '.join(command[:2])}` in the pod failed (exit {proc.returncode}): "
                           f"{err.splitlines()[-1] if err else 'no message'}")
        return err

    def text(self, command: list[str], timeout: float = 120) -> str:
        proc = subprocess.run(self.argv + command, env=self.env, capture_output=True, text=True, timeout=timeout)
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
    for store, fn, required in (("timescaledb", _timescaledb, True), ("redis", _redis, True),
                                ("kafka", _kafka, False)):
        try:
            pod = find_pod(conn, namespace, TARGETS[store])
        except HubError as e:
            # No such store in this namespace: nothing of it to lose.
            emit(LogLine(f"backup: no {TARGETS[store].title} to save ({e})", "warning"))
            result.notes[store] = f"skipped: {e}"
            continue
        try:
            path, note = fn(_Exec(conn, settings, namespace, pod.name, pod.container), conn, settings, namespace,
                            folder)
        except (HubError, OSError, subprocess.TimeoutExpired) as e:
            if required:
                emit(StepFailed("backup", f"{TARGETS[store].title}: {e}"))
                raise HubError(f"backup of {TARGETS[store].title} failed: {e}; nothing was deleted "
                               f"(what was saved is in {folder})") from None
            emit(LogLine(f"backup: {TARGETS[store].title} (best effort) failed: {e}", "warning"))
            result.notes[store] = f"best effort, failed: {e}"
            continue
        result.files[store] = path
        result.notes[store] = note
        emit(LogLine(f"backup: {TARGETS[store].title} saved to {path.name} ({note})"))
    emit(StepDone("backup", f"{len(result.files)} file(s) in {folder}"))
    return result


def _timescaledb(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    user, db = settings.db_user, settings.db_name
    tables = sorted(t for t in ex.text(["psql", "-U", user, "-d", db, "-tAc",
                                        "select tablename from pg_tables where schemaname = 'public'"]).split())
    path = folder / f"timescaledb-{db}.dump"
    ex.to_file(["pg_dump", "-Fc", "-U", user, "-d", db], path)
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise HubError("pg_restore is not installed here, so the dump cannot be verified "
                       "(install postgresql-client)")
    listing = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True, timeout=300)
    if listing.returncode != 0:
        raise HubError(f"the dump does not read back: {listing.stderr.strip().splitlines()[-1:]}")
    listed = {line.split()[-2] for line in listing.stdout.splitlines() if " TABLE " in line and "TABLE DATA" not in line}
    missing = [t for t in tables if t not in listed]
    if missing:
        raise HubError(f"the dump lacks tables {', '.join(missing)}")
    return path, f"verified with pg_restore --list: {len(tables)} tables"


def _redis(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    password, _warning = read_secret(conn, namespace, "analytics-hub-secrets", "REDIS_PASSWORD")
    path = folder / "redis.rdb"
    if password is not None:
        # The password goes in on stdin: never on a command line.
        ex.to_file(["sh", "-c", "IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; exec redis-cli --rdb -"], path,
                   stdin=password + "\n")
    else:
        ex.to_file(["redis-cli", "--rdb", "-"], path)
    with open(path, "rb") as f:
        head = f.read(9)
    if not head.startswith(b"REDIS") or path.stat().st_size <= 9:
        raise HubError("the RDB snapshot is not valid (no REDIS header)")
    return path, f"RDB version {head[5:9].decode(errors='replace')}, {path.stat().st_size} bytes"


def _kafka(ex: _Exec, conn, settings: Settings, namespace: str, folder: Path) -> tuple[Path, str]:
    path = folder / "kafka-topics.txt"
    ex.to_file(["sh", "-c", "kafka-topics.sh --bootstrap-server localhost:9092 --describe"], path, timeout=120)
    return path, "topics and their configs"
