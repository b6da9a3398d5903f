"""Risk signals computed from the CRM alone, each citing the activities or fields it rests on.

All read the permission-filtered ``DealContext``, so a risk can only rest on what the user may see. The
signals and their defaults (``RiskThresholds``):

- ``no_follow_up``: no future meeting and no open task due from now on.
- ``score_dropped``: the score fell by ``score_drop_points`` (10) or more within ``score_drop_days`` (30).
- ``close_date_passed``: an open deal whose close date is before today (the user's local day).
- ``close_date_pushed``: the close date moved later ``close_date_pushes`` (2) times or more.
- ``no_recent_activity``: no email, call, meeting or note for ``inactivity_days`` (14).
- ``one_contact``: at most one contact on the deal.
- ``unanswered_email``: a buyer's (incoming) email with no later outgoing email in its thread, older than
  ``unanswered_after_hours`` (24).
- ``stalled_in_stage``: the deal is older than ``stall_factor`` (1.5) times the median age of the other open
  deals in its pipeline stage that the user may view (at least ``stall_min_peers`` of them). The CRM keeps
  no stage history, so age since creation stands in for time in stage: the median compares like with like.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from crm.localtime import local_date
from insights.context import ActivityItem, DealContext


@dataclass(frozen=True)
class RiskThresholds:
    score_drop_points: float = 10
    score_drop_days: int = 30
    close_date_pushes: int = 2
    inactivity_days: int = 14
    max_contacts: int = 1
    unanswered_after_hours: int = 24
    stall_factor: float = 1.5
    stall_min_peers: int = 3


@dataclass(frozen=True)
class Risk:
    title: str
    detail: str
    source: str  # "crm" | "model"
    activity_ids: tuple[str, ...] = ()
    code: str = ""  # the CRM signal's code; empty for model risks
    fields: tuple[str, ...] = ()  # the deal fields a CRM risk rests on


def _is_open(context: DealContext) -> bool:
    return context.stage_state == "open" and context.closed_at is None


def no_follow_up(c: DealContext, t: RiskThresholds) -> Risk | None:
    if c.scheduled or not _is_open(c):
        return None
    last = c.recent[0] if c.recent else None
    detail = "No meeting or open task is scheduled for this deal."
    if last is not None and last.at is not None:
        article = "an" if last.type[:1] in "aeiou" else "a"
        detail += f" The last activity was {article} {last.type} on {last.at.date().isoformat()}."
    return Risk(
        "No follow-up scheduled", detail, "crm", (last.id,) if last else (), "no_follow_up", ("activities",)
    )


def score_dropped(c: DealContext, t: RiskThresholds) -> Risk | None:
    if not c.score_history:
        return None
    since = c.now - timedelta(days=t.score_drop_days)
    history = sorted(c.score_history)
    # The score at the start of the window counts too: the last value recorded before it.
    before = [s for at, s in history if at < since][-1:]
    window = before + [s for at, s in history if since <= at <= c.now]
    if len(window) < 2:
        return None
    current = window[-1]
    peak = max(window)
    if peak - current < t.score_drop_points:
        return None
    return Risk(
        "Deal score dropped",
        f"The deal score fell from {peak:g} to {current:g} in the last {t.score_drop_days} days.",
        "crm",
        (),
        "score_dropped",
        ("score_history",),
    )


def close_date_passed(c: DealContext, t: RiskThresholds) -> Risk | None:
    if c.close_date is None or not _is_open(c):
        return None
    today = local_date(c.now, c.user_timezone)
    if c.close_date >= today:
        return None
    days = (today - c.close_date).days
    return Risk(
        "Close date passed",
        f"The close date {c.close_date.isoformat()} passed {days} day{'s' if days != 1 else ''} ago.",
        "crm",
        (),
        "close_date_passed",
        ("close_date",),
    )


def close_date_pushed(c: DealContext, t: RiskThresholds) -> Risk | None:
    dates = [d for _, d in sorted(c.close_date_history)]
    if c.close_date is not None and (not dates or dates[-1] != c.close_date):
        dates.append(c.close_date)
    pushes = sum(1 for a, b in itertools.pairwise(dates) if b > a)
    if pushes < t.close_date_pushes:
        return None
    return Risk(
        "Close date pushed back",
        f"The close date moved later {pushes} times, from {dates[0].isoformat()} to {dates[-1].isoformat()}.",
        "crm",
        (),
        "close_date_pushed",
        ("close_date_history",),
    )


def no_recent_activity(c: DealContext, t: RiskThresholds) -> Risk | None:
    if not _is_open(c):
        return None
    last = next((a for a in c.recent if a.at is not None), None)
    if last is not None and last.at is not None and c.now - last.at < timedelta(days=t.inactivity_days):
        return None
    if last is None or last.at is None:
        return Risk(
            "No activity", "No email, call, meeting or note on this deal.", "crm", (), "no_recent_activity"
        )
    days = (c.now - last.at).days
    return Risk(
        f"No activity for {days} days",
        f"The last email, call, meeting or note was on {last.at.date().isoformat()}.",
        "crm",
        (last.id,),
        "no_recent_activity",
    )


def one_contact(c: DealContext, t: RiskThresholds) -> Risk | None:
    if c.contact_count > t.max_contacts or not _is_open(c):
        return None
    if c.contact_count == 0:
        return Risk(
            "No contacts", "No contact is associated with this deal.", "crm", (), "one_contact", ("contacts",)
        )
    return Risk(
        "One contact only",
        "Only one contact is associated with this deal: a single thread to the buyer.",
        "crm",
        (),
        "one_contact",
        ("contacts",),
    )


def _answered(email: ActivityItem, emails: list[ActivityItem]) -> bool:
    for other in emails:
        if other.direction != "outgoing" or other.at is None or email.at is None:
            continue
        if other.in_reply_to == email.id:
            return True
        if other.at > email.at and email.thread_id and other.thread_id == email.thread_id:
            return True
    return False


def unanswered_email(c: DealContext, t: RiskThresholds) -> Risk | None:
    emails = [a for a in c.recent if a.type == "email"]
    due = c.now - timedelta(hours=t.unanswered_after_hours)
    waiting = [
        e
        for e in emails
        if e.direction == "incoming" and e.at is not None and e.at <= due and not _answered(e, emails)
    ]
    if not waiting:
        return None
    latest = waiting[0]
    assert latest.at is not None
    return Risk(
        "Unanswered buyer email",
        f"The buyer's email of {latest.at.date().isoformat()} has no reply"
        + (f" ({len(waiting)} unanswered in all)." if len(waiting) > 1 else "."),
        "crm",
        tuple(e.id for e in waiting[:5]),
        "unanswered_email",
    )


def stalled_in_stage(c: DealContext, t: RiskThresholds) -> Risk | None:
    if not _is_open(c) or c.created_at is None or c.stage_median_age_days is None:
        return None
    if c.stage_peer_count < t.stall_min_peers:
        return None
    age = (c.now - c.created_at).total_seconds() / 86400
    if age <= t.stall_factor * c.stage_median_age_days:
        return None
    return Risk(
        f"Stalled in {c.stage_label}",
        f"The deal is {age:.0f} days old; open deals in this stage are typically "
        f"{c.stage_median_age_days:.0f}.",
        "crm",
        (),
        "stalled_in_stage",
        ("stage", "created_at"),
    )


SIGNALS = (
    no_follow_up,
    score_dropped,
    close_date_passed,
    close_date_pushed,
    no_recent_activity,
    one_contact,
    unanswered_email,
    stalled_in_stage,
)


def crm_risks(context: DealContext, thresholds: RiskThresholds | None = None) -> list[Risk]:
    t = thresholds or RiskThresholds()
    return [risk for signal in SIGNALS if (risk := signal(context, t)) is not None]
