"""Deal insights for one user: what the Slack listeners and the CLI call.

Listeners (``/sales insights``, the Insights button, Refresh) ack first, then call, in their own
``session_scope`` on the model executor::

    result = get_insights(session, deal_id, user, now, refresh=clicked_refresh)

and send ``bot.blocks.insights.result_message(result)``. ``PermissionDenied`` (hidden or missing deal: say
nothing about it) and ``InsightsDisabled`` (``refusal_message``) are the two refusals. The "Open" button
calls ``activity_detail`` (which checks permission again), the feedback modal's submission calls
``record_feedback``, and "Copy as text" shows ``insights.render.render_text(result)``.

No AI text, with the reason in ``ai_unavailable_reason``, when the org has ``sensitive_data_enabled`` (no
model call at all), when no model is configured, or when the model fails, times out or answers invalid
output; the five recent activities and the CRM risks are always there.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.config import Settings, get_settings
from crm.isotime import format_time_or_none
from crm.models import Activity, InsightFeedback, Org, User
from crm.models.user import Role
from crm.permissions import PermissionDenied, visible
from insights.context import DEFAULT_BUDGET, DealContext, DealReading, load_deal, read_deal
from insights.model import chat_model, deadline_s, model_name
from insights.prompt import PROMPT_VERSION
from insights.risks import Risk, RiskThresholds, crm_risks
from insights.text import clean_body, tidy

if TYPE_CHECKING:  # the model's side (LangChain, OpenAI, pydantic) loads only when a model is asked
    from langchain_core.language_models import BaseChatModel

    from insights.schemas import InsightOutput

log = logging.getLogger(__name__)

RECENT_SHOWN = 5
COMMENT_MAX = 3000
DETAIL_BODY_MAX = 2800

SENSITIVE = "AI text is off: this organisation has sensitive data mode on, so no AI model is used."
NO_MODEL = (
    "AI text is off: no AI model is configured "
    "(set OPENAI_API_KEY, and OPENAI_BASE_URL for an OpenAI-compatible server)."
)


class InsightsDisabled(Exception):
    """Customer analysis is off for the organisation; the message says so and who can turn it on."""


@dataclass(frozen=True)
class RecentActivity:
    id: str
    type: str
    at: datetime | None
    title: str


@dataclass(frozen=True)
class Goal:
    goal: str
    activity_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class InsightResult:
    deal_id: str
    deal_name: str
    user_email: str
    ai_used: bool
    ai_unavailable_reason: str | None
    summary: str | None
    activities: tuple[RecentActivity, ...]
    risks: tuple[Risk, ...]
    buyer_goals: tuple[Goal, ...]
    inputs_hash: str
    cached: bool = False
    timezone: str = "UTC"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``salesbot insights --json`` object (docs/architecture.md, "Command output")."""
        return {
            "deal_id": self.deal_id,
            "user": self.user_email,
            "ai_used": self.ai_used,
            "ai_unavailable_reason": self.ai_unavailable_reason,
            "recent_activity": {
                "summary": self.summary,
                "activities": [
                    {"id": a.id, "type": a.type, "at": format_time_or_none(a.at), "title": a.title}
                    for a in self.activities
                ],
            },
            "risks": [
                {
                    "title": r.title,
                    "detail": r.detail,
                    "source": r.source,
                    "activity_ids": list(r.activity_ids),
                }
                for r in self.risks
            ],
            "buyer_goals": [{"goal": g.goal, "activity_ids": list(g.activity_ids)} for g in self.buyer_goals],
        }


def _org(session: Session) -> Org:
    return session.scalars(select(Org).limit(1)).first() or Org()


def _disabled_message(session: Session) -> str:
    admins = session.scalars(select(User.name).where(User.role == Role.SUPER_ADMIN).order_by(User.name)).all()
    who = f"a super admin ({', '.join(admins[:3])})" if admins else "a super admin"
    return (
        "Deal insights are off: customer analysis is not enabled for this organisation. "
        f"{who[0].upper()}{who[1:]} can turn it on."
    )


def hash_inputs(context: DealContext, model: str, budget: int) -> str:
    """Everything an answer rests on: the deal as read (``read_deal``), the model, the budget it is fitted
    to and the prompt version (which changes with the templates and the way bodies are fitted)."""
    return hashlib.sha256(f"{context.fingerprint()}|{model}|{budget}|{PROMPT_VERSION}".encode()).hexdigest()


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - {"the", "a", "an", "of", "no", "to", "in", "is", "on"}


def _same_risk(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    common = len(wa & wb)
    return common > 0 and common * 2 >= min(len(wa), len(wb))


def merge_risks(crm: list[Risk], model: InsightOutput | None) -> list[Risk]:
    """CRM risks, then the model's that say something new (a title sharing most words with one shown is a
    duplicate)."""
    merged = list(crm)
    if model is None:
        return merged
    from insights.safety import merge_model_risks

    for r in merge_model_risks(model.risks):
        if any(_same_risk(r.title, m.title) for m in merged):
            continue
        merged.append(Risk(r.title, r.detail, "model", tuple(r.activity_ids)))
    return merged


def _goals(output: InsightOutput | None) -> tuple[Goal, ...]:
    if output is None:
        return ()
    from insights.safety import merge_goals

    return tuple(Goal(g.goal, tuple(g.activity_ids)) for g in merge_goals(output.buyer_goals))


def _ai_text(
    session: Session,
    reading: DealReading,
    org: Org,
    model: BaseChatModel | None,
    *,
    refresh: bool,
    now: datetime,
    budget: int,
    deadline: float | None = None,
) -> tuple[InsightOutput | None, str | None, bool, str]:
    """(validated output, reason when none, served from cache, inputs hash).

    The cache key and hash come from the deal as read: a hit costs no body cleaning, fitting or rendering.
    """
    facts = reading.context
    if org.sensitive_data_enabled:
        return None, SENSITIVE, False, hash_inputs(facts, "none", budget)
    if model is None:
        return None, NO_MODEL, False, hash_inputs(facts, "none", budget)
    from insights import cache
    from insights.budget import fit_to_budget
    from insights.chain import ModelFailure, ask_model
    from insights.safety import validate_output

    name = model_name(model)
    inputs_hash = hash_inputs(facts, name, budget)
    key = facts.visible_key()
    if not refresh:
        hit = cache.read(session, deal_id=facts.deal_id, visible_key=key, model=name, inputs_hash=inputs_hash)
        if hit is not None:
            return hit, None, True, inputs_hash
    context = fit_to_budget(facts, reading.bodies, budget)
    try:
        raw = ask_model(model, context, deadline_s=deadline)
    except ModelFailure as failure:
        return None, f"AI text is unavailable: {failure.reason}.", False, inputs_hash
    output = validate_output(raw, context.activity_ids)  # what the prompt had, not what was left out
    log.info(
        "insights prompt",
        extra={
            "deal_id": facts.deal_id,
            "activities": len(context.recent),
            "omitted": context.omitted,
            "prompt_tokens": context.prompt_tokens,
        },
    )
    cache.store(
        session,
        deal_id=facts.deal_id,
        visible_key=key,
        model=name,
        inputs_hash=inputs_hash,
        output=output,
        now=now,
    )
    return output, None, False, inputs_hash


def get_insights(
    session: Session,
    deal_id: str,
    user: User,
    now: datetime,
    *,
    model: BaseChatModel | None = None,
    settings: Settings | None = None,
    refresh: bool = False,
    thresholds: RiskThresholds | None = None,
    budget: int = DEFAULT_BUDGET,
    public: bool = False,
) -> InsightResult:
    """Insights on ``deal_id`` as ``user`` sees them. ``model`` defaults to the one ``settings`` configure.
    ``public``: for a text others will read (Share to channel): built without any private activity, the
    user's own included, so neither the list nor the model's text can show one.

    Raises ``PermissionDenied`` (the same for a missing deal) and ``InsightsDisabled``. Writes only the
    cache; the caller commits.
    """
    org = _org(session)
    if not org.customer_analysis_enabled:
        load_deal(session, deal_id, user)  # a hidden deal is refused as such, revealing nothing more
        raise InsightsDisabled(_disabled_message(session))
    reading = read_deal(session, deal_id, user, now, public=public)
    if model is None and not org.sensitive_data_enabled:
        settings = settings or get_settings()
        model = chat_model(settings)
    deadline = deadline_s(settings) if settings is not None else None
    output, reason, cached, inputs_hash = _ai_text(
        session, reading, org, model, refresh=refresh, now=now, budget=budget, deadline=deadline
    )
    # The CRM's part rests on every visible recent activity, including any the prompt had to leave out.
    facts = reading.context
    result = InsightResult(
        deal_id=facts.deal_id,
        deal_name=facts.deal_name,
        user_email=user.email,
        ai_used=output is not None,
        ai_unavailable_reason=reason,
        summary=output.summary if output else None,
        activities=tuple(RecentActivity(a.id, a.type, a.at, a.title) for a in facts.recent[:RECENT_SHOWN]),
        risks=tuple(merge_risks(crm_risks(facts, thresholds), output)),
        buyer_goals=_goals(output),
        inputs_hash=inputs_hash,
        cached=cached,
        timezone=user.timezone,
    )
    log.info(
        "deal insights",
        extra={
            "deal_id": deal_id,
            "user_id": user.id,
            "ai_used": result.ai_used,
            "cached": cached,
            "activities": len(facts.recent),
        },
    )
    return result


@dataclass(frozen=True)
class ActivityDetail:
    id: str
    type: str
    at: datetime | None
    title: str
    direction: str | None
    from_address: str | None
    to: tuple[str, ...]
    body: str


def activity_detail(session: Session, activity_id: str, user: User) -> ActivityDetail:
    """One activity for the "Open" modal, read through the permission filter again (the click may come
    long after the message, from anyone who can see it)."""
    activity = session.scalars(
        visible(select(Activity).where(Activity.id == activity_id), user, "activities")
    ).first()
    if activity is None:
        raise PermissionDenied("you may not view that activity")
    return ActivityDetail(
        id=activity.id,
        type=activity.type,
        at=activity.due_at if activity.type == "task" else activity.occurred_at,
        title=tidy(activity.subject or activity.title or activity.type.capitalize()),
        direction=activity.direction,
        from_address=activity.from_address,
        to=tuple(r.address for r in activity.recipients if r.kind == "to"),
        body=clean_body(activity.body or "", email=activity.type == "email", max_chars=DETAIL_BODY_MAX),
    )


def record_feedback(
    session: Session,
    *,
    deal_id: str,
    user: User,
    helpful: bool,
    comment: str | None,
    inputs_hash: str,
    now: datetime,
) -> InsightFeedback:
    """Store a Helpful / Not helpful verdict (and what was wrong) against the answer's inputs hash."""
    load_deal(session, deal_id, user)
    feedback = InsightFeedback(
        deal_id=deal_id,
        user_id=user.id,
        inputs_hash=inputs_hash[:64],
        helpful=helpful,
        comment=(comment or "").strip()[:COMMENT_MAX] or None,
        created_at=now,
    )
    session.add(feedback)
    session.flush()
    log.info("insight feedback", extra={"deal_id": deal_id, "user_id": user.id, "helpful": helpful})
    return feedback
