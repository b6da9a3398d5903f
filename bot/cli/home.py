"""``salesbot home --user EMAIL [--tab T] [--json]``: an App Home tab as text, or the exact ``views.publish``
payload."""

from __future__ import annotations

import json
from typing import Any

from bot.cli.context import CommandError, Context

# The Home tabs (bot.home.state.TABS; a test checks they agree), here so `--help` loads no Home code.
TABS = ("summary", "deals", "leads", "schedule", "feed", "settings")


def register(commands: Any) -> None:
    p = commands.add_parser("home", help="an App Home tab as text, or the views.publish payload")
    p.add_argument("--user", metavar="EMAIL", required=True)
    p.add_argument("--tab", choices=TABS, help="default: the tab the user chose last")
    p.add_argument("--as", dest="as_user", metavar="EMAIL", help="(super admins) view this user's Home")
    p.add_argument("--now", help="ISO 8601 instant (default: now)")
    p.add_argument("--json", action="store_true", help="print the exact views.publish payload")
    p.set_defaults(handler=run)


def run(context: Context) -> int:
    from bot.render.text import render_view, use_color

    payload = home_payload(context)
    if context.args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=context.out)
    else:
        print(render_view(payload["view"], color=use_color(context.out)), file=context.out)
    return 0


def home_payload(context: Context) -> dict[str, Any]:
    """The ``views.publish`` payload of ``--user``'s Home (``--tab``, ``--as``) at the command's ``now``."""
    from bot.home import home_tab
    from bot.home.state import HomeState
    from bot.slack.users import cached_slack_id
    from crm.db import session_scope
    from crm.queries.actions import user_by_email

    args = context.args
    now = context.now()
    with session_scope(context.engine) as session:
        user = user_by_email(session, args.user)
        if user is None:
            raise CommandError(f"no user with the email {args.user!r}")
        state = home_tab.initial_state(session, user)
        if args.tab:
            state = state.apply("tab", args.tab)
        if args.as_user:
            subject = user_by_email(session, args.as_user)
            if subject is None:
                raise CommandError(f"no user with the email {args.as_user!r}")
            state = HomeState(tab=state.tab, subject=subject.id)
        view = home_tab.build(session, user, state, now)
        return {"user_id": cached_slack_id(session, user) or user.slack_user_id, "view": view}
