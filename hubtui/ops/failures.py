"""What went wrong in scaling, connecting and the fleet, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.ops_failures words it (what an operator reads lives in present/)."""

from __future__ import annotations

from ..frozen import frozen  # noqa: F401
