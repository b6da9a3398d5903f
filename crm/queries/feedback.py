"""What users said about the guided actions: per rule, "Yes, keep it up!" and "Not really" counts and the
comments, so an admin sees which rules annoy people (``salesbot feedback report``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Action, User
from crm.models.action import Feedback


@dataclass
class RuleFeedback:
    rule: str
    title: str
    keep_it_up: int = 0
    not_really: int = 0
    comments: list[dict[str, str]] = field(default_factory=list)  # {"at", "by", "feedback", "comment"}


def feedback_report(
    session: Session, titles: dict[str, str], since: datetime | None = None
) -> list[RuleFeedback]:
    """Every rule (by code, ``titles``: code -> title), with the feedback given at or after ``since``."""
    report = {code: RuleFeedback(code, title) for code, title in sorted(titles.items())}
    stmt = (
        select(Action.rule, Action.feedback, Action.feedback_comment, Action.feedback_at, User.email)
        .outerjoin(User, User.id == Action.feedback_by)
        .where(Action.feedback.is_not(None))
        .order_by(Action.feedback_at, Action.id)
    )
    if since is not None:
        stmt = stmt.where(Action.feedback_at >= since)
    for rule, feedback, comment, at, email in session.execute(stmt):
        entry = report.setdefault(rule, RuleFeedback(rule, rule))
        if feedback == Feedback.KEEP_IT_UP.value:
            entry.keep_it_up += 1
        elif feedback == Feedback.NOT_REALLY.value:
            entry.not_really += 1
        if comment:
            entry.comments.append(
                {
                    "at": at.isoformat() if at else "",
                    "by": email or "",
                    "feedback": feedback or "",
                    "comment": comment,
                }
            )
    return list(report.values())
