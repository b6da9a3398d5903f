"""``salesbot insights DEAL_ID --as EMAIL [--json]``: deal insights as that user would see them.

Exit 2 for an unknown user, 3 when the user may not view the deal (a missing deal alike; nothing about it
is revealed) or when customer analysis is off for the organisation.
"""

from __future__ import annotations

import json
from typing import Any

from bot.cli.context import EXIT_FORBIDDEN, CommandError, Context


def register(commands: Any) -> None:
    p = commands.add_parser(
        "insights",
        help="deal insights as a user would see them",
        description="Deal insights (recent activity, risks, buyer goals) as that user would see them.",
    )
    p.add_argument("deal_id", metavar="DEAL_ID")
    p.add_argument("--as", dest="as_user", metavar="EMAIL", required=True, help="the acting user")
    p.add_argument("--now", help="ISO 8601 instant (default: now)")
    p.add_argument("--refresh", action="store_true", help="ask the model again instead of using the cache")
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.set_defaults(handler=run)


def run(context: Context) -> int:
    from bot.blocks.insights import result_message
    from bot.render.text import render_message, use_color

    result = insights_result(context)
    if context.args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), file=context.out)
    else:
        print(render_message(result_message(result), color=use_color(context.out)), file=context.out)
    return 0


def insights_result(context: Context) -> Any:
    """The insights of ``DEAL_ID`` as ``--as`` sees them (exit 3 when customer analysis is off)."""
    from crm.db import session_scope
    from crm.queries.actions import user_by_email
    from insights.service import InsightsDisabled, get_insights

    args = context.args
    now = context.now()
    with session_scope(context.engine) as session:
        user = user_by_email(session, args.as_user)
        if user is None:
            raise CommandError(f"no user with the email {args.as_user!r}")
        try:
            result = get_insights(session, args.deal_id, user, now, refresh=args.refresh)
        except InsightsDisabled as exc:
            raise CommandError(str(exc), EXIT_FORBIDDEN) from None
    return result
