"""The cleanup conversation, once for both faces: `hubtui cleanup` on a terminal and the TUI's wizard.

A CleanupSession goes through the whole sequence in one order:

1. the read-only check (a destroy only; a dry run plans anywhere);
2. the environment's lock on this machine, then the cluster's lease probed (a run elsewhere is refused
   before any question);
3. an interrupted run of the environment: set aside when stale, refused when the options differ, otherwise
   resumed or set aside as the operator answers;
4. the plan (or the interrupted run's saved plan);
5. the typed confirmations (or, with --force, what --force alone may not skip);
6. deletion protection, never switched off without its own answer (or --disable-deletion-protection);
7. the run, holding the lock taken in step 2.

Steps 1–4 are `prepare()`, 5–6 `confirm()`: each is a generator that yields what it asks (Choose, TypePhrase,
Say) and gets the answer back, so that a face answers on its own terms: the CLI with blocking questions
(`converse(conversation, asker)`), the TUI with modal screens between steps run off its UI thread
(`advance(conversation, answer)` one step at a time). Nothing here words a screen or prints: the asks carry
facts, present/session.py words them, and the faces only show those words.

Where the session meets the world (the state folder, the cluster, the runner) is a CleanupPort;
ClusterCleanup is the real one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from ...frozen import frozen
from ...errors import Declined, HubError, Refused, said
from .confirm import Confirmation, accepted, confirmations, force_problems, protection_confirmation

if TYPE_CHECKING:
    from ...events import Event
    from ...kube.client import KubeConnection
    from ...settings import Settings
    from .journal import JournalState
    from .plan import CleanupOptions, Plan
    from .refusals import Stale
    from .runner import RunSummary

T = TypeVar("T")


# ----- what the session asks ---------------------------------------------------------------------------
# Each ask carries facts, not words: present/session.py words it, once, for both faces.
class Choose:
    """One of a few answers; the answer is one of KEYS, or None (not answered: nothing changes)."""
    KEYS: ClassVar[tuple[str, ...]] = ()


class Say:
    """Something for the operator to read; no answer."""
    TONE: ClassVar[str] = "info"  # or "warning"


@frozen
class UnusablePending(Choose):
    """An interrupted run whose saved plan cannot run again here (`why`): set it aside and plan again?"""
    KEYS = ("again",)
    environment: str
    why: str


@frozen
class PendingRun(Choose):
    """An interrupted run that may be resumed from `step` with its confirmed plan, or set aside."""
    KEYS = ("resume", "again")
    environment: str
    pending: JournalState
    step: str


@frozen
class StalePending(Say):
    """An interrupted run that must not be resumed (`stale`: why): set aside, planning afresh."""
    TONE = "warning"
    environment: str
    pending: JournalState
    stale: Stale


@frozen
class ForcedResume(Say):
    """--force: an interrupted run is resumed from `step` with its saved plan, without asking."""
    environment: str
    pending: JournalState
    step: str


@frozen
class ConfirmationsSkipped(Say):
    """--force: the typed confirmations are skipped (recorded in the audit log)."""


@frozen
class ProtectionStaysOn(Say):
    """--force without --disable-deletion-protection: these resources keep their protection and stay."""
    TONE = "warning"
    resources: tuple[str, ...]  # their labels


@frozen
class TypePhrase:
    """A typed phrase; the answer is what was typed (None: cancelled). The session checks it: exactly."""
    confirmation: Confirmation
    plan: Plan
    resource: Any = None  # the database whose deletion protection it switches off; None: the plan's own


Ask = Choose | TypePhrase | Say


class Asker(Protocol):
    """A face that answers as the operator is asked (the CLI's terminal; a script in tests)."""

    def choose(self, ask: Choose) -> str | None: ...
    def type_phrase(self, ask: TypePhrase) -> str | None: ...
    def say(self, ask: Say) -> None: ...


@frozen
class Step:
    """Where a conversation stands after one step: an ask to answer, or done with its result."""
    ask: Ask | None = None
    result: Any = None

    @property
    def done(self) -> bool:
        return self.ask is None


def advance(conversation: Generator[Ask, Any, Any], answer: Any = None) -> Step:
    """One step of a conversation: send the last answer (None to start), run to its next ask. Safe to call in
    a thread (a StopIteration never crosses into a future)."""
    try:
        return Step(ask=conversation.send(answer))
    except StopIteration as end:
        return Step(result=end.value)


def converse(conversation: Generator[Ask, Any, T], asker: Asker) -> T:
    """A whole conversation with a blocking asker."""
    step, answer = advance(conversation), None
    while step.ask is not None:
        ask = step.ask
        if isinstance(ask, Choose):
            answer = asker.choose(ask)
        elif isinstance(ask, TypePhrase):
            answer = asker.type_phrase(ask)
        else:
            asker.say(ask)
            answer = None
        step = advance(conversation, answer)
    return step.result


# ----- where the session meets the world ---------------------------------------------------------------
class Lock(Protocol):
    held: bool

    def acquire(self) -> Any: ...
    def release(self) -> None: ...


class CleanupPort(Protocol):
    def refuse_if_readonly(self, what: object, namespace: str) -> None: ...  # what: a fact (Destroying)
    def lock(self, environment: str) -> Lock: ...
    def probe_lease(self, environment: str) -> None: ...
    def pending(self, environment: str) -> JournalState | None: ...
    def discard(self, environment: str) -> None: ...
    def journal_path(self, environment: str) -> Path: ...
    def load(self, plan_file: str) -> Plan: ...  # as it runs again, on this cluster only (HubError otherwise)
    def stale(self, plan: Plan, pending: JournalState) -> Stale | None: ...
    def plan(self, opts: CleanupOptions) -> tuple[Plan, Path]: ...
    def run(self, plan: Plan, plan_file: Path, *, emit: Callable[[Event], None], cancel: threading.Event,
            allow_disable_deletion_protection: bool, force: bool, lock: Lock | None) -> RunSummary: ...


class ClusterCleanup:
    """The real port: the state folder and the cluster behind a connection."""

    def __init__(self, conn: KubeConnection, settings: Settings):
        self.conn, self.settings = conn, settings

    def refuse_if_readonly(self, what, namespace):
        from ..hubs import refuse_hub_if_readonly

        refuse_hub_if_readonly(self.settings, self.conn.context, self.conn.server, (namespace,), what)

    def lock(self, environment):
        from .lock import EnvironmentLock

        return EnvironmentLock(self.settings.state_dir, environment)

    def probe_lease(self, environment):
        from .cluster_lock import ClusterLease

        ClusterLease(self.conn, environment).probe()

    def pending(self, environment):
        from .runner import pending_run

        return pending_run(self.settings.state_dir, environment)

    def discard(self, environment):
        from .journal import Journal
        from .plan import working_dir

        Journal(working_dir(self.settings.state_dir, environment)).discard()

    def journal_path(self, environment):
        from .journal import Journal
        from .plan import working_dir

        return Journal(working_dir(self.settings.state_dir, environment)).path

    def load(self, plan_file):
        from .plan import Plan

        plan = Plan.load(plan_file).for_execution()
        plan.check_cluster(self.conn)
        return plan

    def stale(self, plan, pending):
        from .runner import stale_reason

        return stale_reason(plan, pending, self.conn, max_age=self.settings.resume_max_age)

    def plan(self, opts):
        from .plan import discover

        plan = discover(self.conn, opts, self.settings)
        return plan, plan.save(self.settings.state_dir)

    def run(self, plan, plan_file, *, emit, cancel, allow_disable_deletion_protection, force, lock):
        from .runner import CleanupRun

        return CleanupRun(plan, plan_file, self.conn, self.settings, emit=emit, cancel=cancel,
                          allow_disable_deletion_protection=allow_disable_deletion_protection, force=force,
                          lock=lock).run()


def protected_resources(plan: Plan) -> list:
    """The planned cloud resources with deletion protection on."""
    cloud = plan.cloud_plan
    return [r for r in (cloud.resources if cloud else ()) if r.details.get("deletion_protection")]


# ----- the session -------------------------------------------------------------------------------------
class CleanupSession:
    """One cleanup, from the read-only check to the run. Holds the environment's lock from prepare() (a
    destroy only) until close(): use it as a context manager, or close() it."""

    def __init__(self, port: CleanupPort, opts: CleanupOptions, *, force: bool = False,
                 context_name: str | None = None, disable_protection: bool = False):
        self.port, self.opts, self.force, self.context_name = port, opts, force, context_name
        self.plan: Plan | None = None
        self.plan_file: Path | None = None
        self.resume = False  # the plan is an interrupted run's, saved and confirmed before
        self.allow_unprotect = disable_protection
        self.confirmed = False
        self._lock: Lock | None = None

    @property
    def environment(self) -> str:
        return self.opts.environment

    @property
    def destroying(self) -> bool:
        return not self.opts.dry_run

    def __enter__(self) -> CleanupSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let the environment's lock go (again: nothing)."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    # ----- steps 1–4 ------------------------------------------------------------------------------------
    def prepare(self) -> Generator[Ask, Any, Plan]:
        env = self.environment
        try:
            if self.destroying:
                from .failures import Destroying

                self.port.refuse_if_readonly(Destroying(env), self.opts.namespace)
                lock = self.port.lock(env)
                lock.acquire()  # held from before the resume questions: a live run is never taken for a pending one
                self._lock = lock
                self.port.probe_lease(env)  # a run from another machine: refused before any question
            pending = self.port.pending(env) if self.destroying else None
            if pending is None or not (yield from self._settle(pending)):
                self.plan, self.plan_file = self.port.plan(self.opts)
                self.resume = False
        except BaseException:  # refused, declined, or the face gave up (GeneratorExit): the lock goes too
            self.close()
            raise
        assert self.plan is not None
        return self.plan

    def _settle(self, pending: JournalState) -> Generator[Ask, Any, bool]:
        """An interrupted run of the environment. True: resume it (self.plan is its saved plan); False: it was
        set aside, plan afresh."""
        from .failures import SavedPlanUnusable
        from .refusals import OptionsDiffer, PendingStays, PendingUnusable
        from .runner import options_differ
        from .steps import steps_for

        env = self.environment
        try:
            saved = self.port.load(pending.plan_file)
        except HubError as e:
            why = said(SavedPlanUnusable(e))
            if self.force:
                raise Refused(PendingUnusable(env, why, str(self.port.journal_path(env)))) from None
            if (yield UnusablePending(env, why)) != "again":
                raise Declined(PendingStays(env)) from None
            self.port.discard(env)
            return False
        stale = self.port.stale(saved, pending)
        if stale:  # before the options: a stale run is set aside whatever it was asked with
            yield StalePending(env, pending, stale)
            self.port.discard(env)
            return False
        differ = options_differ(saved, self.opts)
        if differ:
            raise Refused(OptionsDiffer(env, tuple(differ)))
        step = pending.first_unfinished(steps_for(saved)) or "local"
        if self.force:
            yield ForcedResume(env, pending, step)
        else:
            answer = yield PendingRun(env, pending, step)
            if answer == "again":
                self.port.discard(env)
                return False
            if answer != "resume":
                raise Declined(PendingStays(env))
        self.plan, self.plan_file, self.resume = saved, Path(pending.plan_file), True
        return True

    # ----- steps 5–6 ------------------------------------------------------------------------------------
    def confirm(self) -> Generator[Ask, Any, None]:
        from .refusals import DryRunPlanOnly, NotConfirmed, ProtectionStays

        plan = self.plan
        if plan is None or not self.destroying:
            raise Refused(DryRunPlanOnly())
        self.confirmed = False
        protected = protected_resources(plan)
        if self.force:
            problem = force_problems(plan, self.context_name)
            if problem:
                raise Refused(problem)
            yield ConfirmationsSkipped()
            if protected and not self.allow_unprotect:
                yield ProtectionStaysOn(tuple(r.label() for r in protected))
        else:
            for c in confirmations(plan):
                typed = yield TypePhrase(c, plan)
                if typed is None:
                    raise Declined(NotConfirmed())
                if not accepted(c, typed):
                    raise Declined(NotConfirmed(c.phrase))
            for r in protected:  # deletion protection is never switched off silently
                question = protection_confirmation()
                typed = yield TypePhrase(question, plan, r)
                if typed is None or not accepted(question, typed):
                    raise Declined(ProtectionStays(r.label()))
                self.allow_unprotect = True
        self.confirmed = True

    # ----- step 7 ---------------------------------------------------------------------------------------
    def run(self, *, emit: Callable[[Event], None], cancel: threading.Event | None = None) -> RunSummary:
        """The confirmed plan, once: a second run needs confirming again."""
        from .failures import RunUnconfirmed

        if not self.confirmed or self.plan is None or self.plan_file is None:
            raise HubError(RunUnconfirmed(self.environment))
        self.confirmed = False
        return self.port.run(self.plan, self.plan_file, emit=emit, cancel=cancel or threading.Event(),
                             allow_disable_deletion_protection=self.allow_unprotect, force=self.force,
                             lock=self._lock)
