"""Errors a user can cause or meet: one line that says what went wrong and what to do."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3


class HubError(Exception):
    """An error shown to the operator as one line (never a traceback), with the exit code it maps to.

    The engine (kube/, cloud/, ops/) raises it with a fact: what went wrong, as data. Its line comes from the
    wording a face installs (`speak_with`, done by hubtui.present on import), so every line an operator reads is
    worded in present/. A face or a test may raise it with its line as text."""

    exit_code = EXIT_FAILURE

    def __init__(self, said: str | object, *, exit_code: int | None = None):
        self.fact: object | None = None if isinstance(said, str) else said
        self._message: str | None = said if isinstance(said, str) else None
        super().__init__(said)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        """Its one line: the text it was raised with, or its fact worded (once, when first read)."""
        if self._message is None:
            self._message = _words(self.fact)
        return self._message

    def __str__(self) -> str:
        return self.message


def said(fact: object) -> str:
    """A fact of the engine in the words the face installed (present/), for a line the engine holds as text: an
    event's, a result's, a log's end. Never raises."""
    return _words(fact)


def speak_with(wording) -> None:
    """Install the face's wording of the engine's facts: `wording(fact) -> str`, one line."""
    global _wording
    _wording = wording


_wording = None


def _words(fact: object) -> str:
    if _wording is not None:
        try:
            return _wording(fact)
        except Exception:  # noqa: BLE001 - an error's line never raises (it is read in handlers, threads, logs)
            pass
    # No face installed its wording (the engine used on its own): the fact's kind and fields, still one line.
    fields = getattr(fact, "__dataclass_fields__", {})
    return f"{type(fact).__name__}(" + ", ".join(f"{name}={getattr(fact, name)!r}" for name in fields) + ")"


class UsageError(HubError):
    """Bad input: a flag, a value, a name. Nothing was changed."""

    exit_code = EXIT_USAGE


class Refused(UsageError):
    """Refused before anything changed, for a reason held as data (its fact): present/refusals.py words it."""


class Declined(Refused):
    """The operator did not say go on (a confirmation not typed, a question not answered): nothing was changed."""


class HubTimeout(HubError):
    """Something did not happen in the time allowed."""

    exit_code = EXIT_TIMEOUT
