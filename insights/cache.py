"""The cache of validated model answers (``crm.models.insight.InsightCacheEntry``).

Keyed by deal, visible set (``DealContext.visible_key``), model and prompt version, so two users whose
permissions let different activities in never share an entry. An entry is served only while its
``inputs_hash`` (deal fields, each activity's content, model, budget, prompt version) still matches: when
the deal or one of its activities changed, the read marks it stale and the caller asks the model again.
Both come from the deal as read (``insights.context.read_deal``), so a hit costs the reads alone. Writers
that change a deal may also call ``mark_stale(session, deal_id)``. Functions take the caller's session and
never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.db import insert_on_conflict
from crm.models import InsightCacheEntry
from insights.prompt import PROMPT_VERSION
from insights.schemas import InsightOutput


def _entry(session: Session, deal_id: str, visible_key: str, model: str) -> InsightCacheEntry | None:
    return session.scalars(
        select(InsightCacheEntry)
        .where(
            InsightCacheEntry.deal_id == deal_id,
            InsightCacheEntry.visible_key == visible_key,
            InsightCacheEntry.model == model,
            InsightCacheEntry.prompt_version == PROMPT_VERSION,
        )
        # An entry loaded earlier in this session must not shadow a row an upsert has since replaced.
        .execution_options(populate_existing=True)
    ).first()


def read(
    session: Session, *, deal_id: str, visible_key: str, model: str, inputs_hash: str
) -> InsightOutput | None:
    entry = _entry(session, deal_id, visible_key, model)
    if entry is None or entry.stale:
        return None
    if entry.inputs_hash != inputs_hash:
        entry.stale = True
        return None
    try:
        return InsightOutput.model_validate(entry.output)
    except ValueError:  # written by an older schema: as good as stale
        entry.stale = True
        return None


def store(
    session: Session,
    *,
    deal_id: str,
    visible_key: str,
    model: str,
    inputs_hash: str,
    output: InsightOutput,
    now: datetime,
) -> None:
    """Insert or replace the entry (an upsert, so two concurrent requests cannot collide)."""
    values = {
        "deal_id": deal_id,
        "visible_key": visible_key,
        "model": model,
        "prompt_version": PROMPT_VERSION,
        "inputs_hash": inputs_hash,
        "output": output.model_dump(mode="json"),
        "created_at": now,
        "stale": False,
    }
    stmt = insert_on_conflict(
        session,
        InsightCacheEntry,
        keys=["deal_id", "visible_key", "model", "prompt_version"],
        update=["inputs_hash", "output", "created_at", "stale"],
    )
    session.execute(stmt.values(**values))


def mark_stale(session: Session, deal_id: str) -> int:
    """Mark every entry of ``deal_id`` stale (for code that changes a deal); returns how many."""
    result = session.execute(
        update(InsightCacheEntry)
        .where(InsightCacheEntry.deal_id == deal_id, InsightCacheEntry.stale.is_(False))
        .values(stale=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)
