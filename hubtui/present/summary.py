"""A cleanup run's end as both faces say it: its result in one sentence, how to go on, and each step's outcome
(`hubtui cleanup` prints render(); the TUI's run screen shows the headline and the hint over its step table)."""

from __future__ import annotations

from ..ops.cleanup.runner import CANCELLED, DONE, DONE_EARLIER, FAILED, SKIPPED, RunSummary, StepOutcome

MARKS = {DONE: "✓", DONE_EARLIER: "✓", FAILED: "✗", SKIPPED: "-", CANCELLED: "!"}


def duration(seconds: float | None) -> str:
    """`42 s`, `3 min 05 s`, `1 h 02 min`; `-` when it did not run."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def went(step: StepOutcome) -> str:
    """What came of a step in one line: its detail, then what failed or was skipped, by name."""
    parts = [step.detail] if step.detail else []
    parts += [f"{label}: {', '.join(items)}" for label, items in (("failed", step.failed),
                                                                   ("skipped", step.skipped)) if items]
    return "; ".join(parts)


def headline(summary: RunSummary, took: str | None = None) -> str:
    """The run's result in one sentence (the TUI adds how long it took). A run that stopped before its end is
    never said to be completed: it was cancelled, and what it did not finish is named."""
    done, after = (f" in {took}", f" after {took}") if took else ("", "")
    if summary.result == "cancelled":
        finished = ", ".join(s.title for s in summary.finished_steps) or "none"
        return (f"Cleanup of '{summary.environment}' was cancelled{after}: it is NOT done. Finished: "
                f"{finished}; not finished: {', '.join(s.title for s in summary.unfinished_steps)}.")
    return {"completed": f"Cleanup of '{summary.environment}' completed{done}.",
            "failed": f"Cleanup of '{summary.environment}' FAILED{after}: see the steps marked failed.",
            }[summary.result]


def resume_hint(summary: RunSummary) -> str:
    """How to go on after a run that did not complete ('' after one that did)."""
    if summary.result == "completed":
        return ""
    first = next((s for s in summary.steps if s.status == FAILED or s.failed), None) or next(
        iter(summary.unfinished_steps), None)
    where = f" from '{first.title}'" if first else ""
    return f"Run the cleanup of '{summary.environment}' again to resume{where}: finished steps are not repeated."


def render(summary: RunSummary) -> str:
    """The whole summary as `hubtui cleanup` prints it."""
    lines = [headline(summary) + f"  (plan {summary.plan_hash[:12]})"]
    for s in summary.steps:
        took = f" ({duration(s.seconds)})" if s.seconds is not None else ""
        lines.append(f"  {MARKS[s.status]} {s.title}: {s.status}{took}" + (f": {s.detail}" if s.detail else ""))
    for label, attr in (("Deleted", "deleted"), ("Skipped", "skipped"), ("Failed", "failed")):
        items = summary.all_of(attr)
        if items:
            lines.append(f"  {label} ({len(items)}): " + ", ".join(items))
    if hint := resume_hint(summary):
        lines.append("  " + hint)
    return "\n".join(lines)
