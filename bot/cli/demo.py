"""``salesbot demo``: a believable CRM relative to now, imported, rules run, each rep's day printed."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.context import CommandError, Context
from bot.cli.data import format_counts, load_file

if TYPE_CHECKING:
    from sqlalchemy import Engine

SHOWN_REPS = 50


def register(commands: Any) -> None:
    p = commands.add_parser("demo", help="make a demo CRM, then print every rep's day")
    p.add_argument("--profile", choices=("default", "large"), default="default")
    p.add_argument("--reps", type=int, help="number of reps (default: the profile's)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--now", help="ISO 8601 instant the data is relative to (default: now)")
    p.add_argument("--out", help="also keep the generated dataset in this JSON file")
    p.add_argument("--reset", action="store_true", help="replace existing non-demo data in the database")
    p.set_defaults(handler=run)


def _holds_other_data(engine: Engine) -> bool:
    from sqlalchemy import func, select

    from crm.db import session_scope
    from crm.demo.generator import DEMO_ORG_NAME
    from crm.models import Org, User

    with session_scope(engine) as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        org = session.get(Org, 1)
    return users > 0 and (org is None or org.name != DEMO_ORG_NAME)


def _wipe(engine: Engine) -> None:
    from crm.models import Base

    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def run(context: Context) -> int:
    from crm.db import session_scope
    from crm.demo.generator import write_dataset
    from crm.isotime import format_time
    from rules.engine import evaluate

    args = context.args
    if args.reps is not None and args.reps < 1:
        raise CommandError("--reps must be at least 1")
    now = context.now()
    engine = context.engine
    if _holds_other_data(engine) and not args.reset:
        raise CommandError(
            "the database already holds CRM data that is not the demo's; "
            "point DATABASE_URL at another database or pass --reset to replace it"
        )
    _wipe(engine)
    progress = args.profile == "large"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.out) if args.out else Path(tmp) / "demo.json"
        write_dataset(path, now, profile=args.profile, reps=args.reps, seed=args.seed, progress=progress)
        counts = load_file(context, str(path), progress=progress)
    print(f"Demo CRM ready: {format_counts(counts)}", file=context.out)
    with session_scope(engine) as session:
        report = evaluate(session, now)
    print(
        f"Guided actions: {report.created} created by the rules run at {format_time(now)}.", file=context.out
    )
    print_rep_days(context, now)
    return 0


def print_rep_days(context: Context, now: Any) -> None:
    """Each rep's morning digest drawn from the exact message Slack would get."""
    from sqlalchemy import func, select

    from bot.digest.content import SECTION_LIMIT, load_digest
    from bot.digest.render import message_payload
    from bot.render.text import render_message, use_color
    from crm.db import session_scope
    from crm.models import ActivityDeal, Deal, Role, User
    from crm.quick_settings import home_url

    with session_scope(context.engine) as session:
        reps = session.scalars(select(User).where(User.role == Role.REP).order_by(User.name)).all()
        color = use_color(context.out)
        for rep in reps[:SHOWN_REPS]:
            digest = load_digest(session, rep, now, guided_limit=SECTION_LIMIT)
            payload = message_payload(digest, home_url=home_url())
            print(f"\n=== {rep.name} <{rep.email}>  {rep.timezone}", file=context.out)
            print(render_message(payload, color=color), file=context.out)
        if len(reps) > SHOWN_REPS:
            print(f"\n... and {len(reps) - SHOWN_REPS} more reps", file=context.out)
        if reps:
            print(
                "\nOne digest, its Slack payload, or a picture of it: "
                f"salesbot digest --user {reps[0].email} [--json]; "
                f"salesbot preview digest --user {reps[0].email} --out digest.html",
                file=context.out,
            )
            print(
                f"Their Home tab: salesbot home --user {reps[0].email} --tab deals [--json]", file=context.out
            )
            # The rep's deal with the most activities: the one with the most to say.
            deal = session.scalar(
                select(Deal.id)
                .join(ActivityDeal, ActivityDeal.deal_id == Deal.id)
                .where(Deal.owner_id == reps[0].id)
                .group_by(Deal.id)
                .order_by(func.count().desc(), Deal.id)
                .limit(1)
            )
            if deal is not None:
                print(
                    f"Deal insights (CRM risks; AI text with OPENAI_API_KEY): "
                    f"salesbot insights {deal} --as {reps[0].email}",
                    file=context.out,
                )
