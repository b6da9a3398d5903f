"""Small helpers shared by the rule tests: run the engine, read actions back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import session_scope
from crm.models import Action
from rules.base import Rule
from rules.engine import EvaluationReport, evaluate
from rules.registry import ALL_RULES
from tests.conftest import NOW
from tests.rules.world import World


def run(
    engine: Engine, world: World | None = None, now: datetime = NOW, rules: Sequence[Rule] = ALL_RULES
) -> EvaluationReport:
    """Commit the world's changes, then evaluate in a session of its own, committed."""
    if world is not None:
        world.commit()
    with session_scope(engine) as session:
        return evaluate(session, now, rules=rules)


def actions(engine: Engine, **where: str) -> list[Action]:
    """Stored actions, filtered by column values, ordered by id."""
    with Session(engine) as session:
        stmt = select(Action).order_by(Action.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(Action, name) == value)
        return list(session.scalars(stmt))


def summary(engine: Engine, **where: str) -> list[tuple[str, str, str, str]]:
    """(rule, user, key, state) of stored actions."""
    return [(a.rule, a.user_id, a.key, a.state) for a in actions(engine, **where)]
