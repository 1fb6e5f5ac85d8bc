"""One base class for every error wasec reports to a user."""

from __future__ import annotations


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
