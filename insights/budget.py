"""A deal's context fitted to a prompt of ``budget`` tokens, in one pass.

Each body is cleaned (``insights.text.clean_body``) and measured once. The rendered prompt's size adds up
(a fixed part, then a header line and a body per activity), so the choice is arithmetic, not a render per
candidate: keep the newest activities that can each have ``MIN_BODY_CHARS`` of body (shorter bodies
whole), leaving out and counting the oldest when the budget cannot give every one that much, rather than
emptying every body; then cut bodies at the largest cap that fits. One render checks the result; should the
estimate fall short (a template changed, text of many-byte characters), the choice is made again with the
shortfall taken off the room.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from crm.models import User
from insights.context import DEFAULT_BUDGET, RECENT_LIMIT, ActivityItem, DealContext, read_deal
from insights.prompt import SCHEMA_OVERHEAD, fenced_bytes, prompt_tokens, render_system, render_user
from insights.text import BYTES_PER_TOKEN, CUT_MARK, clean_body, cut, estimate_tokens

BODY_MAX_CHARS = 4000  # no single activity needs more, whatever the budget
MIN_BODY_CHARS = 250  # less than this says too little to be worth the activity's place
_ATTEMPTS = 4


@dataclass(frozen=True)
class _Sized:
    item: ActivityItem
    body: str
    header: int  # bytes of the activity's lines without its body
    full: int  # bytes of its body's line, whole

    def cost(self, cap: int) -> int:
        """Bytes of the activity with its body cut to ``cap`` characters (an upper estimate)."""
        if len(self.body) <= cap:
            return self.header + self.full
        if cap <= 0:
            return self.header
        return self.header + math.ceil(cap * self.full / len(self.body)) + len(CUT_MARK) + 1


def _header_bytes(a: ActivityItem) -> int:
    # Mirrors prompts/insights_user.j2 for the estimate only; the final render is what is checked.
    direction = f' direction="{a.direction}"' if a.direction else ""
    at = "" if a.at is None else str(a.at)
    line = f'<activity id="{a.id}" type="{a.type}" at="{at}"{direction}>'
    return fenced_bytes(f"{line}\n{a.title}\n</activity>\n")


def _sized(a: ActivityItem, stored: str) -> _Sized:
    body = clean_body(stored, email=a.type == "email", max_chars=BODY_MAX_CHARS)
    return _Sized(a, body, _header_bytes(a), fenced_bytes(body) + 1 if body else 0)


def _largest_cap(items: list[_Sized], room: int) -> int | None:
    """The largest body cap at which ``items`` fit ``room`` bytes; None if not even without bodies."""
    if sum(s.cost(0) for s in items) > room:
        return None
    lo, hi = 0, max((len(s.body) for s in items), default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(s.cost(mid) for s in items) <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _choose(recent: list[_Sized], scheduled: list[_Sized], room: int) -> tuple[int, list[_Sized], int]:
    """(how many of the newest ``recent`` to keep, the ``scheduled`` kept, the body cap)."""
    spent = sum(s.cost(MIN_BODY_CHARS) for s in scheduled)
    keep = 0
    for s in recent:
        spent += s.cost(MIN_BODY_CHARS)
        if spent > room:
            break
        keep += 1
    # Scheduled activities come first (they are few, and what is next matters); the farthest go first.
    kept_scheduled = list(scheduled)
    while True:
        cap = _largest_cap(kept_scheduled + recent[:keep], room)
        if cap is not None or not kept_scheduled:
            return keep, kept_scheduled, cap or 0
        kept_scheduled.pop()


def fit_to_budget(context: DealContext, bodies: dict[str, str], budget: int) -> DealContext:
    """``context`` (as ``read_deal`` made it, without bodies) with its activities' ``bodies`` cleaned and
    cut and, when need be, its oldest recent activities left out (``omitted``), to fit ``budget``."""
    recent = [_sized(a, bodies.get(a.id, "")) for a in context.recent]
    scheduled = [_sized(a, bodies.get(a.id, "")) for a in context.scheduled]
    fixed = replace(context, recent=(), scheduled=(), omitted=len(recent))  # the most digits "omitted" takes
    allowed = (budget - estimate_tokens(render_system()) - SCHEMA_OVERHEAD) * BYTES_PER_TOKEN
    room = allowed - len(render_user(fixed).encode("utf-8"))
    for _ in range(_ATTEMPTS):
        keep, kept_scheduled, cap = _choose(recent, scheduled, room)
        longest = max((len(s.body) for s in (*kept_scheduled, *recent[:keep])), default=0)
        candidate = replace(
            context,
            recent=tuple(replace(s.item, body=cut(s.body, cap)) for s in recent[:keep]),
            scheduled=tuple(replace(s.item, body=cut(s.body, cap)) for s in kept_scheduled),
            omitted=len(recent) - keep,
            body_cap=cap if cap < longest else None,
        )
        tokens = prompt_tokens(candidate)
        if tokens <= budget or not (candidate.recent or candidate.scheduled):
            break
        room -= (tokens - budget) * BYTES_PER_TOKEN
    else:  # the estimate kept falling short: what surely fits is the deal without its activities
        candidate = replace(context, recent=(), scheduled=(), omitted=len(recent), body_cap=0)
        tokens = prompt_tokens(candidate)
    return replace(candidate, prompt_tokens=tokens)


def build_context(
    session: Session,
    deal_id: str,
    user: User,
    now: datetime,
    *,
    budget: int = DEFAULT_BUDGET,
    recent_limit: int = RECENT_LIMIT,
) -> DealContext:
    """The context a prompt is rendered from: ``read_deal`` fitted to ``budget`` tokens."""
    reading = read_deal(session, deal_id, user, now, recent_limit=recent_limit)
    return fit_to_budget(reading.context, reading.bodies, budget)
