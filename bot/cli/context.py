"""What every command shares: the database engine (schema upgraded on first use), ``now``, exit codes."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from bot.cli.errors import EXIT_FORBIDDEN, EXIT_INVALID, EXIT_UNAVAILABLE, CommandError
from crm.isotime import parse_time
from crm.localtime import wall_clock

if TYPE_CHECKING:  # the engine's modules load when a command first needs the store (fast start-up)
    from sqlalchemy import Engine

    from bot.logs import LogOptions

__all__ = ["EXIT_FORBIDDEN", "EXIT_INVALID", "EXIT_UNAVAILABLE", "CommandError", "Context"]


@dataclass
class Context:
    args: argparse.Namespace
    out: TextIO
    err: TextIO
    log_options: LogOptions | None = None  # how main configured logging (a work process logs the same way)
    _engine: Engine | None = None

    @property
    def database_url(self) -> str:
        from crm.quick_settings import database_url

        return self.args.database_url or database_url()

    @property
    def engine(self) -> Engine:
        """The store, created or upgraded to the current schema the first time a command needs it."""
        if self._engine is None:
            from bot.cli.failures import open_store

            self._engine = open_store(self.database_url)
        return self._engine

    def now(self) -> datetime:
        """``--now`` when given; otherwise the wall clock, read here at the edge and passed inward."""
        text = getattr(self.args, "now", None)
        if text is None:
            return wall_clock()
        try:
            return parse_time(text)
        except ValueError as exc:
            raise CommandError(f"--now: {exc}") from None
