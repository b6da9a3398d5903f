"""``salesbot digest``: preview a user's digest, or send every digest that is due (one scheduler tick)."""

from __future__ import annotations

from typing import Any

from bot.cli.context import CommandError, Context


def register(commands: Any) -> None:
    p = commands.add_parser(
        "digest",
        help="preview a user's morning digest, or `send-due` to send every digest that is due",
        description="`salesbot digest --user EMAIL [--json]` previews; `salesbot digest send-due` sends.",
    )
    p.add_argument(
        "what",
        nargs="?",
        choices=("send-due", "report"),
        help="send-due: send every due digest now; report: who got their digest (sent, skipped, missed...)",
    )
    p.add_argument("--user", metavar="EMAIL", help="the user whose digest to preview")
    p.add_argument("--now", help="ISO 8601 instant (default: now)")
    p.add_argument("--team", action="store_true", help="preview a manager's team digest instead")
    p.add_argument("--date", help="report: the users' local date (default: today in each user's zone)")
    p.add_argument(
        "--json", action="store_true", help="print the exact chat.postMessage payload (report: the rows)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="send-due: list the digests that are due; send nothing"
    )
    p.set_defaults(handler=run)


def run(context: Context) -> int:
    args = context.args
    if args.what == "send-due":
        if args.user or args.json or args.team:
            raise CommandError("send-due takes no --user, --json or --team")
        return run_dry_run(context) if args.dry_run else run_send_due(context)
    if args.dry_run:
        raise CommandError("--dry-run goes with send-due")
    if args.what == "report":
        if args.user:
            raise CommandError("report takes no --user")
        return run_report(context)
    if args.date:
        raise CommandError("--date goes with `report`")
    if not args.user:
        raise CommandError("give --user EMAIL (or `send-due`)")
    from bot.digest.render import payload_json
    from bot.render.text import render_message, use_color

    # The text is the payload drawn: what Slack shows, cut where the message is cut.
    payload = team_payload_of(context, args.user) if args.team else digest_payload(context, args.user)
    if args.json:
        print(payload_json(payload), file=context.out)
    else:
        print(render_message(payload, color=use_color(context.out)), file=context.out)
    return 0


def digest_payload(context: Context, email: str) -> dict[str, Any]:
    """The ``chat.postMessage`` payload of ``email``'s digest at the command's ``now``."""
    from bot.digest.content import SECTION_LIMIT, load_digest
    from bot.digest.render import message_payload
    from bot.slack.users import cached_slack_id
    from crm.db import session_scope
    from crm.queries.actions import user_by_email
    from crm.quick_settings import home_url

    now = context.now()
    with session_scope(context.engine) as session:
        user = user_by_email(session, email)
        if user is None:
            raise CommandError(f"no user with the email {email!r}")
        digest = load_digest(
            session, user, now, channel=cached_slack_id(session, user), guided_limit=SECTION_LIMIT
        )
        return message_payload(digest, home_url=home_url())


def team_payload_of(context: Context, email: str) -> dict[str, Any]:
    """The ``chat.postMessage`` payload of the team digest of the manager ``email``."""
    from bot.digest.team import load_team_digest, team_payload
    from bot.slack.users import cached_slack_id
    from crm.db import session_scope
    from crm.queries.actions import user_by_email
    from crm.quick_settings import home_url

    with session_scope(context.engine) as session:
        user = user_by_email(session, email)
        if user is None:
            raise CommandError(f"no user with the email {email!r}")
        team = load_team_digest(session, user, context.now(), channel=cached_slack_id(session, user))
        return team_payload(team, home_url=home_url())


def run_report(context: Context) -> int:
    import json
    from datetime import date, timedelta

    from bot.digest.report import digest_report, summary
    from crm.config import get_settings
    from crm.db import session_scope

    day = None
    if context.args.date:
        try:
            day = date.fromisoformat(context.args.date)
        except ValueError:
            raise CommandError(f"--date: not a date (YYYY-MM-DD): {context.args.date!r}") from None
    late = timedelta(hours=get_settings().salesbot_digest_late_hours)
    with session_scope(context.engine) as session:
        rows = digest_report(session, context.now(), day, late)
    if context.args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2), file=context.out)
        return 0
    width = max((len(r.email) for r in rows), default=5)
    for r in rows:
        line = f"{r.email:<{width}}  {r.local_date}  {r.status:<10}  {r.reason or ''}"
        print(line.rstrip(), file=context.out)
    print(f"Digests: {summary(rows)}", file=context.out)
    return 0


def run_dry_run(context: Context) -> int:
    """The digests a tick at ``now`` would send, each with its counts; no claim, no Slack call, no write."""
    from sqlalchemy.orm import Session

    from bot.digest.content import SECTION_LIMIT, load_digest
    from bot.digest.render import counts_line
    from bot.slack.users import cached_slack_id
    from crm.queries.deliveries import due_users

    now = context.now()
    with Session(context.engine) as session:
        try:
            due = due_users(session, now)
            print(f"Dry run: {len(due)} digest(s) due at {now.isoformat()}; nothing sent", file=context.out)
            for user, day, _kinds in due:
                digest = load_digest(session, user, now, guided_limit=SECTION_LIMIT)
                slack_id = cached_slack_id(session, user) or "Slack id to look up by email"
                what = "empty" if digest.is_empty else counts_line(digest)
                print(f"  {user.email} ({day.isoformat()}, {slack_id}): {what}", file=context.out)
        finally:
            session.rollback()
    return 0


def run_send_due(context: Context) -> int:
    from bot.digest.delivery import DeliveryConfig, send_due
    from bot.digest.workspaces import delivery_workspaces
    from bot.slack.client import SlackNotConfigured
    from crm.config import get_settings
    from crm.localtime import wall_clock

    settings = get_settings()
    try:
        client = delivery_workspaces(settings)
    except SlackNotConfigured as exc:
        raise CommandError(str(exc)) from None
    report = send_due(
        context.engine,
        client,
        context.now(),
        # With --now the run is pinned to it; otherwise leases and back-off follow the wall clock.
        clock=None if context.args.now else wall_clock,
        config=DeliveryConfig.from_settings(settings),
        home_url=settings.home_url,
    )
    print(f"Digests: {report.summary()}", file=context.out)
    for error in report.errors:
        print(f"  {error}", file=context.err)
    return 0
