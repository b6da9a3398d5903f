"""``salesbot feedback report``: per guided-action rule, how many said "Yes, keep it up!" / "Not really", and
their comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from bot.cli.context import CommandError, Context


def register(commands: Any) -> None:
    p = commands.add_parser("feedback", help="what users said about the guided actions")
    sub = p.add_subparsers(dest="feedback_command", required=True)
    p = sub.add_parser("report", help="per rule: 'keep it up' / 'not really' counts and the comments")
    p.add_argument("--since", help="only feedback from this date (YYYY-MM-DD, UTC) or instant on")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per rule")
    p.set_defaults(handler=run)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since: not a date or an ISO 8601 instant: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run(context: Context) -> int:
    import json
    from dataclasses import asdict

    from crm.db import session_scope
    from crm.queries.feedback import feedback_report
    from rules.registry import ALL_RULES

    since = _since(context.args.since)
    with session_scope(context.engine) as session:
        report = feedback_report(session, {rule.code: rule.title for rule in ALL_RULES}, since)
    if context.args.json:
        print(json.dumps([asdict(entry) for entry in report], indent=2, ensure_ascii=False), file=context.out)
        return 0
    ranked = sorted(report, key=lambda e: (-e.not_really, -e.keep_it_up, e.rule))
    for entry in ranked:
        if not (entry.keep_it_up or entry.not_really or entry.comments):
            continue
        print(
            f"{entry.rule} {entry.title}: {entry.keep_it_up} keep it up, {entry.not_really} not really",
            file=context.out,
        )
        for c in entry.comments:
            print(
                f"    {c['at'][:10]} {c['by']} ({c['feedback'].replace('_', ' ')}): {c['comment']}",
                file=context.out,
            )
    if not any(e.keep_it_up or e.not_really for e in report):
        print("No feedback yet.", file=context.out)
    return 0
