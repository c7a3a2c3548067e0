"""hubtui's app on in-memory rows in the terminal it is started in (its own driver, HubDriver), recording what
it writes to the terminal: `python -m tests.ui.terminal_app RECORD ROWS [--toast]`.

At its end RECORD holds every write, in order, as JSON: ["ahead", text] for the lines a widget drew ahead of
the frame (HubDriver.write_ahead), ["frame", text] for anything else (Textual's frames, the terminal's modes).
- `--toast`: a notification over the table's first rows, half a second after the start, until it is clicked;
- `--no-ahead`: nothing is drawn ahead (every line waits for its frame);
- `--framed`: the table in a border, away from the screen's left edge (its lines start further in)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hubtui.ui import app as app_module
from hubtui.ui.app import HubApp
from hubtui.ui.driver import HubDriver
from tests.ui.fakes import FakeBackend, row

TOAST = "A notification over the table's rows"
FRAMED = "DeploymentsScreen #deployments { border: round $accent; margin: 0 0 0 3; }"


def main() -> None:
    record, count, options = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    writes: list[tuple[str, str]] = []
    write, write_ahead = HubDriver.write, HubDriver.write_ahead

    def recorded(self: HubDriver, data: str) -> None:
        writes.append(("frame", data))
        write(self, data)

    def recorded_ahead(self: HubDriver, data: str) -> bool:
        if "--no-ahead" in options:
            return False
        written = write_ahead(self, data)
        if written:
            writes.append(("ahead", data))
        return written

    HubDriver.write = recorded  # type: ignore[method-assign]
    HubDriver.write_ahead = recorded_ahead  # type: ignore[method-assign]

    class Recorded(HubApp):
        CSS_PATH = str(Path(app_module.__file__).parent / HubApp.CSS_PATH)  # (a relative one is this file's)
        CSS = FRAMED if "--framed" in options else ""

        def on_mount(self) -> None:
            if "--toast" in options:
                self.set_timer(0.5, lambda: self.notify(TOAST, timeout=3600))

    try:
        Recorded(backend=FakeBackend([row(f"svc-{i:04d}", 1) for i in range(count)], namespace="ahead")).run()
    finally:
        record.write_text(json.dumps(writes))


if __name__ == "__main__":
    main()
