"""What went wrong in a cloud teardown, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.cloud_failures words it (what an operator reads lives in present/)."""

from __future__ import annotations

from ..frozen import frozen  # noqa: F401
