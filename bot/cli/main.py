"""``salesbot``: the Slack app, the scheduler and the operator's commands in one program.

Exit codes: 0 success, 2 invalid input (bad file, unknown user or option, missing setting), 3 the acting
user may not see what they asked for, 4 a service (the database, Slack, HubSpot, the model) cannot be
reached.

Start-up stays fast: this module and each command group's ``register`` import only the standard library and
light modules; a command imports what it needs when it runs (``tests/bot/cli/test_startup.py`` guards it,
``bench/startup.py`` times it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from bot import logs
from bot.cli import (
    clock,
    data,
    demo,
    digest,
    feedback,
    home,
    housekeeping,
    hubspot,
    insights,
    preview,
    rules,
    serve,
)
from bot.cli.context import EXIT_FORBIDDEN, EXIT_INVALID, EXIT_UNAVAILABLE, CommandError, Context
from bot.cli.failures import unavailable

COMMAND_GROUPS = (
    demo,
    data,
    rules,
    digest,
    insights,
    home,
    preview,
    hubspot,
    clock,
    serve,
    housekeeping,
    feedback,
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("salesbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class _Version(argparse.Action):
    """``--version`` that reads the installed version only when asked (importlib.metadata is not free)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        print(f"salesbot {_version()}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CommandError(f"{self.prog}: {message}", EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="salesbot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///salesbot.db)"
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    logs.add_arguments(parser)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        # -v, -q and --log-format are accepted anywhere on the line, before or after the subcommand.
        log_options, rest = logs.split_arguments(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(rest)
    except CommandError as exc:
        print(exc, file=err)
        return exc.exit_code
    logs.configure(
        log_options, stream=err, command=args.command, background=args.command in logs.SERVICE_COMMANDS
    )
    context = Context(args=args, out=out, err=err, log_options=log_options)
    try:
        return int(args.handler(context) or 0)
    except CommandError as exc:
        print(f"error: {exc}", file=err)
        return exc.exit_code
    except Exception as exc:
        permissions = sys.modules.get("crm.permissions")  # not imported here: start-up stays fast
        if permissions is not None and isinstance(exc, permissions.PermissionDenied):
            print(f"error: {exc}", file=err)
            return EXIT_FORBIDDEN
        message = unavailable(exc)
        if message is None:
            raise
        print(f"error: {message}", file=err)
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (salesbot ... | head): not an error worth a trace
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
