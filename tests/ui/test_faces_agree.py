"""Both faces word a plan and a run event the same (hubtui/present): the TUI's plan tree and the CLI's text
plan hold the same lines; the run screen's log and `hubtui cleanup`'s output hold the same lines."""

from __future__ import annotations

import io
import re

from hubtui.headless.cleanup import CleanupPrinter
from hubtui.ops.cleanup.plan import CleanupOptions
from hubtui.present.plan import render_text
from hubtui.ui.screens.cleanup import RunScreen

from .fakes import FakeBackend, fake_plan
from .test_cleanup_wizard import SIZE, confirm_all, log_text, to_plan
from .helpers import opened, until


async def test_the_plan_screen_and_the_cli_show_the_same_plan_lines():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await to_plan(pilot, app, environment="dev", provider="aws")
        tree = [line.strip() for line in app.screen.tree_text().splitlines()]
        identity = [" ".join(line.split()) for line in str(app.screen.query_one("#identity").render()).splitlines()]
    plan = fake_plan("dev", CleanupOptions(environment="dev", provider="aws", namespace="llm-analytics-hub"))
    cli = [line.strip() for line in render_text(plan).splitlines()]
    assert tree and all(line in cli for line in tree), [line for line in tree if line not in cli]
    assert all(" ".join(line.split()) in [" ".join(c.split()) for c in cli] for line in identity if line)
    for needed in ("namespace llm-analytics-hub  main · 16 pods · 3 volumes, 32 GiB",
                   "llm-analytics-hub-dev-postgres  matched by name  deletion protection ON"):
        assert needed in tree and needed in cli


async def test_the_run_screen_log_and_the_cli_print_the_same_event_lines():
    backend = FakeBackend()
    events = []
    real = backend.cleanup_run

    def recording(plan, plan_file, *, emit, **kw):
        def both(event):
            events.append(event)
            emit(event)
        return real(plan, plan_file, emit=both, **kw)

    backend.cleanup_run = recording
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app, environment="dev", provider="k8s")
        await confirm_all(pilot, app)
        run = app.screen
        assert isinstance(run, RunScreen)
        await until(pilot, lambda: not run.running and "backup: Redis saved" in log_text(run), what="the run")
        await pilot.pause(0.3)
        tui = log_text(run)
    err = io.StringIO()
    printer = CleanupPrinter(ndjson=False)
    printer.err = err
    for event in events:
        printer(event)
    cli = [line for line in err.getvalue().splitlines() if not line.lstrip().startswith("…")]  # progress: the steps
    # the log wraps long lines and stamps each entry: compare the words, without the stamps
    words = " ".join(re.sub(r"^\d\d:\d\d:\d\d ", "", line) for line in tui.splitlines()).split()
    assert cli and words == " ".join(cli).split()


def test_the_deployments_screen_and_hubtui_scale_word_a_deployment_the_same():
    """Ready 1, desired 2, replicas 2: both faces say the same words (they used to say "Scaling 1→2" and
    "Not ready · 1/2")."""
    import dataclasses

    from hubtui.present.deployment import deployment_status
    from hubtui.ui.screens.deployment_rows import status_cell

    from .fakes import row as fake_row

    base = fake_row("api-server", 2)
    cases = {
        "Ready": dataclasses.replace(base, replicas=2, ready=2, updated=2, available=2),
        "Not ready · 1/2": dataclasses.replace(base, replicas=2, ready=1, updated=2, available=1),
        "Scaling 1→2 · ready 1": dataclasses.replace(base, replicas=1, ready=1, updated=1, available=1),
        "Scaled to 0": dataclasses.replace(base, desired=0, replicas=0, ready=0, updated=0, available=0),
    }
    for words, r in cases.items():
        assert deployment_status(r)[0] == words
        assert str(status_cell(r)) == words
