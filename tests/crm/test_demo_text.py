"""The demo reads as real work: meetings and calls in each rep's office hours in their own zone, and the
text people see (digests, every Home tab, insights) free of doubled words and "a" before a vowel."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.home.state import TABS
from crm.db import make_engine, session_scope
from crm.models import Activity, Deal, Role, User

NOW = "2026-11-23T12:00:00Z"
DOUBLED = re.compile(r"\b([A-Za-z]+(?: [A-Za-z]+)?) \1\b", re.IGNORECASE)  # a word or two-word phrase
A_VOWEL = re.compile(r"\b[Aa] [aeioAEIO]\w*")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    out = io.StringIO()
    assert main(["--database-url", url, "demo", "--reps", "3", "--now", NOW], out, io.StringIO()) == 0
    return url, out.getvalue()


def cli(url: str, *argv: str) -> str:
    out = io.StringIO()
    assert main(["--database-url", url, *argv, "--now", NOW], out, io.StringIO()) == 0
    return out.getvalue()


def test_meetings_and_calls_are_in_office_hours_of_the_reps_zone(demo: tuple[str, str]) -> None:
    engine = make_engine(demo[0])
    with session_scope(engine) as session:
        zones = {u.id: ZoneInfo(u.timezone) for u in session.scalars(select(User))}
        rows = session.execute(
            select(
                Activity.id, Activity.type, Activity.owner_id, Activity.start_at, Activity.started_at
            ).where(Activity.type.in_(("meeting", "call")))
        ).all()
    assert rows
    for activity_id, kind, owner, start, started in rows:
        at: datetime = start or started
        local = at.astimezone(zones[owner])
        assert 8 <= local.hour < 18, (activity_id, kind, local)


def test_the_text_people_see_is_grammatical(demo: tuple[str, str]) -> None:
    url, printed = demo
    texts = [printed]
    engine = make_engine(url)
    with session_scope(engine) as session:
        reps = list(session.scalars(select(User.email).where(User.role == Role.REP)))
        admin = session.scalar(select(User.email).where(User.role != Role.REP).limit(1)) or reps[0]
        deals = list(session.scalars(select(Deal.id)))
    for email in reps:
        texts += [cli(url, "home", "--user", email, "--tab", tab) for tab in TABS]
    texts += [cli(url, "insights", deal, "--as", admin) for deal in deals]
    text = "\n".join(texts)
    assert "OPENAI_API_KEY" in text  # the no-model line says how to turn AI text on
    assert DOUBLED.findall(text) == []
    assert A_VOWEL.findall(text) == []


def test_the_sweeps_find_what_they_look_for() -> None:
    assert DOUBLED.findall("Discovery call with Quinn with Quinn Silva") == ["with Quinn"]
    assert DOUBLED.findall("the the deal") == ["the"]
    assert A_VOWEL.findall("was a email, a user, an email") == ["a email"]
