"""``salesbot housekeeping``: prune old Slack event ids, digest deliveries and stale insight answers once."""

from __future__ import annotations

from typing import Any

from bot.cli.context import Context


def register(commands: Any) -> None:
    p = commands.add_parser(
        "housekeeping", help="delete what is past its retention (the clock does this every hour)"
    )
    p.add_argument("--now", help="ISO 8601 instant to prune as of (default: now)")
    p.add_argument("--json", action="store_true", help='print {"table": rows removed, ...}')
    p.set_defaults(handler=run)


def run(context: Context) -> int:
    import json

    from crm.changes.housekeeping import housekeeping
    from crm.db import session_scope

    with session_scope(context.engine, write=True) as session:
        removed = housekeeping(session, context.now())
    if context.args.json:
        print(json.dumps(removed), file=context.out)
    else:
        for table, count in removed.items():
            print(f"{table}: {count} removed", file=context.out)
    return 0
