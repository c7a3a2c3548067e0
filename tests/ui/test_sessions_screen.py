"""The recordings screen, asserted on the rendered screen: the recordings listed newest first, reached with
`s` from the connect screen and left with Esc; a playback where the terminal cannot be handed over says so."""

from __future__ import annotations

import json

from hubtui.settings import Settings
from hubtui.ui.app import HubApp

from .fakes import FakeBackend
from .helpers import screen_text, until


def cast(folder, name: str, context: str, store: str, events: list) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"version": 2, "width": 80, "height": 24, "timestamp": 1764687600, "title": store,
                         "hubtui": {"context": context, "store": store}})]
    lines += [json.dumps(e) for e in events]
    (folder / name).write_text("\n".join(lines) + "\n")


async def test_the_recordings_are_listed_and_reached_from_the_connect_screen(tmp_path):
    state = tmp_path / "state"
    folder = state / "hubtui" / "recordings"
    cast(folder, "20261202T100000000000Z-prod-eu-timescaledb.cast", "prod-eu", "timescaledb",
         [[0.1, "o", "llm_analytics=# "], [4.0, "o", "bye\r\n"]])
    cast(folder, "20261202T110000000000Z-prod-eu-redis.cast", "prod-eu", "redis",
         [[0.2, "o", "PONG\r\n"], [0.3, "i", "PING\r"]])
    settings = Settings.from_env({"XDG_STATE_HOME": str(state), "HOME": str(tmp_path)})
    app = HubApp(settings, backend=FakeBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: "Recordings" in screen_text(app), what="the connect screen's key")
        await pilot.press("s")
        await until(pilot, lambda: "2 recordings" in screen_text(app) and " redis " in screen_text(app)
                    and " timescaledb " in screen_text(app), what="the recordings, both rows drawn")
        lines = screen_text(app).splitlines()
        redis = next(i for i, line in enumerate(lines) if " redis " in line)
        timescale = next(i for i, line in enumerate(lines) if " timescaledb " in line)
        assert redis < timescale  # newest first
        assert "kept" in lines[redis] and "4 s" in lines[timescale] and "2 recordings" in screen_text(app)
        await pilot.press("enter")  # a test's terminal cannot be handed over: said, and the screen stays
        await until(pilot, lambda: "cannot play it here" in screen_text(app) or "played back" in screen_text(app),
                    what="the playback's outcome")
        await pilot.press("escape")
        await until(pilot, lambda: "Connect" in screen_text(app) and "session recordings" not in screen_text(app),
                    what="back on the connect screen")
