"""The cleanup session's asks (hubtui.ops.cleanup.session) as both faces word them: a question with its
answers (a button each in the TUI, a typed word on a terminal), or a line to read. The session yields facts;
`hubtui cleanup` and the wizard show these words, so they cannot disagree."""

from __future__ import annotations

from datetime import UTC, datetime

from ..frozen import frozen
from ..ops.cleanup.journal import JournalState
from ..ops.cleanup.runner import resume_ages
from .steps import step_title
from ..ops.cleanup import confirm
from ..ops.cleanup.session import (Choose, ConfirmationsSkipped, ForcedResume, PendingRun, ProtectionStaysOn, Say,
                                   StalePending, TypePhrase, UnusablePending)
from ..words import counted, human_age
from .refusals import stale_text


@frozen
class Choice:
    key: str  # what the session gets back
    label: str  # a button's words
    typed: str  # what is typed for it on a terminal


@frozen
class Question:
    title: str
    body: str
    choices: tuple[Choice, ...]

    def prompt(self) -> str:
        """The question as a terminal asks it."""
        return ", ".join(f"{c.typed} to {c.label.lower()}" for c in self.choices).join(("Type ", ":"))

    def key(self, typed: str) -> str | None:
        """The answer a typed word gives (None: not one of them)."""
        return next((c.key for c in self.choices if c.typed == typed), None)


def clock(stamp: str, now: datetime | None = None) -> str:
    """A journal's UTC time as a person reads it: local, `at 14:02` today, `on 30 Nov at 14:02` another day."""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp or "an unknown time"
    today = (now or datetime.now(UTC)).astimezone().date()
    return f"at {when:%H:%M}" if when.date() == today else f"on {when.day} {when:%b} at {when:%H:%M}"


def describe_pending(pending: JournalState, now: datetime | None = None) -> str:
    """One line: which plan, how old the run and its backup are, which steps are done."""
    run_age, backup_age = resume_ages(pending, now)
    backup = f"its backup {human_age(backup_age)} old" if backup_age is not None else (
        "its backup taken" if pending.done("backup") else "no backup taken yet")
    titles = [step_title(s) for s, e in pending.steps.items() if e.get("status") == "done"]
    return (f"plan {pending.plan_hash[:12]}, started {human_age(run_age)} ago ({clock(pending.started, now)}), "
            f"{backup}; steps finished: {', '.join(titles) or 'none'}")


def question(ask: Choose) -> Question:
    """What the session asks, worded; its choices' keys are the ask's KEYS."""
    if isinstance(ask, UnusablePending):
        return Question(f"The interrupted cleanup of '{ask.environment}' cannot be resumed",
                        f"{ask.why}.\nSet it aside (it is kept) and plan again?",
                        (Choice("again", "Set aside and plan", "yes"),))
    if isinstance(ask, PendingRun):
        return Question(f"An interrupted cleanup of '{ask.environment}' is pending",
                        f"{describe_pending(ask.pending)}.\nResume goes on with '{step_title(ask.step)}', "
                        "with the plan that was confirmed; Plan again sets the interrupted run aside.",
                        (Choice("resume", "Resume", "yes"), Choice("again", "Plan again", "no")))
    raise TypeError(f"no words for {type(ask).__name__}")


def said(ask: Say) -> str:
    """A line the session has for the operator, worded."""
    if isinstance(ask, StalePending):
        return (f"The interrupted cleanup of '{ask.environment}' ({describe_pending(ask.pending)}) cannot be "
                f"resumed: {stale_text(ask.stale)}. It is set aside; planning afresh.")
    if isinstance(ask, ForcedResume):
        return (f"An interrupted cleanup of '{ask.environment}' is pending ({describe_pending(ask.pending)}); it "
                f"would go on with '{step_title(ask.step)}'.\n--force: resuming it with its saved plan")
    if isinstance(ask, ConfirmationsSkipped):
        return "--force: the confirmations are skipped (this is recorded in the audit log)"
    if isinstance(ask, ProtectionStaysOn):
        return ("warning: " + ", ".join(ask.resources) + " has deletion protection and will not be deleted (add "
                "--disable-deletion-protection to switch it off)")
    raise TypeError(f"no words for {type(ask).__name__}")


def target(plan) -> str:
    """The Kubernetes side of what will be destroyed, as every question names it."""
    return f"context {plan.context} (cluster {plan.cluster}, server {plan.server})"


def phrase_question(ask: TypePhrase) -> str:
    """The question a typed phrase answers (hubtui.ops.cleanup.confirm), naming what it destroys."""
    plan, kind = ask.plan, ask.confirmation.kind
    env, where = plan.environment, target(plan)
    if kind == confirm.PRODUCTION:
        return f"Type {confirm.PRODUCTION_PHRASE} to destroy the production environment '{env}' on {where}"
    if kind == confirm.UNPROVEN_CLUSTER:
        return (f"Nothing shows that {where} is '{env}''s cluster. Type the context's name ({plan.context}) to "
                "destroy it anyway")
    if kind == confirm.UNPROVEN_NAMESPACE:
        main = plan.namespaces[0].name
        return (f"The main namespace {main} comes from {plan.opts.namespace_from} and is not labelled "
                f"environment={env}. Type its name ({main}) to drain and delete it")
    if kind == confirm.TAG_MATCHES:
        tagged = confirm.tag_matches(plan)
        return (f"{counted(len(tagged), 'cloud resource')} match{'es' if len(tagged) == 1 else ''} '{env}' by tag "
                f"only and are included: {', '.join(r.label() for r in tagged)}. Type {confirm.TAG_MATCHES_PHRASE} "
                "to delete them too")
    if kind == confirm.PROTECTION:
        cloud = plan.cloud_plan
        in_cloud = f" in {cloud.identity}" if cloud else ""
        return (f"{ask.resource.label()}{in_cloud} has deletion protection (cleanup of '{env}' on {where}). Type yes "
                "to switch it off and delete it")
    return f"Are you sure you want to destroy '{env}' on {where}? (yes/NO)"
