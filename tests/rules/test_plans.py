"""How the engine builds its statements: per-rule timing in the report, the engine's exclusions ahead of each
rule's own criteria, and the partial indexes its look-ups rely on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, String, column, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite

from rules.base import Rule
from rules.context import RuleContext
from rules.plan import build_plan
from rules.registry import ALL_RULES, EMAIL_PRECEDENCE
from rules.sql import key_of, key_text, last_key_part, unindexed, where_first
from tests.conftest import NOW
from tests.rules.helpers import run

CONTEXT = RuleContext(("UTC", "Europe/Paris"))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_where_first_keeps_a_rules_candidates_as_they_are(rule: Rule) -> None:
    candidates = rule.candidates(CONTEXT)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        rebuilt = where_first(candidates).compile(dialect=dialect)
        assert str(rebuilt) == str(candidates.compile(dialect=dialect))


def test_where_first_puts_its_conditions_ahead_of_the_statements_own() -> None:
    candidates = ALL_RULES[0].candidates(CONTEXT)
    sql = str(where_first(candidates, true().is_(true())).compile(dialect=sqlite.dialect()))
    where = sql[sql.index("WHERE") :]
    assert where.index("1 IS 1") < where.index("owner_id IS NOT NULL")


def test_where_first_refuses_what_it_cannot_rebuild() -> None:
    candidates = ALL_RULES[0].candidates(CONTEXT)
    with pytest.raises(ValueError):
        where_first(candidates.limit(1))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_the_never_again_look_ups_sit_inside_the_rules_candidates(rule: Rule) -> None:
    sql = str(build_plan(rule, CONTEXT).creation.full.compile(dialect=sqlite.dialect()))
    assert "FROM actions AS used" in sql[: sql.index(f"AS {rule.code.lower()}_candidates")]


@pytest.mark.parametrize("code", EMAIL_PRECEDENCE)
def test_the_one_per_email_look_up_states_the_partial_index_word_for_word(code: str) -> None:
    (rule,) = [rule for rule in ALL_RULES if rule.code == code]
    sql = str(build_plan(rule, CONTEXT).creation.full.compile(dialect=sqlite.dialect()))
    assert "used.rule IN ('R05', 'R09', 'R10')" in sql


def test_the_report_times_every_rule(engine: Engine) -> None:
    report = run(engine)
    assert report.now == NOW
    assert set(report.rules) == {rule.code for rule in ALL_RULES}
    for rule_report in report.rules.values():
        assert 0 <= rule_report.expire_seconds <= rule_report.seconds


@pytest.mark.parametrize("code", EMAIL_PRECEDENCE)
def test_the_email_rules_look_up_the_one_per_email_index_first(code: str) -> None:
    (rule,) = [rule for rule in ALL_RULES if rule.code == code]
    sql = str(build_plan(rule, CONTEXT).creation.full.compile(dialect=sqlite.dialect()))
    assert sql.index("used.rule IN ('R05', 'R09', 'R10')") < sql.index('used."key"')


@pytest.mark.parametrize("code", ["R06", "R07"])
def test_the_meeting_rules_state_the_partial_index_word_for_word(code: str) -> None:
    (rule,) = [rule for rule in ALL_RULES if rule.code == code]
    sql = str(build_plan(rule, CONTEXT).creation.full.compile(dialect=sqlite.dialect()))
    assert "activities_1.type = 'meeting'" in sql


@pytest.mark.parametrize(
    ("first", "last"), [("d1", "n1"), ("a|b", "c"), ("a\\", "b|c"), ("a\\|b", "\\c|"), ("", "x")]
)
def test_last_key_part_takes_back_the_last_part_of_a_key(engine: Engine, first: str, last: str) -> None:
    key = key_of(literal(first, String()), literal(last, String()))
    with engine.connect() as connection:
        built, taken = connection.execute(select(key, last_key_part(key, literal(first, String())))).one()
    assert built == key_text(first, last)
    assert taken == last


def test_unindexed_hides_a_column_from_sqlites_planner_only() -> None:
    condition = unindexed(column("address")) == "a@example.com"
    assert str(condition.compile(dialect=sqlite.dialect())) == "+address = ?"
    assert str(condition.compile(dialect=postgresql.dialect())).startswith("address = %(")


def test_r19_finds_an_emails_recipients_by_the_email_not_by_the_open_deal_pairs() -> None:
    # With the (address_lower, activity_id) index, SQLite would otherwise probe it once per pair of the
    # open-deal set for every email: minutes instead of seconds on the large profile.
    (rule,) = [rule for rule in ALL_RULES if rule.code == "R19"]
    sql = str(build_plan(rule, CONTEXT).creation.full.compile(dialect=sqlite.dialect()))
    assert re.search(r"\(\+email_recipients_\d+\.address_lower, activities_1\.owner_id\) IN", sql)
