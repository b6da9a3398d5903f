"""``salesbot``: the Slack app, the scheduler and the operator's commands in one program.

Exit codes: 0 success, 2 invalid input (bad file, unknown user or option), 3 the acting user may not see
what they asked for.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.cli import clock, data, demo, digest, home, hubspot, insights, rules, serve
from bot.cli.context import EXIT_FORBIDDEN, EXIT_INVALID, CommandError, Context
from crm.permissions import PermissionDenied

COMMAND_GROUPS = (demo, data, rules, digest, insights, home, hubspot, clock, serve)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CommandError(f"{self.prog}: {message}", EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="salesbot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///salesbot.db)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except CommandError as exc:
        print(exc, file=err)
        return exc.exit_code
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=err,
    )
    context = Context(args=args, out=out, err=err)
    try:
        return int(args.handler(context) or 0)
    except CommandError as exc:
        print(f"error: {exc}", file=err)
        return exc.exit_code
    except PermissionDenied as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FORBIDDEN
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (salesbot ... | head): not an error worth a trace
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
