"""Why the cleanup conversation stops before anything changed, as data: the session, the runner's own checks and
the evidence raise Refused with one of these; present/refusals.py words it, once, for both faces.

An interrupted run that may not be resumed says why as a fact too (Stale, Recreated): the session shows it in a
line and the runner refuses with it.
"""

from __future__ import annotations

from typing import Any

from ...frozen import frozen


# ----- why an interrupted run may not be resumed -------------------------------------------------------
@frozen
class TooOld:
    """It started `age` seconds ago (None: unknown), more than `max_age`: its backup and drain may be out of date."""
    age: float | None
    max_age: float


@frozen
class Recreated:
    """A namespace of its plan was created again since (uid `uid`, the plan's `planned`): redeployed."""
    namespace: str
    uid: str
    planned: str


Stale = TooOld | Recreated


# ----- why the conversation stops ----------------------------------------------------------------------
@frozen
class PendingUnusable:
    """--force, and an interrupted run whose saved plan cannot run again (`why`: the load's own line); its
    journal is `journal`."""
    environment: str
    why: str
    journal: str


@frozen
class PendingStays:
    """The operator neither resumed nor set aside the interrupted run: it stays pending."""
    environment: str


@frozen
class OptionsDiffer:
    """The options asked for now differ from the interrupted run's: (option, planned, asked now) each."""
    environment: str
    differ: tuple[tuple[str, Any, Any], ...]


@frozen
class DryRunPlanOnly:
    """A dry run's plan was asked to destroy."""


@frozen
class ForceNeedsContext:
    """--force, where the context's name must be repeated (--context-name): nothing shows the cluster is the
    environment's (`production` False), or it is production. `given`: what was given ('' none)."""
    environment: str
    context: str
    given: str
    production: bool


@frozen
class ForceNeedsNamespace:
    """--force, and the main namespace `namespace` (from `source`) is not labelled for the environment: it must be
    named with -n."""
    environment: str
    namespace: str
    source: str


@frozen
class NotConfirmed:
    """A typed confirmation not given: cancelled (`phrase` '') or something else typed than `phrase`."""
    phrase: str = ""


@frozen
class ProtectionStays:
    """The operator did not switch off the deletion protection of `resource` (its label)."""
    resource: str


@frozen
class PendingFirst:
    """A run was asked of a plan while an interrupted run (plan `plan_hash`) of the environment is pending."""
    environment: str
    plan_hash: str


@frozen
class CannotResume:
    """The interrupted run is stale (`stale`), checked again as the run starts."""
    environment: str
    stale: Stale


@frozen
class DrainUndone:
    """The interrupted run drained the environment, but `running` (kind/name) runs there again (scaled back up,
    restored): its data may be newer than the backup."""
    environment: str
    running: tuple[str, ...]


@frozen
class BackupGone:
    """The interrupted run's backup is gone or empty (`missing`: its files or folder) once the drain had begun."""
    environment: str
    missing: tuple[str, ...]
