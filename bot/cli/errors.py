"""The exit codes of every command and the error that carries one (docs/architecture.md).

Apart from ``context`` so that ``failures`` (which turns library errors into them) and ``context`` (which
opens the store through ``failures``) do not import each other.
"""

from __future__ import annotations

EXIT_INVALID = 2
EXIT_FORBIDDEN = 3
EXIT_UNAVAILABLE = 4  # a service (the database, Slack, HubSpot, the model) cannot be reached


class CommandError(Exception):
    """A failure to report in one line, with the exit code docs/architecture.md assigns to it."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.exit_code = exit_code
