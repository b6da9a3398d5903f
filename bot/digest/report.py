"""Who got their digest: per digest-enabled user, the status of their digest of a local date.

``sent``; ``skipped`` (``empty day``, ``weekend``: a Saturday or Sunday not among their weekdays, ``off``:
another day not among them); ``missed`` (not sent within the late window, whether the clock recorded it or
was not running); ``failed`` (Slack refused it for good: the reason is Slack's error); ``not_linked`` (no
Slack user: the reason names the email that failed to match, or the workspace that uninstalled the app);
``pending`` (not finished yet: before its time, being sent, or waiting for a retry).

The date is each user's local date: today in their zone by default, or the date given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.digest_window import DEFAULT_LATE, Window, is_digest_day, slot
from crm.localtime import local_date
from crm.models import DigestDelivery, DigestKind, User
from crm.models.delivery import DeliveryState

STATUSES = ("sent", "skipped", "missed", "failed", "not_linked", "pending")


@dataclass(frozen=True)
class ReportRow:
    email: str
    local_date: str
    status: str
    reason: str | None

    def as_json(self) -> dict[str, str | None]:
        return asdict(self)


def _late_reason(user: User, late: timedelta) -> str:
    hours = late.total_seconds() / 3600
    return f"not sent within {hours:g} hours of {user.digest_time}"


def row_for(
    user: User, day: date, delivery: DigestDelivery | None, now: datetime, late: timedelta
) -> ReportRow:
    def row(status: str, reason: str | None = None) -> ReportRow:
        return ReportRow(user.email, day.isoformat(), status, reason)

    if delivery is not None:
        state = delivery.state
        if state == DeliveryState.SENT.value:
            return row("sent")
        if state == DeliveryState.SKIPPED.value:
            return row("skipped", "empty day")
        if state == DeliveryState.FAILED.value:
            return row("failed", delivery.last_error or "refused by Slack")
        if state == DeliveryState.MISSED.value:
            reason = _late_reason(user, late)
            return row(
                "missed", f"{reason} (last error: {delivery.last_error})" if delivery.last_error else reason
            )
    if not is_digest_day(user, day):
        return row("skipped", "weekend" if day.isoweekday() in (6, 7) else "off")
    today = local_date(now, user.timezone)
    window = (
        slot(user, now, late).window if day == today else (Window.MISSED if day < today else Window.BEFORE)
    )
    if window == Window.MISSED:
        if delivery is not None and delivery.state == DeliveryState.NOT_LINKED.value:
            return row("not_linked", delivery.last_error)
        return row("missed", _late_reason(user, late))
    if delivery is None:
        return row("pending", f"due at {user.digest_time}" if window == Window.BEFORE else "due now")
    if delivery.state == DeliveryState.NOT_LINKED.value:
        return row("not_linked", delivery.last_error)
    if delivery.state == DeliveryState.RETRY.value:
        return row("pending", f"retrying after: {delivery.last_error}")
    return row("pending", "being sent")


def digest_report(
    session: Session, now: datetime, day: date | None = None, late: timedelta = DEFAULT_LATE
) -> list[ReportRow]:
    """One row per digest-enabled user, by email."""
    users = list(session.scalars(select(User).where(User.digest_enabled.is_(True)).order_by(User.email)))
    days = {user.id: day or local_date(now, user.timezone) for user in users}
    deliveries = {
        (d.user_id, d.local_date): d
        for d in session.scalars(
            select(DigestDelivery).where(
                DigestDelivery.kind == DigestKind.OWN.value, DigestDelivery.local_date.in_(set(days.values()))
            )
        )
    }
    return [row_for(u, days[u.id], deliveries.get((u.id, days[u.id])), now, late) for u in users]


def summary(rows: list[ReportRow]) -> str:
    counts = Counter(r.status for r in rows)
    return ", ".join(f"{counts[s]} {s.replace('_', ' ')}" for s in STATUSES if counts[s]) or "no digests"
