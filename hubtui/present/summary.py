"""A cleanup run's end as both faces say it: its result in one sentence, how to go on, and each step's outcome
(`hubtui cleanup` prints render(); the TUI's run screen shows the headline and the hint over its step table)."""

from __future__ import annotations

from ..facts import (BackedUp, CloudTally, DoneBefore, Drained, DrainFinished, Item, Listed, LocalCleaned, NamespaceCreatedAgain,
                     NamespaceLeftAlone, NamespacesDeleted, NamespaceStuck, Noted, NothingToBackUp, NotRun, PodsDidNotGo,
                     PodsRemain, Said, StepError, WorkingFilesKept, WritersStayDown)
from ..ops.cleanup.runner import CANCELLED, DONE, DONE_EARLIER, FAILED, SKIPPED, RunSummary, StepOutcome
from .steps import step_title
from ..paths import tilde
from ..words import counted, in_use, working_files_kept

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


def fact_text(fact: Said) -> str:
    """One thing a step came to, in words."""
    if isinstance(fact, NothingToBackUp):
        return f"namespace {fact.namespace} does not exist: nothing to back up"
    if isinstance(fact, BackedUp):
        return f"{counted(fact.files, 'file')} in {tilde(fact.folder)}"
    if isinstance(fact, WritersStayDown):
        return "the writers stay scaled down (each count is recorded: `hubtui scale --restore` brings them back)"
    if isinstance(fact, Drained):
        if not fact.namespaces:
            return "no namespace to drain"
        return f"{counted(fact.namespaces, 'namespace')} {'drained' if fact.stores else 'with their writers stopped'}"
    if isinstance(fact, DrainFinished):
        return f"{fact.scaled} scaled to 0, {fact.deleted} jobs/cronjobs deleted, no pods left"
    if isinstance(fact, PodsDidNotGo):
        return "pods did not go"
    if isinstance(fact, NamespacesDeleted):
        if not fact.planned:
            return "no namespace to delete"
        if fact.stuck:
            return f"{counted(fact.stuck, 'namespace')} stuck in Terminating"
        if fact.created_again:
            return f"{counted(fact.created_again, 'namespace')} created again since the plan were not deleted"
        if fact.not_sent or fact.terminating:
            return (f"{fact.deleted} deleted, {fact.terminating} still Terminating (their deletion goes on), "
                    f"{fact.not_sent} not deleted")
        return f"{fact.deleted} deleted, {fact.already_gone} already gone"
    if isinstance(fact, CloudTally):
        return (f"{fact.gone} of {counted(fact.total, 'resource')} gone, {fact.failed} failed, "
                f"{fact.skipped} skipped")
    if isinstance(fact, LocalCleaned):
        keep = f"; kept {', '.join(tilde(k) for k in fact.kept)}" if fact.kept else ""
        if fact.kubeconfig:
            return f"{fact.removed} kubeconfig entries removed; working files go at the end{keep}"
        return f"no kubeconfig entries to remove{keep}"
    if isinstance(fact, NotRun):
        if fact.failed_step:
            return f"'{step_title(fact.failed_step)}' failed"
        return "not run: the run was stopped before it" if fact.stopped else "not run: a step before it was cancelled"
    if isinstance(fact, DoneBefore):
        return "done in an earlier run"
    if isinstance(fact, StepError):
        return f"{fact.unexpected}: {fact.message}" if fact.unexpected else fact.message
    if isinstance(fact, WorkingFilesKept):
        return working_files_kept(tilde(fact.folder), fact.reason, fact.unaudited)
    if isinstance(fact, Noted):
        return fact.text
    from .cloud import resource_text  # what came of a cloud resource

    return resource_text(fact)


def said_text(said: tuple[Said, ...]) -> str:
    """What a step came to in one line: its facts, one after the other (`done in an earlier run: …`)."""
    if said and isinstance(said[0], DoneBefore):
        rest = said_text(said[1:])
        return fact_text(said[0]) + (f": {rest}" if rest else "")
    return "; ".join(fact_text(fact) for fact in said)


def item_text(item: Item) -> str:
    """One thing a step deleted, failed on or skipped, as the summary lists it."""
    if isinstance(item, Listed):
        from .cloud import resource_words

        notes = [n for n, on in (("earlier run", item.earlier), ("was already gone", item.was_gone),
                                 ("its answer was lost; sent again, it was gone", item.answer_lost), (item.why, True),
                                 (resource_words(item.said), True)) if on and n]
        return item.label + "".join(f" ({n})" for n in notes)
    if isinstance(item, PodsRemain):
        return (f"{item.namespace}: {counted(len(item.pods), 'pod')} still there after {item.timeout:g} s "
                f"({', '.join(item.pods[:5])})")
    if isinstance(item, NamespaceLeftAlone):
        return f"namespace {item.namespace} ({in_use(item.users, item.unchecked, 1)}: left alone; plan again)"
    if isinstance(item, NamespaceCreatedAgain):
        return f"namespace {item.namespace} (created again since the plan: not deleted)"
    if isinstance(item, NamespaceStuck):
        return f"namespace {item.namespace} (stuck: {item.why})"
    raise TypeError(f"no words for {item!r}")


def went(step: StepOutcome) -> str:
    """What came of a step in one line: what it says, then what failed or was skipped, by name."""
    parts = [said_text(step.said)] if step.said else []
    parts += [f"{label}: {', '.join(item_text(i) for i in items)}"
              for label, items in (("failed", step.failed), ("skipped", step.skipped)) if items]
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
        said = said_text(s.said)
        lines.append(f"  {MARKS[s.status]} {s.title}: {s.status}{took}" + (f": {said}" if said else ""))
    for label, attr in (("Deleted", "deleted"), ("Skipped", "skipped"), ("Failed", "failed")):
        items = summary.all_of(attr)
        if items:
            lines.append(f"  {label} ({len(items)}): " + ", ".join(item_text(i) for i in items))
    if hint := resume_hint(summary):
        lines.append("  " + hint)
    return "\n".join(lines)


def as_dict(summary: RunSummary) -> dict:
    """The summary as `hubtui cleanup --json` prints it: each step's words (`detail`) and its facts (`said`),
    and what was deleted, failed or skipped, in words."""
    from ..events import named as fact_dict

    def words(items: list[Item]) -> list[str]:
        return [item_text(i) for i in items]

    return {"environment": summary.environment, "plan_hash": summary.plan_hash, "result": summary.result,
            "backup_folder": summary.backup_folder,
            "steps": [{"step": s.step, "status": s.status, "detail": said_text(s.said),
                       "said": [fact_dict(f) for f in s.said], "deleted": words(s.deleted),
                       "failed": words(s.failed), "skipped": words(s.skipped), "seconds": s.seconds}
                      for s in summary.steps],
            "deleted": words(summary.all_of("deleted")), "failed": words(summary.all_of("failed")),
            "skipped": words(summary.all_of("skipped"))}
