"""Logging for the ``salesbot`` program: one handler on stderr, text or JSON, secrets redacted.

The long-running commands (``serve``, ``socket``, ``clock``) log at INFO by default: one line per handled
Slack request and per clock job. One-shot commands print their results on stdout and log only warnings
unless ``-v``. ``-q`` keeps warnings and errors only. Libraries (Bolt, slack_sdk, APScheduler, waitress,
Alembic, the HTTP clients) log at WARNING whatever the level, so their chatter never hides the story.
``--log-format json`` writes one JSON object per line for platforms that parse logs.

Nothing logged may carry a secret: messages name users by id, never by token or email body, and a filter
redacts anything shaped like a Slack or OpenAI token as a last line of defence.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import queue
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

OUR_LOGGERS = ("bot", "crm", "rules", "insights", "hubspot_connector")
QUIET_LIBRARIES = (
    "apscheduler",
    "slack_bolt",
    "slack_sdk",
    "waitress",
    "alembic",
    "urllib3",
    "httpx",
    "httpcore",
    "openai",
    "langchain",
    "hubspot",
    "tzlocal",
)
SERVICE_COMMANDS = frozenset({"serve", "socket", "clock"})
FORMATS = ("text", "json")
# How long a service's log records wait for others to be written with them (one wake-up of the writing
# thread per batch, not per record).
LOG_LINGER_S = 0.05
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

_SECRET = re.compile(r"\b(xox[abposr]-[\w-]+|xapp-[\w-]+|sk-[\w-]{8,}|Bearer\s+[\w.~+/-]+=*)")
# Attributes every LogRecord has; anything else was passed with ``extra=`` and belongs in the JSON.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@dataclass(frozen=True)
class LogOptions:
    verbose: bool = False
    quiet: bool = False
    format: str = "text"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options as ``--help`` shows them; :func:`split_arguments` takes them from anywhere on the line."""
    group = parser.add_argument_group("logging (accepted anywhere on the line)")
    group.add_argument("-v", "--verbose", action="store_true", help="log more (progress, debug detail)")
    group.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    group.add_argument("--log-format", choices=FORMATS, default="text", help="text (default) or json")


def split_arguments(argv: list[str]) -> tuple[LogOptions, list[str]]:
    """The logging options wherever they are (up to a ``--``), and the rest of the line for argparse."""
    verbose = quiet = False
    fmt = "text"
    rest: list[str] = []
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.append(item)
            rest.extend(items)
            break
        if item in ("-v", "--verbose", "-vv"):
            verbose = True
        elif item in ("-q", "--quiet"):
            quiet = True
        elif item == "--log-format" or item.startswith("--log-format="):
            value = item.partition("=")[2] if "=" in item else next(items, "")
            if value not in FORMATS:
                from bot.cli.errors import CommandError

                raise CommandError(f"salesbot: --log-format: choose one of {', '.join(FORMATS)}")
            fmt = value
        else:
            rest.append(item)
    return LogOptions(verbose=verbose, quiet=quiet, format=fmt), rest


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub("[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class EveryFewSeconds(logging.Filter):
    """At most one record of a logger per ``every_s`` seconds, saying how many were held back since the last
    one: waitress warns of its task queue's depth on every request queued while its threads are busy (once a
    request through a burst of clicks, each formatted and written while its dispatcher holds its lock)."""

    def __init__(self, every_s: float, clock: Any = None) -> None:
        super().__init__()
        self.every_s = every_s
        self.clock = clock or time.monotonic
        self.last: float | None = None
        self.held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now, last = self.clock(), self.last
        if last is not None and now - last < self.every_s:
            self.held += 1
            return False
        if self.held and last is not None:
            held = f"{self.held} more such warnings held back in {now - last:.0f} s"
            record.msg, record.args = f"{record.getMessage()} ({held})", None
        self.last, self.held = now, 0
        return True


QUEUE_WARNING_EVERY_S = 30.0


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def level_for(options: LogOptions, command: str | None) -> int:
    if options.quiet:
        return logging.WARNING
    if command in SERVICE_COMMANDS:
        return logging.DEBUG if options.verbose else logging.INFO
    return logging.INFO if options.verbose else logging.WARNING


def _background(writer: logging.Handler) -> logging.Handler:
    """A handler that queues each record for a thread of its own, which formats it and hands it to
    ``writer`` a batch at a time (``bot.workers.batch``); what is still queued is written at exit.
    (logging.handlers and the workers load only here: start-up.)"""
    import threading
    from logging.handlers import QueueHandler

    from bot.workers import batch

    records: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()

    def write() -> None:
        while True:
            taken = batch(records, LOG_LINGER_S)
            for record in taken:
                if record is not None:
                    writer.handle(record)
            if taken[-1] is None:
                return

    thread = threading.Thread(target=write, name="salesbot-log", daemon=True)

    class Enqueue(QueueHandler):
        def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
            # The message as it reads now (its arguments may change later); the record stays in this
            # process, so an exception keeps its traceback for the formatter.
            record.msg, record.args = record.getMessage(), None
            return record

        def close(self) -> None:
            if thread.is_alive():  # close is called at exit, maybe twice
                records.put(None)
                thread.join()  # writes what is still queued
            super().close()

    front = Enqueue(records)
    thread.start()
    atexit.register(front.close)
    return front


def configure(
    options: LogOptions, *, stream: TextIO, command: str | None = None, background: bool = False
) -> logging.Handler:
    """Route every log record to ``stream`` (replacing a handler an earlier call installed).

    ``background=True`` (the services: ``serve``, ``socket``, ``clock``) formats and writes records on a
    thread of their own: a thread answering Slack only queues its request's line, never waits for the log's
    lock or its stream. What is queued is written at exit.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "salesbot", False)]:
        root.removeHandler(old)
        old.close()
    writer = logging.StreamHandler(stream)
    writer.setFormatter(JsonFormatter() if options.format == "json" else logging.Formatter(TEXT_FORMAT))
    writer.addFilter(RedactSecrets())
    handler: logging.Handler = writer
    if background:
        handler = _background(writer)
    handler.salesbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # Our loggers inherit the root's level; the libraries are held at WARNING whatever it is.
    root.setLevel(level_for(options, command))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    queue_warnings = logging.getLogger("waitress.queue")
    for old_filter in [f for f in queue_warnings.filters if isinstance(f, EveryFewSeconds)]:
        queue_warnings.removeFilter(old_filter)
    queue_warnings.addFilter(EveryFewSeconds(QUEUE_WARNING_EVERY_S))
    return handler
