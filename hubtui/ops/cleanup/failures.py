"""What went wrong in a cleanup's steps (backup, drain, deletions, its lock and journal), as data:
hubtui.errors.HubError holds one of these, and hubtui.present.cleanup_failures words it (what an operator reads
lives in present/). Why the conversation stops before anything changed is ops/cleanup/refusals.py."""

from __future__ import annotations

from ...frozen import frozen  # noqa: F401
