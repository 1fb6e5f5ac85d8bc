"""One base class for every error wasec reports to a user."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the closest of ``choices`` to a mistyped ``word``, or ""."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    hit = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.5 if len(word) <= 4 else 0.6)
    return f" (did you mean '{lowered[hit[0]]}'?)" if hit else ""


class WasecError(Exception):
    """An error with a message a user can act on (it names the file or service and what to do)."""


class UsageError(WasecError):
    """Bad command-line or configuration input (exit code 2)."""


class ParseError(WasecError):
    """A source file that cannot be parsed; carries the line when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class ConfigError(UsageError):
    """A malformed ``.wasec`` configuration, exceptions or rules file."""


class InputError(WasecError):
    """A file that cannot be read as text: not a regular file, too large, binary, not UTF-8, or an OS error."""
