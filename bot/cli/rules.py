"""``salesbot rules run`` and ``salesbot actions``: run the guided-action rules, list a user's actions."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from bot.cli.context import CommandError, Context
from crm.isotime import format_time, format_time_or_none

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm.models import Action, User
    from rules.engine import EvaluationReport


def register(commands: Any) -> None:
    p = commands.add_parser("rules", help="guided-action rules")
    rules_commands = p.add_subparsers(dest="rules_command", required=True)
    p = rules_commands.add_parser(
        "run", help="create and expire guided actions, reopen snoozed ones that are due"
    )
    p.add_argument("--now", help="ISO 8601 instant to evaluate at (default: now)")
    p.add_argument(
        "--full",
        action="store_true",
        help="evaluate every rule over the whole CRM (by default a rule whose inputs did not change since "
        "its last run re-checks only what time moving can have changed; the result is the same)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print what the run would create, expire and reopen, and change nothing",
    )
    p.set_defaults(handler=run_rules)
    p = rules_commands.add_parser("list", help="the guided-action catalogue, from the rules themselves")
    p.add_argument(
        "--markdown", action="store_true", help="each rule in full, as docs/guided-actions.md embeds it"
    )
    p.set_defaults(handler=list_rules)

    p = commands.add_parser("actions", help="list a user's guided actions (open ones by default)")
    p.add_argument("--user", required=True, metavar="EMAIL", help="the user's email address")
    p.add_argument("--category", choices=("all", "closing", "prospecting"), default="all")
    p.add_argument("--state", choices=("open", "all"), default="open")
    p.add_argument("--json", action="store_true", help="print the documented JSON (docs/architecture.md)")
    p.set_defaults(handler=list_actions)


def run_rules(context: Context) -> int:
    from sqlalchemy.orm import Session

    from crm.db import session_scope
    from rules.actions import unsnooze_due
    from rules.engine import evaluate

    now = context.now()
    if context.args.dry_run:
        # The same run in a transaction that is rolled back: exactly what it would do, nothing kept.
        with Session(context.engine) as session:
            try:
                report = evaluate(session, now, incremental=not context.args.full)
                unsnoozed = unsnooze_due(session, now)
            finally:
                session.rollback()
        print("Dry run: nothing was changed. The run would do this:", file=context.out)
        print(format_report(report, unsnoozed), file=context.out)
        return 0
    with session_scope(context.engine) as session:
        # First in its transaction: it takes the evaluation lock.
        report = evaluate(session, now, incremental=not context.args.full)
        unsnoozed = unsnooze_due(session, now)
    print(format_report(report, unsnoozed), file=context.out)
    return 0


def list_rules(context: Context) -> int:
    from rules.catalogue import markdown, table  # only this command needs the rules' docstrings

    print(markdown() if context.args.markdown else table(), file=context.out)
    return 0


def format_report(report: EvaluationReport, unsnoozed: int) -> str:
    from rules.incremental import Mode
    from rules.registry import ALL_RULES

    mode_labels = (
        (Mode.FULL, "in full"),
        (Mode.INCREMENTAL, "incrementally (inputs unchanged: only what time moving can change)"),
        (Mode.UNCHANGED, "not at all (inputs and time unchanged)"),
    )
    lines = [f"Rules evaluated at {format_time(report.now)}"]
    for rule in ALL_RULES:
        counts = report.rules[rule.code]
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.expired.items()))
        line = f"{rule.code} {rule.title}: {counts.created} created, {counts.expired_total} expired"
        lines.append(line + (f" ({reasons})" if reasons else ""))
    modes = Counter(r.mode for r in report.rules.values())
    ran = [f"{modes[mode]} {label}" for mode, label in mode_labels if modes[mode]]
    lines.append("Rules run: " + ", ".join(ran))
    lines.append(f"Total: {report.created} created, {report.expired} expired, {unsnoozed} un-snoozed")
    return "\n".join(lines)


def list_actions(context: Context) -> int:
    from crm.db import session_scope
    from crm.queries.actions import user_actions
    from rules.registry import ranked

    args = context.args
    with session_scope(context.engine) as session:
        user = find_user(session, args.user)
        stmt = user_actions(
            user.id,
            category=None if args.category == "all" else args.category,
            states=("open",) if args.state == "open" else None,
        )
        actions = ranked(session.scalars(stmt))
        if args.json:
            print(json.dumps([action_json(a) for a in actions], indent=2), file=context.out)
        else:
            print(format_table(user, actions), file=context.out)
    return 0


def find_user(session: Session, email: str) -> User:
    from crm.queries.actions import user_by_email

    user = user_by_email(session, email)
    if user is None:
        raise CommandError(f"unknown user {email!r}")
    return user


def action_json(action: Action) -> dict[str, Any]:
    """One action as docs/architecture.md documents ``actions --json``."""
    from rules.registry import RULES_BY_CODE

    return {
        "id": action.id,
        "rule": action.rule,
        "title": RULES_BY_CODE[action.rule].title,
        "category": action.category,
        "subject_type": action.subject_type,
        "subject_id": action.subject_id,
        "key": action.key,
        "contact_id": action.contact_id,
        "company_id": action.company_id,
        "state": action.state,
        "expired_reason": action.expired_reason,
        "created_at": format_time(action.created_at),
        "ended_at": format_time_or_none(action.ended_at),
    }


def format_table(user: User, actions: list[Action]) -> str:
    """A text table, times in the user's zone."""
    from crm.localtime import zone
    from rules.registry import RULES_BY_CODE

    if not actions:
        return f"No guided actions for {user.email}."
    tz = zone(user.timezone)
    header = ("ID", "RULE", "TITLE", "CATEGORY", "STATE", "SUBJECT", "CONTACT", "CREATED")
    rows = [
        (
            str(a.id),
            a.rule,
            RULES_BY_CODE[a.rule].title,
            a.category,
            a.state if a.expired_reason is None else f"{a.state} ({a.expired_reason})",
            f"{a.subject_type} {a.subject_id}",
            a.contact_id or "-",
            a.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        )
        for a in actions
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    return "\n".join([f"Guided actions of {user.email} ({user.timezone})", *lines])
