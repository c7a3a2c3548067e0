"""Append-only JSON-lines record of every change hubtui makes to a cluster or a cloud."""

from __future__ import annotations

import getpass
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

_lock = threading.Lock()


class AuditLog:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "audit.jsonl"

    def check(self) -> None:
        """Raise OSError now if entries could not be appended."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))

    def record(self, action: str, **fields) -> None:
        """Append one entry: when, who, what. Never pass a secret in fields."""
        entry = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                 "user": _user(), "action": action, **fields}
        line = json.dumps(entry, sort_keys=False, default=str) + "\n"
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)

    def entries(self) -> list[dict]:
        try:
            return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        except FileNotFoundError:
            return []


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return str(os.getuid())
