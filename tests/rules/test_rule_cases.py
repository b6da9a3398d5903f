"""Every rule's cases (tests/rules/cases/rNN.py), run by one parametrized test on each backend.

Each case evaluates its own rule only: how the rules interact (the one-action-per-email precedence, a whole
run) is tested in test_lifecycle.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.db import session_scope
from crm.models import Action
from rules.engine import evaluate
from rules.registry import RULES_BY_CODE
from tests.rules.cases import Case
from tests.rules.cases.all import ALL_CASES
from tests.rules.world import World


def actions_of(engine: Engine, rule: str) -> list[Action]:
    with Session(engine) as session:
        query = select(Action).where(Action.rule == rule).order_by(Action.user_id, Action.key)
        return list(session.scalars(query))


def run(engine: Engine, case: Case, world: World, *, later: bool) -> None:
    world.commit()
    with session_scope(engine) as session:
        evaluate(session, case.now + case.later if later else case.now, rules=[RULES_BY_CODE[case.rule]])


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_rule_case(engine: Engine, case: Case) -> None:
    world = World(engine)
    try:
        case.arrange(world)
        run(engine, case, world, later=False)
        created = actions_of(engine, case.rule)
        if case.kind == "silent":
            assert created == []
            return
        if case.kind == "fires":
            expected = sorted(case.expect, key=lambda e: (e["user_id"], e["key"]))
            assert [(a.user_id, a.key) for a in created] == [(e["user_id"], e["key"]) for e in expected]
            assert [
                {name: getattr(a, name) for name in e} for a, e in zip(created, expected, strict=True)
            ] == expected
            assert all(a.state == "open" for a in created)
            return
        assert [a.state for a in created] == ["open"], "the case must start with one open action"
        if case.change is not None:
            case.change(world)
        run(engine, case, world, later=True)
        (after,) = [a for a in actions_of(engine, case.rule) if a.id == created[0].id]
        if case.kind == "stays":
            assert (after.state, after.expired_reason) == ("open", None)
        else:
            assert (after.state, after.expired_reason) == ("expired", case.reason)
            assert after.ended_at == case.now + case.later
    finally:
        world.close()
