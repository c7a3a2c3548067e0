"""The per-environment journal: every cleanup step's and every cloud resource's outcome, appended as it
happens (fsync'd), so that a run killed at any point can be resumed from its first unfinished step with the
plan it was confirmed with, without repeating a finished deletion or re-taking a good backup."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path

from ...audit import append_line
from ...errors import HubError
from .failures import JournalNotSetAside, JournalUnreadable, JournalUnwritable

JOURNAL_NAME = "journal.jsonl"


@dataclass
class JournalState:
    """What the journal says about the latest run."""

    plan_hash: str = ""
    plan_file: str = ""
    started: str = ""
    steps: dict[str, dict] = field(default_factory=dict)  # step -> its last entry (status, said, data)
    finished_resources: dict[str, str] = field(default_factory=dict)  # cloud resource id -> outcome
    result: str = ""  # "" while running or killed; completed | failed | cancelled at the end of a run

    def done(self, step: str) -> bool:
        return self.steps.get(step, {}).get("status") == "done"

    @property
    def resumable(self) -> bool:
        return bool(self.plan_hash) and self.result != "completed"

    def first_unfinished(self, order: list[str]) -> str | None:
        """Where a resume goes on: the first step not done, or the writers' stop when the backup is done but
        the drain never began (the backup is taken again then: the application may have written since)."""
        if "quiesce" in order and self.done("backup") and "drain" not in self.steps:
            return "quiesce"
        return next((s for s in order if not self.done(s)), None)


class Journal:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / JOURNAL_NAME

    def _append(self, entry: dict) -> None:
        entry = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry}
        try:
            # On a line of its own (after a line a crash cut short, a "\n" comes first: the torn line stays
            # unreadable, this entry is read), and fsync'd: a crash right after a deletion must not lose it.
            append_line(self.path, json.dumps(entry, default=str))
        except OSError as e:
            raise HubError(JournalUnwritable(str(self.path), e.strerror)) from None

    def begin(self, plan_hash: str, plan_file: str, *, resumed: bool) -> None:
        self._append({"type": "run", "plan_hash": plan_hash, "plan_file": plan_file, "resumed": resumed})

    def step(self, step: str, status: str, said: list[dict] | None = None, data: dict | None = None) -> None:
        """A step's status, what it came to (facts as data: events.named) and its data (the backup's folder)."""
        self._append({"type": "step", "step": step, "status": status, "said": said or [], "data": data or {}})

    def resource(self, resource_id: str, label: str, outcome: str, said: list[dict] | None = None) -> None:
        """A cloud resource's end: `said`, what came of it besides, as named facts (events.named)."""
        self._append({"type": "resource", "id": resource_id, "label": label, "outcome": outcome,
                      "said": said or []})

    def end(self, result: str) -> None:
        self._append({"type": "end", "result": result})

    def state(self) -> JournalState:
        """The latest run (resumed runs continue the same plan, so their entries add up)."""
        st = JournalState()
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return st
        except OSError as e:
            raise HubError(JournalUnreadable(str(self.path), e.strerror)) from None
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the step it began is simply not finished
            kind = entry.get("type")
            if kind == "run":
                # a run of another plan, or a fresh run of the same plan, starts afresh; a resumed one adds up
                if entry.get("plan_hash") != st.plan_hash or not entry.get("resumed"):
                    st = JournalState(entry["plan_hash"], entry.get("plan_file", ""), entry.get("ts", ""))
                st.result = ""
            elif kind == "step":
                st.steps[entry["step"]] = entry
            elif kind == "resource" and entry.get("outcome") in ("deleted", "gone"):
                st.finished_resources[entry["id"]] = entry["outcome"]
            elif kind == "end":
                st.result = entry.get("result", "")
        return st

    def discard(self) -> None:
        """Forget an interrupted run (the operator chose to plan again): keep it aside, never lose it."""
        if self.path.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            try:
                self.path.rename(self.folder / f"journal-abandoned-{stamp}.jsonl")
            except OSError as e:
                raise HubError(JournalNotSetAside(str(self.path), e.strerror)) from None
