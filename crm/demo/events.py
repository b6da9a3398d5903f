"""Engagement events of a rep's contacts: the scenarios' (R03, R14, R15), then a year of background.

Background events on the scenario contacts stay older than ``QUIET_BEFORE`` so they neither add to nor
spoil a story; the other contacts get a fifth of theirs in the last seven days, which is what R14 and R15
look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crm.demo import vocabulary as words
from crm.demo.world import DAY, ENGAGED_LEAD, HOUR, POOL, REENGAGED, TARGET, UNOWNED, Demo, Rep

Record = dict[str, Any]
QUIET_BEFORE = 45 * DAY
# (type, cumulative share)
EVENT_MIX = (
    ("page_view", 0.4),
    ("email_open", 0.65),
    ("email_click", 0.77),
    ("email_reply", 0.85),
    ("form_submission", 0.95),
    ("meeting_booked", 1.0),
)
DETAILS = {
    "page_view": words.PAGES,
    "form_submission": words.FORMS,
    "email_open": words.EMAIL_SUBJECTS,
    "email_click": words.EMAIL_SUBJECTS,
    "email_reply": words.EMAIL_SUBJECTS,
    "meeting_booked": words.MEETING_TITLES,
}


def rep_events(demo: Demo, rep: Rep, per_contact: float) -> Iterator[Record]:
    clock = demo.clock
    ago = clock.ago
    c = rep.contacts
    for position, kind, detail, seconds in (
        (REENGAGED, "page_view", "/pricing", 5 * DAY),  # R03: after the lead was disqualified
        (ENGAGED_LEAD, "form_submission", "Demo request", DAY + 2 * HOUR),  # R15
        (TARGET, "page_view", "/case-studies", 2 * DAY),  # R14
        (UNOWNED, "email_click", "Case study", 3 * DAY),  # R14, for the company's owner
    ):
        yield {
            "id": demo.new_id("ev"),
            "contact_id": c[position].id,
            "type": kind,
            "at": ago(seconds),
            "detail": detail,
        }
    rand = demo.rng.random
    spread = 2 * per_contact + 1  # a uniform count in 0 .. 2 x per_contact averages per_contact
    for position, person in enumerate(c):
        count = int(rand() * spread)
        if not count:
            continue
        first = demo.take_ids("ev", count)
        for number in range(first, first + count):
            if position < POOL:
                seconds = QUIET_BEFORE + int(rand() * (364 * DAY - QUIET_BEFORE))
            elif rand() < 0.2:
                seconds = HOUR + int(rand() * 7 * DAY - 2 * HOUR)
            else:
                seconds = 7 * DAY + int(rand() * 357 * DAY)
            r = rand()
            kind = next(k for k, upto in EVENT_MIX if r < upto)
            details = DETAILS[kind]
            yield {
                "id": f"ev{number}",
                "contact_id": person.id,
                "type": kind,
                "at": ago(seconds),
                "detail": details[int(rand() * len(details))],
            }
