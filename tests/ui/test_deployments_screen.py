"""The deployments screen: pilot tests of its keys and modals, fed from memory; snapshots; the real cluster."""

from __future__ import annotations

import dataclasses
import re

import pytest
from textual.widgets import Input

from hubtui.ui.widgets.row_table import RowTable
from hubtui.ui.app import HubApp
from hubtui.ui.screens.deployment_rows import COLUMNS
from hubtui.ui.screens.modals import Confirm, Help, NamespacePicker, NumberPrompt
from hubtui.ui.widgets.replica_slider import ReplicaSlider

from .fakes import HUB_ROWS, FakeBackend, row
from .helpers import burst, dialog_words, open_palette, opened, opened_on, palette_pick, press_for, rendered_text, screen_lines, screen_text, select, table, until

SIZE = (130, 24)


def slider(app) -> ReplicaSlider:
    return app.screen.query_one(ReplicaSlider)


async def test_the_screen_lists_every_deployment_with_its_state():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        cells = [str(c) for c in table(app).get_row("api-server")]
        assert cells == ["api-server", "3/3", "3", "3", "3", "2–10", "-", "2d", "Ready"]
        assert str(table(app).get_row("event-ingestion")[-1]) == "Scaling 1→2 · ready 1"
        assert str(table(app).get_row("forecasting")[7]) == "5m"


async def test_watch_events_update_rows_in_place():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        t = table(app)
        before = t.get_row_index("scheduler")
        backend.push(row("scheduler", 4, ready=1, replicas=2, updated=2, available=1))
        await until(pilot, lambda: str(t.get_row("scheduler")[1]) == "1/4")
        assert str(t.get_row("scheduler")[-1]) == "Scaling 2→4 · ready 1"  # target, current, ready
        backend.push(row("scheduler", 4, ready=2, replicas=4, updated=4, available=2))
        await until(pilot, lambda: str(t.get_row("scheduler")[1]) == "2/4")
        assert str(t.get_row("scheduler")[-1]) == "Not ready · 2/4"
        assert t.get_row_index("scheduler") == before and t.row_count == len(HUB_ROWS)
        backend.push(row("zeta-new", 1))
        await until(pilot, lambda: t.row_count == len(HUB_ROWS) + 1)


async def test_slider_keys_move_the_target_and_enter_applies():
    backend = FakeBackend()
    async with opened_on("worker-service", backend, size=SIZE) as (app, pilot):
        assert (slider(app).row.name, slider(app).target) == ("worker-service", 2)
        await pilot.press("right", "right", "plus")
        assert slider(app).target == 5
        await pilot.press("left", "minus")
        assert slider(app).target == 3
        await pilot.press("enter")
        await until(pilot, lambda: backend.calls, what="a scale call")
        assert backend.calls == [("scale", ("worker-service",), 3, False)]
        await until(pilot, lambda: str(table(app).get_row("worker-service")[1]) == "3/3")


async def test_digits_type_the_target_and_escape_cancels():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await pilot.press("1", "2")
        assert slider(app).target == 12
        await pilot.press("escape")
        assert slider(app).target == 3
        await pilot.press("enter")  # nothing to apply at the current count
        await pilot.pause()
        assert backend.calls == []


async def test_the_slider_warns_before_enter_when_the_target_is_outside_the_hpa_range():
    """api-server has an HPA of 2-10: a target of 12 says, before Enter, that the HPA will set it back."""
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        slider = app.screen.query_one("ReplicaSlider")
        await pilot.press(*"12")  # typed as one burst
        await until(pilot, lambda: "outside its HPA's 2–10: the HPA will set it back" in rendered_text(slider),
                    what="the HPA warning")
        await pilot.press("escape")
        await pilot.press(*"5")
        await until(pilot, lambda: "Enter apply · Esc cancel" in rendered_text(slider), what="the plain hint")
        assert "HPA" not in rendered_text(slider)


async def test_the_slider_never_goes_below_zero():
    async with opened_on("scheduler", FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.press("left", "left", "left")
        assert slider(app).target == 0


async def test_scale_all_asks_for_a_number_and_refuses_bad_input():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await pilot.press("a")
        # the prompt, and its buttons (a loaded machine once showed the screen before its children were composed)
        await until(pilot, lambda: isinstance(app.screen, NumberPrompt) and app.screen.query("#ok"))
        ok = app.screen.query_one("#ok")
        await pilot.press("-", "1")
        assert ok.disabled and "cannot be negative" in str(app.screen.query_one("#problem").render())
        app.screen.query_one(Input).value = ""
        await pilot.press("4")
        await pilot.pause()
        assert not ok.disabled
        await pilot.press("enter")
        await until(pilot, lambda: backend.calls, what="scale_all")
        assert backend.calls == [("scale_all", 4, False)]


async def test_keys_typed_after_a_dialog_key_in_one_burst_go_into_the_dialog():
    """`a`, `4`, Enter sent at once (a fast typist, a paste): the 4 goes into the prompt `a` opened, not to the
    screen under it, and Enter applies 4. Before, the 4 reached the deployments screen and Enter the empty
    prompt."""
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        burst(app, "a", "4", "enter")
        # every row at 4 on screen, the prompt gone: the 4 was neither a count for the row under the cursor nor
        # left out of the prompt
        await until(pilot, lambda: len(re.findall(r" 4/4 ", screen_text(app))) == 8
                    and "Scale all 8 deployments" not in screen_text(app), what="every row at 4")
        assert backend.calls == [("scale_all", 4, False)]


async def test_keys_typed_after_esc_in_one_burst_do_not_act_on_the_screen_uncovered():
    """`?`, Esc, `a` at once: the `a` was typed while the help was on screen, not the deployments: it is dropped,
    not taken as "scale all" on a screen the operator had not seen again."""
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        burst(app, "question_mark", "escape", "a")
        for _ in range(10):  # the help opened and closed (a key typed meanwhile would be dropped as well)
            await pilot.pause(0.05)
        await press_for(pilot, app, "question_mark", Help)  # typed after: every key before it is handled
        assert "Scale all 8 deployments" not in screen_text(app) and backend.calls == []


async def test_ctrl_q_typed_with_a_key_that_opens_a_guarded_dialog_quits_at_once():
    """`z` (maintenance: its dialog takes no key typed before it was drawn) and Ctrl-Q at once: Ctrl-Q quits; it
    never waits behind `z` for its dialog, nor is set aside with the keys typed ahead of it."""
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        burst(app, "z", "ctrl+q")
        await until(pilot, lambda: not app.is_running or app.return_code is not None, what="the exit")


async def test_ctrl_q_behind_keys_set_aside_for_a_guarded_dialog_still_quits():
    """`z`, Tab and Ctrl-Q at once: Tab waits for `z` and its dialog takes no key typed before it was drawn, but
    Ctrl-Q neither waits behind Tab nor is set aside with it."""
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        burst(app, "z", "tab", "ctrl+q")
        await until(pilot, lambda: not app.is_running or app.return_code is not None, what="the exit")


async def test_scale_all_to_zero_asks_for_confirmation_and_no_cancels():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await pilot.press("a", "0", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm), what="confirmation")
        assert "All 8 deployments in namespace llm-analytics-hub" in str(
            app.screen.query_one(".dialog-body").render())
        await pilot.press("enter")  # the focused button is No
        await pilot.pause()
        assert backend.calls == []
        await pilot.press("a", "0", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: backend.calls)
        assert backend.calls == [("scale_all", 0, False)]


async def test_maintenance_then_restore():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await press_for(pilot, app, "z", Confirm)
        await pilot.press("y")
        await until(pilot, lambda: str(table(app).get_row("api-server")[6]) == "3", what="saved count")
        assert str(table(app).get_row("api-server")[1]) == "0/0"
        await until(pilot, lambda: not app.screen.busy)
        await press_for(pilot, app, "r", Confirm)
        assert "api-server: 0 → 3" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("y")
        await until(pilot, lambda: str(table(app).get_row("api-server")[1]) == "3/3", what="restored")
        assert backend.calls == [("scale_all", 0, False), ("restore", False, False)]


async def test_an_action_result_stays_through_watch_updates_and_is_kept_in_the_history():
    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await pilot.press("3", "enter")
        await until(pilot, lambda: "scale scheduler" in str(app.screen.query_one("#message").render())
                    and not app.screen.busy, what="the result")
        result = str(app.screen.query_one("#message").render())
        assert "1 change applied" in result
        for n in range(3):  # the watch goes on; the result stays where the operator can read it
            backend.push(dataclasses.replace(backend._rows["api-server"], ready=n))
            await pilot.pause(0.1)
        assert str(app.screen.query_one("#message").render()) == result
        assert "8 deployments · watching for changes" in str(app.screen.query_one("#watch-status").render())
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, Help), what="the history")
        body = rendered_text(app.screen.query_one("#help-keys .dialog-body"))
        assert backend.now().astimezone().strftime("%H:%M:%S") in body and "1 change applied" in body


async def test_ages_tick_on_the_rows_on_screen_without_rebuilding_the_table():
    import datetime as dt

    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count > 0, what="rows")
        age = [key for key, _ in COLUMNS].index("age")
        assert str(table(app).get_row("scheduler")[age]) == "1h"
        rebuilt = []
        app.screen.rebuild_table = lambda *a: rebuilt.append(a)
        later = backend.now() + dt.timedelta(hours=2)
        backend.now = lambda: later
        await until(pilot, lambda: str(table(app).get_row("scheduler")[age]) == "3h", tries=200, what="the tick")
        assert not rebuilt


async def test_a_bad_recorded_count_shows_as_invalid_and_restore_names_it():
    import dataclasses

    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        problem = "hubtui.io/original-replicas is '²', not a whole number from 0 to 1000"
        backend.push(dataclasses.replace(backend._rows["scheduler"], desired=0, original_problem=problem))
        await until(pilot, lambda: str(table(app).get_row("scheduler")[6]) == "invalid", what="invalid record")
        await press_for(pilot, app, "r", Confirm)
        body = str(app.screen.query_one(".dialog-body").render())
        assert f"Left alone:\n  scheduler: cannot restore: {problem}; left at 0." in body


async def test_restore_says_what_it_restores_what_is_already_there_and_what_it_leaves_alone():
    """After maintenance an HPA put api-server back to its recorded 3: it counts as restored (its record is
    cleared), listed apart from what is scaled back and from what is left alone (changed since)."""
    import dataclasses

    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        rows = backend._rows
        backend.push(dataclasses.replace(rows["api-server"], desired=3, original_replicas=3))
        backend.push(dataclasses.replace(rows["scheduler"], desired=0, original_replicas=1))
        backend.push(dataclasses.replace(rows["forecasting"], desired=2, original_replicas=1))
        await until(pilot, lambda: str(table(app).get_row("forecasting")[1]).endswith("/2"), what="the rows")
        await press_for(pilot, app, "r", Confirm)
        body = str(app.screen.query_one(".dialog-body").render())
        assert "Restored:\n  scheduler: 0 → 1" in body
        assert "Already at their recorded count (the record is cleared):\n  api-server: 3" in body
        assert ("Left alone:\n  forecasting was changed since maintenance (now 2, recorded 1): restore with force "
                "to set it to 1") in body
        assert "api-server: 3 → 3" not in body


async def test_dry_run_and_wait_toggles_show_in_the_header_and_reach_the_engine():
    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await pilot.press("d", "w")
        modes = str(app.screen.query_one("#modes").render())
        assert "DRY RUN" in modes and "WAIT" in modes
        await pilot.press("right", "enter")
        await until(pilot, lambda: backend.calls)
        assert backend.calls == [("scale", ("scheduler",), 2, True)]  # dry run: no wait
        await until(pilot, lambda: not app.screen.busy)
        await pilot.press("d", "right", "enter")
        await until(pilot, lambda: len(backend.calls) == 3, what="scale and wait")
        assert backend.calls[1:] == [("scale", ("scheduler",), 2, False), ("wait", ("scheduler",))]


async def test_rollback_on_failure_puts_a_change_that_is_not_ready_back_and_says_so():
    backend = FakeBackend()
    backend.not_ready = {"scheduler": "ImagePullBackOff: the image cannot be pulled"}
    app = HubApp(backend=backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, app, "scheduler")
        await pilot.press("b")  # rollback on: the wait comes on with it
        await until(pilot, lambda: "ROLLBACK" in screen_text(app) and "WAIT" in screen_text(app), what="the modes")
        assert "rollback on failure on (wait for readiness on too)" in screen_text(app)
        await pilot.press("right", "right", "enter")  # as a burst
        await until(pilot, lambda: "rolled back" in screen_text(app), what="the rollback")
        text = screen_text(app)
        assert "scale scheduler 1→3: not ready after 0s: 1 deployment rolled back" in text
        await until(pilot, lambda: "ImagePullBackOff" in screen_text(app), what="the reason, in a notification")
        assert backend.calls[-3:] == [("scale", ("scheduler",), 3, False), ("wait", ("scheduler",)),
                                      ("rollback", ("scheduler",))]
        # back at its count: the rolled-back row reaches the screen with the next frame, after the message
        await until(pilot, lambda: re.search(r"\bscheduler\s+1/1\b", screen_text(app)), what="the row at 1/1")
        await pilot.press("w")  # the wait off takes the rollback with it
        await until(pilot, lambda: "ROLLBACK" not in screen_text(app), what="the modes off")
        assert "rollback off (it needs the wait)" in screen_text(app)


async def test_an_error_after_the_change_says_the_change_stands():
    """The wait fails once the scale was made: the message says the failure and that the change was made and
    not rolled back, never only the error (which would read as 'nothing changed')."""
    backend = FakeBackend()
    backend.wait_error = "watching the pods: cannot reach the API server"
    async with opened_on("scheduler", backend, size=(160, 40)) as (app, pilot):
        burst(app, "w", "right", "right", "enter")  # the wait on, then the change, as a burst
        await until(pilot, lambda: "failed:" in screen_text(app), what="the failure")
        line = next(ln for ln in screen_lines(app) if "failed:" in ln)
        assert "cannot reach the API server (made before it" in line, line
        await press_for(pilot, app, ("L",), Help)  # the whole line, in the history
        await until(pilot, lambda: "(made before it, not rolled back: scheduler 1 → 3)" in " ".join(screen_lines(app)),
                    what="the change that stands, named")
        assert backend.calls[-2:] == [("scale", ("scheduler",), 3, False), ("wait", ("scheduler",))]


async def test_a_result_too_long_for_the_message_line_says_it_is_cut_and_l_shows_it_whole():
    """The rollback's reasons run past the screen's edge: the line ends with "… (L: all of it)" inside the
    screen, and the history (L) has every word of it."""
    backend = FakeBackend()
    why = "ImagePullBackOff: " + " ".join(f"registry-{i}.example.com refused the pull" for i in range(6))
    backend.not_ready = {"scheduler": why}
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await pilot.press("b", "right", "right", "enter")
        await until(pilot, lambda: "rolled back" in screen_text(app), what="the rollback")
        [line] = [ln for ln in screen_lines(app) if "rolled back" in ln]
        assert re.search(r"rolled back to the … \(L: all of it\) +8 deployments", line) and "registry" not in line
        await pilot.resize_terminal(100, SIZE[1])  # narrower: cut again, at the new width
        await until(pilot, lambda: any(re.search(r"not ready after 0s: [^…]*… \(L: all of it\) +8 deployments", ln)
                                       and len(ln) <= 100 for ln in screen_lines(app)), what="the line cut anew")
        await press_for(pilot, app, ("L",), Help)
        await until(pilot, lambda: "registry-5.example.com refused the pull" in " ".join(screen_lines(app)),
                    what="the whole result in the history")


async def test_filter_narrows_the_rows_and_escape_clears_it():
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.press("slash", *"work", "enter")
        await until(pilot, lambda: table(app).row_count == 1)
        assert str(table(app).get_row_at(0)[0]) == "worker-service"
        status = app.screen.query_one("#watch-status")
        await until(pilot, lambda: rendered_text(status).strip().startswith("1 of 8 deployments"), what="1 of 8")
        # a moved slider goes back first (its hint says Esc cancels it), the filter on the next Esc
        await pilot.press("right")
        await pilot.press("escape")
        await pilot.pause()
        assert table(app).row_count == 1 and "cancelled" in rendered_text(app.screen.query_one("#message"))
        await pilot.press("escape")
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        await until(pilot, lambda: rendered_text(status).strip().startswith("8 deployments"), what="the whole count")


async def test_switching_namespace_watches_the_new_one():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await press_for(pilot, app, "n", NamespacePicker)
        await pilot.press("down", "enter")  # llm-analytics-hub -> monitoring
        await until(pilot, lambda: app.backend.namespace == "monitoring")
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 1)
        assert backend.stopped
        assert "namespace monitoring" in str(app.screen.query_one("#title").render())


async def test_help_lists_the_keys_and_escape_returns():
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        await press_for(pilot, app, "question_mark", Help)
        assert "maintenance" in rendered_text(app.screen.query_one("#help-keys .dialog-body"))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, Help))
        assert table(app).has_focus


async def test_pgdn_typed_fast_in_the_help_at_80x24_pages_each_time_to_its_last_key():
    async with opened(FakeBackend(), size=(80, 24)) as (app, pilot):
        await select(pilot, app, "api-server")
        await press_for(pilot, app, "question_mark", Help)
        assert "quit hubtui" not in screen_text(app)  # below the fold
        burst(app, "pagedown", "pagedown", "pagedown")  # one burst: each pages on from where the last one went
        await until(pilot, lambda: "quit hubtui" in screen_text(app), what="the last key on screen")
        burst(app, "pageup", "pageup", "pageup")
        await until(pilot, lambda: "Deployments — keys" in screen_text(app) and "the command palette" in screen_text(app),
                    what="the first key again")


async def test_an_api_error_shows_a_banner_and_clears_on_recovery():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        backend.push(error="watching deployments: cannot reach the API server (connection refused); is the cluster up?")
        banner = app.screen.query_one("#banner")
        await until(pilot, lambda: banner.display)
        assert "cannot reach the API server" in str(banner.render())
        backend.push(dataclasses.replace(HUB_ROWS[0]))
        await until(pilot, lambda: not banner.display)


class TestSnapshots:
    @pytest.mark.parametrize("size", [SIZE, (80, 24), (220, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
    def test_deployments_screen(self, snap_compare, size):
        async def settle(pilot):
            await select(pilot, pilot.app, "api-server")

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    def test_slider_with_a_pending_target_and_modes(self, snap_compare):
        async def settle(pilot):
            await select(pilot, pilot.app, "worker-service")
            await pilot.press("d", "w", "right", "right")

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=SIZE, run_before=settle)

    @pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
    def test_scale_all_confirmation(self, snap_compare, size):
        async def settle(pilot):
            await select(pilot, pilot.app, "api-server")
            await pilot.press("a", "0", "enter")
            await until(pilot, lambda: isinstance(pilot.app.screen, Confirm))

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    @pytest.mark.parametrize("size", [SIZE, (80, 24), (220, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
    def test_help(self, snap_compare, size):
        async def settle(pilot):
            await select(pilot, pilot.app, "api-server")
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(pilot.app.screen, Help))

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    def test_read_only(self, snap_compare):
        """READ-ONLY where every screen has it (the start of the title bar), and the footer as it is then."""
        backend = FakeBackend()
        backend.readonly = "--readonly"

        async def settle(pilot):
            await select(pilot, pilot.app, "api-server")

        assert snap_compare(HubApp(backend=backend), terminal_size=SIZE, run_before=settle)


@pytest.mark.cluster
async def test_the_screen_lists_the_real_hub_deployments(kube_settings):
    app = HubApp(kube_settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=300)
        names = [str(table(app).get_row_at(i)[0]) for i in range(table(app).row_count)]
        assert names == sorted(r.name for r in HUB_ROWS)
        # the HPA column fills in from its own watch
        await until(pilot, lambda: str(table(app).get_row("api-server")[5]) == "2–10", tries=300)


@pytest.mark.cluster
async def test_the_screen_shows_the_api_going_away_and_recovers(kube_settings, api_proxy):
    app = HubApp(dataclasses.replace(kube_settings, kubeconfig=str(api_proxy.kubeconfig)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=300)
        banner = app.screen.query_one("#banner")
        api_proxy.cut()
        try:
            await until(pilot, lambda: banner.display, tries=500, what="the banner")
            assert "cannot reach the API server" in str(banner.render())
            assert table(app).row_count == 8  # the last known state stays on screen
        finally:
            api_proxy.restore()
        await until(pilot, lambda: not banner.display, tries=1500, what="recovery")
        await pilot.press("question_mark")  # and the screen still answers keys
        await until(pilot, lambda: isinstance(app.screen, Help))


@pytest.mark.cluster
async def test_a_forbidden_user_sees_a_403_banner(kube, kube_settings, tmp_path):
    from ..kubehelpers import restricted_kubeconfig

    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", kube_settings.namespace)
    app = HubApp(dataclasses.replace(kube_settings, kubeconfig=config))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query("#banner") and app.screen.query_one("#banner").display,
                    tries=500, what="the banner")
        text = str(app.screen.query_one("#banner").render())
        assert "forbidden (403)" in text and "ask for RBAC access" in text


@pytest.mark.cluster
async def test_a_user_who_may_not_read_hpas_sees_why_the_hpa_column_is_empty(kube, kube_settings, tmp_path):
    from ..kubehelpers import restricted_kubeconfig

    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", kube_settings.namespace, rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}])
    app = HubApp(dataclasses.replace(kube_settings, kubeconfig=config))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=500,
                    what="the rows")
        await until(pilot, lambda: "8 deployments · watching · HPA column empty (L: why)" in screen_text(app),
                    tries=500, what="the HPA note, on screen at 130 columns")
        assert not app.screen.query_one("#banner").display  # the rows themselves are fine
        assert str(table(app).get_row("api-server")[5]) == "-"
        await press_for(pilot, app, "L", Help)  # the whole reason, in the history
        await until(pilot, lambda: "HPA column empty: watching HPAs" in screen_text(app)
                    and "forbidden (403)" in screen_text(app), what="why, in the history")


@pytest.mark.parametrize("size, status", [
    ((80, 24), "8 deployments · HPAs unread (L)"),
    ((100, 30), "8 deployments · watching · HPAs unread (L)"),
    ((160, 40), "8 deployments · watching for changes · HPA column empty (L: why)")])
async def test_the_watch_status_leaves_the_message_room_on_a_narrow_screen(size, status):
    """The bottom line holds the last message and the watch's status: on a narrow screen the status says less
    (the HPA note's reason is in the history) and a message of half the line still shows whole."""
    backend = FakeBackend()
    async with opened(backend, size) as (app, pilot):
        await until(pilot, lambda: "watching" in screen_text(app), what="the watch status")
        backend.push(error=None, hpa_error="watching HPAs in llm-analytics-hub is forbidden (403)")
        message = "api-server: 3 → 5 (dry run, nothing changed)"[: size[0] // 2]
        app.screen.say(message)
        # the status is laid out again once its text changed: the line settles on the next frame
        await until(pilot, lambda: screen_lines(app)[-2].rstrip().endswith(status), what="the HPA note")
        bottom = screen_lines(app)[-2]
        assert message in bottom, bottom
        assert "…" not in bottom  # nothing cut


async def test_read_only_shows_in_the_title_and_every_dangerous_key_explains_instead():
    backend = FakeBackend()
    backend.readonly = "--readonly"
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        assert screen_lines(app)[0].split()[0] == "READ-ONLY"  # where every screen has it
        for keys in (("3", "enter"), ("a",), ("z",), ("r",), ("R",)):
            before = len(app._notifications)
            await pilot.press(*keys)
            await until(pilot, lambda before=before: len(app._notifications) > before, what=f"an explanation of {keys}")
            assert "refused: read-only (--readonly)" in str(list(app._notifications)[-1].message)
            assert not isinstance(app.screen, (Confirm, NumberPrompt))
        await pilot.pause(0.2)
        assert not [c for c in backend.calls if c[0] in ("scale", "scale_all", "restore")]
        await pilot.press("d", "3", "enter")  # a dry run changes nothing: allowed
        await until(pilot, lambda: [c for c in backend.calls if c[0] == "scale"], what="the dry run")


@pytest.mark.parametrize("typed, said", [("ns Bad_NS!", "'Bad_NS!' is not a namespace name"),
                                         ("ns nosuchns", "namespace 'nosuchns' not found in context kwok-demo")])
async def test_a_namespace_typo_in_the_palette_is_one_line_and_the_screen_stays(typed, said):

    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await open_palette(pilot, app, "colon")
        await palette_pick(pilot, app, typed)
        await until(pilot, lambda: any(said in str(n.message) for n in app._notifications), what="the refusal")
        await pilot.pause(0.2)
        assert app.screen.backend is backend and app.backend.namespace == "llm-analytics-hub"
        assert "namespace llm-analytics-hub" in str(app.screen.query_one("#title").render())
        assert table(app).row_count == len(HUB_ROWS)


async def test_the_command_palette_lists_the_screens_actions_and_runs_the_chosen_one():

    from hubtui.ui.actions import ACTIONS

    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await open_palette(pilot, app)
        await pilot.pause(0.3)
        listed = "\n".join(str(o.prompt) for o in app.screen.query_one("CommandList")._options)
        for action in ACTIONS:
            if "deployments" in action.screens and action.bound and action.palette:
                assert f"{action.label} ({action.key_text})" in listed, action.label
        await palette_pick(pilot, app, "Maintenance")
        await until(pilot, lambda: isinstance(app.screen, Confirm), what="maintenance's question")
        assert "Maintenance mode" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        await open_palette(pilot, app, "colon")
        await palette_pick(pilot, app, "ns monitoring")
        await until(pilot, lambda: getattr(app.screen, "backend", None) is not None
                    and app.screen.backend.namespace == "monitoring", what="the namespace switch")


async def test_the_context_picker_rebuilds_the_screen_on_the_chosen_context_and_marks_production():
    from hubtui.ui.screens.deployments import DeploymentsScreen

    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, NamespacePicker), what="the picker")
        options = app.screen.query_one("OptionList")
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "kwok-demo  (current)", "kwok-prod"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.backend is not backend
                    and table(app).row_count == 1, what="the other context's rows")
        assert str(table(app).get_row("billing-api")[0]) == "billing-api"
        assert "kwok-prod" in str(app.screen.query_one("#title").render())
        assert backend.stopped  # the old screen's watches were stopped


async def test_dry_run_and_wait_survive_every_rebuild_of_the_screen():
    """d (and w), then A, A, a change: still a dry run. Then K to another context and n to another namespace:
    the title still says DRY RUN and WAIT, the context message says they stay on, and changes stay dry."""
    from hubtui.ui.screens.deployments import DeploymentsScreen

    first = FakeBackend()
    async with opened_on("scheduler", first, size=SIZE) as (app, pilot):
        await pilot.press("d", "w", "A", "A")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and not app.screen.all_namespaces
                    and app.screen.backend is not first and table(app).row_count == len(HUB_ROWS),
                    what="the namespace's rows again")
        await until(pilot, lambda: "DRY RUN" in str(app.screen.query_one("#modes").render()), what="DRY RUN")
        assert "WAIT" in str(app.screen.query_one("#modes").render())
        await select(pilot, app, "scheduler")
        await pilot.press("right", "enter")
        await until(pilot, lambda: app.screen.backend.calls, what="the change")
        assert app.screen.backend.calls == [("scale", ("scheduler",), 2, True)]  # dry: validated, not applied
        await until(pilot, lambda: "validated (dry run, nothing changed)" in str(app.screen.query_one("#message")
                                                                               .render()), what="the result")
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, NamespacePicker), what="the picker")
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and table(app).row_count == 1,
                    what="the other context's rows")
        assert "DRY RUN" in str(app.screen.query_one("#modes").render())
        assert "WAIT" in str(app.screen.query_one("#modes").render())
        assert any("DRY RUN stays on" in str(n.message) for n in app._notifications)
        app.switch_to_namespace("monitoring")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen)
                    and app.screen.backend.namespace == "monitoring", what="the namespace")
        await pilot.pause()
        assert "DRY RUN" in str(app.screen.query_one("#modes").render())


@pytest.mark.cluster
async def test_switching_context_shows_the_other_real_clusters_rows(local_cluster, doomed_cluster):
    from kubernetes import client

    from cluster.localcluster import HUB_NAMESPACE
    from hubtui.kube.client import connect
    from hubtui.settings import Settings

    from ..kubehelpers import deployment

    other = connect(Settings.from_env(kubeconfig=str(doomed_cluster.kubeconfig)))
    try:
        client.AppsV1Api(other.api).create_namespaced_deployment(HUB_NAMESPACE, deployment("only-on-the-other", 1))
    finally:
        other.close()
    both = f"{local_cluster.kubeconfig}:{doomed_cluster.kubeconfig}"  # a path list, as KUBECONFIG takes it
    app = HubApp(Settings.from_env(kubeconfig=both, context=local_cluster.context, namespace=HUB_NAMESPACE))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=500,
                    what="the first cluster's rows")
        assert "only-on-the-other" not in list(table(app).rows)
        assert app.backend.contexts()[0] == sorted([local_cluster.context, doomed_cluster.context])
        app.switch_to_context(doomed_cluster.context)
        await until(pilot, lambda: app.backend.context == doomed_cluster.context and app.screen.query(RowTable)
                    and "only-on-the-other" in list(table(app).rows), tries=500,
                    what="the other cluster's rows")
        assert doomed_cluster.context in str(app.screen.query_one("#title").render())


async def test_read_only_greys_out_the_changing_keys_until_dry_run_is_on():
    """In read-only mode the footer shows Apply, Scale all, Maintenance and Restore disabled (check_action says
    None); dry run brings them back, since a dry run changes nothing."""
    backend = FakeBackend()
    backend.readonly = "--readonly"
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        screen = app.screen
        for name in ("apply", "scale_all", "maintenance", "restore"):
            assert screen.check_action(name, ()) is None, name
        assert screen.check_action("toggle_dry_run", ()) is True
        await pilot.press("d")
        await pilot.pause()
        for name in ("apply", "scale_all", "maintenance", "restore"):
            assert screen.check_action(name, ()) is True, name
    backend = FakeBackend()  # not read-only: nothing is greyed out
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        assert all(app.screen.check_action(n, ()) is True for n in ("apply", "scale_all", "maintenance", "restore"))


async def test_in_read_only_mode_a_changing_command_from_the_palette_explains_instead():

    backend = FakeBackend()
    backend.readonly = "--readonly"
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await open_palette(pilot, app)
        await palette_pick(pilot, app, "Maintenance")
        await until(pilot, lambda: app._notifications, what="the explanation")
        assert "maintenance is refused: read-only (--readonly)" in str(list(app._notifications)[-1].message)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, Confirm) and not backend.calls


async def test_the_garbage_collector_is_back_on_once_the_first_rows_are_drawn():
    """hubtui starts with the collector off (__main__); the first drawn rows turn it back on."""
    import gc

    gc.disable()
    try:
        app = HubApp(backend=FakeBackend())
        app.GC_BACK_AFTER = 60  # not the fallback: the rows
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
            await until(pilot, gc.isenabled, what="the collector back on")
            assert gc.get_freeze_count() > 0  # what lives on is not walked by every collection
            app.switch_to_namespace("monitoring")  # the first screen goes: its objects are collected as usual
            await until(pilot, lambda: gc.get_freeze_count() == 0, what="the freeze to end")
    finally:
        gc.unfreeze()
        gc.enable()


async def test_the_garbage_collector_is_back_on_even_when_no_rows_come():
    import gc

    from hubtui.kube.deployments import RowsChanged

    class Unreachable(FakeBackend):
        def watch(self, listener):
            self.listener = listener
            listener(RowsChanged(synced=False, error="cannot reach the API server"))

    gc.disable()
    try:
        app = HubApp(backend=Unreachable())
        app.GC_BACK_AFTER = 3.0  # long enough that a loaded machine's slow start cannot pass it before the check
        async with app.run_test(size=SIZE) as pilot:
            assert not gc.isenabled()
            await until(pilot, gc.isenabled, what="the collector back on after GC_BACK_AFTER")
    finally:
        gc.unfreeze()
        gc.enable()


async def test_notifications_never_cover_the_slider_or_the_status_line():
    from textual.widgets._toast import Toast

    app = HubApp(backend=FakeBackend())
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await select(pilot, app, "api-server")
        app.screen.notify("context kwok-prod · DRY RUN stays on", title="Context", timeout=30)
        await until(pilot, lambda: app.screen.query(Toast), what="the toast")
        await pilot.pause(0.2)
        toast = app.screen.query_one(Toast).region
        for selector in ("ReplicaSlider", "#watch-status", "#message"):
            assert not toast.overlaps(app.screen.query_one(selector).region), selector


@pytest.mark.cluster
async def test_switching_to_an_unreachable_context_stays_and_says_why_in_plain_words(local_cluster, tmp_path):
    import yaml

    from cluster.localcluster import HUB_NAMESPACE
    from hubtui.settings import Settings

    cfg = yaml.safe_load(local_cluster.kubeconfig.read_text())
    cfg["clusters"].append({"name": "gone", "cluster": {"server": "https://127.0.0.1:1",
                                                        "insecure-skip-tls-verify": True}})
    user = cfg["contexts"][0]["context"]["user"]
    cfg["contexts"].append({"name": "gone-ctx", "context": {"cluster": "gone", "user": user}})
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    app = HubApp(Settings.from_env(kubeconfig=str(path), context=local_cluster.context, namespace=HUB_NAMESPACE))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=500,
                    what="the first cluster's rows")
        first = app.screen
        app.switch_to_context("gone-ctx")
        said = "context gone-ctx (https://127.0.0.1:1): cannot reach the API server (connection refused)"
        await until(pilot, lambda: any(said in str(n.message) for n in app._notifications), tries=500,
                    what="the refusal")
        assert not any("Error" in str(n.message) for n in app._notifications)  # no exception names
        assert app.screen is first and app.backend.context == local_cluster.context
        assert table(app).row_count == 8


async def test_at_80x24_columns_give_way_by_priority_and_the_title_and_footer_fit():
    """Name, readiness and status stay; the least needed columns give way; the namespace is in the title and
    the help key in the footer."""
    async with opened(FakeBackend(), size=(80, 24)) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        await until(pilot, lambda: "? Help" in screen_lines(app)[-1], what="the footer")
        lines = screen_lines(app)
        assert "namespace llm-analytics-hub" in lines[0] and "context kwok-demo" in lines[0]
        header = lines[1].split()
        assert header[:3] == ["Deployment", "▲", "Ready/Desired"] and header[-1] == "Status"
        assert "Up-to-date" not in header and "Current" not in header
        assert "Scaling 1→2 · ready 1" in next(line for line in lines if "event-ingestion" in line)
        assert all(len(line) <= 80 for line in lines)
        assert "? Help" in lines[-1] and "⏎ Apply" in lines[-1]
        await pilot.resize_terminal(220, 60)  # wider: every column comes back
        await until(pilot, lambda: "Up-to-date" in screen_lines(app)[1], what="the columns back")
        assert screen_lines(app)[1].split()[-1] == "Status"
        assert "cluster" not in screen_lines(app)[0]  # the same name as the context: said once


async def test_s_sorts_by_the_columns_shown_with_an_arrow_in_the_header():
    async with opened(FakeBackend(), size=(80, 24)) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        await pilot.press("s")  # Name -> Ready/Desired
        await until(pilot, lambda: "Ready/Desired ▲" in screen_lines(app)[1], what="the arrow")
        assert "Deployment ▲" not in screen_lines(app)[1]
        await pilot.press("S")
        await until(pilot, lambda: "Ready/Desired ▼" in screen_lines(app)[1], what="the arrow reversed")
        await pilot.press("s", "s")  # Age, Status: the columns that gave way are skipped
        assert "Up-to-date" not in screen_lines(app)[1]
        await until(pilot, lambda: "Status ▲" in screen_lines(app)[1], what="the status sort")
        assert screen_lines(app)[2].split()[0] == "event-ingestion"  # not ready and scaling first
        await pilot.press("s")
        await until(pilot, lambda: "Deployment ▲" in screen_lines(app)[1], what="back to the name")


async def test_with_a_filter_the_bulk_keys_say_they_act_on_every_deployment():
    backend = FakeBackend()
    async with opened(backend, size=(80, 24)) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS))
        await pilot.press("slash", *"sched", "enter")
        await until(pilot, lambda: "1 of 8 deployments" in screen_text(app), what="the count under a filter")
        note = "The filter shows 1 of 8 deployments: this acts on all of them"
        await press_for(pilot, app, "a", NumberPrompt)
        assert note in dialog_words(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NumberPrompt))
        await press_for(pilot, app, "z", Confirm)
        assert note in dialog_words(app) and "in namespace llm-analytics-hub, not only those shown" in dialog_words(app)
        await pilot.click("#no")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        assert not [c for c in backend.calls if c[0] == "scale_all"]


async def test_the_palette_lists_hubtuis_actions_before_textuals_and_ns_offers_the_namespaces():

    app = HubApp(backend=FakeBackend())
    async with app.run_test(size=(130, 120)) as pilot:  # the whole list on screen
        await select(pilot, app, "scheduler")
        await open_palette(pilot, app)
        await until(pilot, lambda: "Screenshot" in screen_text(app), what="the whole list")
        lines = screen_lines(app)
        at = {word: next(i for i, line in enumerate(lines) if word in line)
              for word in ("Apply (Enter)", "Scale all (a)", "Help (?)", "Theme", "Keys", "Screenshot", "Quit")}
        assert max(at["Apply (Enter)"], at["Scale all (a)"], at["Help (?)"]) < min(
            at["Theme"], at["Keys"], at["Screenshot"], at["Quit"])
        await pilot.press(*"ns mon")  # a burst: the namespaces there are that hold it
        await until(pilot, lambda: "ns monitoring: switch to namespace monitoring" in screen_text(app),
                    what="the namespace offered")
        assert "ns default" not in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: "namespace monitoring" in screen_lines(app)[0], what="the switch")


async def test_moving_the_selection_says_a_moved_slider_target_was_dropped():
    backend = FakeBackend()
    async with opened_on("scheduler", backend, size=SIZE) as (app, pilot):
        await pilot.press("right", "right", "down")  # 1 → 3, then another deployment: nothing is applied
        await until(pilot, lambda: "scheduler: target 3 dropped, not applied (the selection moved)"
                    in screen_text(app), what="the dropped target said")
        assert "worker-service" in screen_lines(app)[-3]  # the slider is on the new selection
        assert not [c for c in backend.calls if c[0] == "scale"]


async def test_the_palette_ranks_a_match_in_an_actions_name_first():

    async with opened(FakeBackend(), size=(130, 40)) as (app, pilot):
        await select(pilot, app, "scheduler")
        await open_palette(pilot, app)
        await pilot.press(*"sca")
        await until(pilot, lambda: "Scale all (a)" in screen_text(app), what="the matches")
        await pilot.pause(0.3)
        listed = [line.strip() for line in screen_lines(app) if "(" in line and ")" in line and "·" not in line]
        assert listed[0].startswith("Scale all (a)"), listed


async def test_a_scale_outside_the_hpa_range_says_what_the_hpa_will_do_once_applied():
    """The engine reports the HPA that will undo the change as a fact; the screen says it in words, as a notice."""
    from textual.widgets._toast import Toast

    backend = FakeBackend()
    app = HubApp(backend=backend)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await select(pilot, app, "api-server")
        await pilot.press(*"12", "enter")  # one burst
        await until(pilot, lambda: any("api-server: 12 is outside HPA api-server's range 2–10: the HPA will scale "
                                       "it back to 10" in " ".join(rendered_text(t).replace("▌", " ").split())
                                       for t in app.screen.query(Toast)), what="the HPA notice")
        assert ("scale", ("api-server",), 12, False) in backend.calls
