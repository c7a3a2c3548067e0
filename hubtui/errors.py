"""Errors a user can cause or meet: one line that says what went wrong and what to do."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3


class HubError(Exception):
    """An error shown to the operator as one line (never a traceback), with the exit code it maps to."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(HubError):
    """Bad input: a flag, a value, a name. Nothing was changed."""

    exit_code = EXIT_USAGE


class Refused(UsageError):
    """Refused before anything changed, for a reason held as data (`fact`) that a face words: present/refusals.py
    (`worded`) gives it its line. Unworded, the line names the fact's kind only."""

    def __init__(self, fact: object, *, exit_code: int | None = None):
        super().__init__(f"refused ({type(fact).__name__}): nothing was changed", exit_code=exit_code)
        self.fact = fact


class Declined(Refused):
    """The operator did not say go on (a confirmation not typed, a question not answered): nothing was changed."""


class HubTimeout(HubError):
    """Something did not happen in the time allowed."""

    exit_code = EXIT_TIMEOUT
