"""Every Home tab and main filter, built (no Slack) on a demo CRM for a rep, a rep with ``owned`` access, a
manager and a super admin: valid views within Slack's limits, counts that match SQL through the permission
filter, CRM text escaped, a teammate's records never shown, and another user's meetings shown as Busy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session, selectinload

from bot.home import home_tab
from bot.home.state import DEAL_CATEGORIES, EVENT_TYPES, GUIDED, RANGES, TABS, HomeState
from bot.slack import limits
from crm.db import make_engine, session_scope, upgrade
from crm.demo.generator import write_dataset
from crm.demo.vocabulary import MEETING_TITLES
from crm.importer.load import import_dataset
from crm.localtime import local_date
from crm.models import (
    Activity,
    ActivityContact,
    ActivityDeal,
    Contact,
    Deal,
    DealContact,
    EngagementEvent,
    Lead,
    Pipeline,
    Stage,
    User,
)
from crm.permissions import visible
from rules.engine import evaluate
from tests.conftest import BACKENDS, NOW, empty_pg

REP, OWNED_REP, MANAGER, ADMIN = "u1", "u5", "u6", "u7"  # the demo's users with five reps
PLANTED_CONTACT = "<!channel>"
PLANTED_DEAL = "<@U123> & co"
PLANTED_MEETING = "<!here> secret roadmap sync"


def _plant(session: Session) -> None:
    """A contact, deal, lead, meeting and event of the rep whose names are Slack markup."""
    pipeline = session.scalars(
        select(Pipeline)
        .where(Pipeline.object == "deal")
        .order_by(Pipeline.id)
        .options(selectinload(Pipeline.stages))
    ).first()
    lead_pipeline = session.scalars(
        select(Pipeline)
        .where(Pipeline.object == "lead")
        .order_by(Pipeline.id)
        .options(selectinload(Pipeline.stages))
    ).first()
    assert pipeline is not None and lead_pipeline is not None
    stage = next(s for s in pipeline.stages if s.state == "open")
    lead_stage = next(s for s in lead_pipeline.stages if s.state == "open")
    session.add(
        Contact(
            id="planted-c",
            first_name=PLANTED_CONTACT,
            owner_id=REP,
            owner_assigned_at=NOW - timedelta(days=30),
            created_at=NOW - timedelta(days=30),
        )
    )
    session.flush()
    deal = Deal(
        id="planted-d",
        name=PLANTED_DEAL,
        owner_id=REP,
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        amount=Decimal("1000"),
        close_date=local_date(NOW, "America/New_York"),
        created_at=NOW - timedelta(days=20),
    )
    deal.contacts = [DealContact(contact_id="planted-c", position=0)]
    session.add(deal)
    session.add(
        Lead(
            id="planted-l",
            contact_id="planted-c",
            owner_id=REP,
            owner_assigned_at=NOW - timedelta(days=2),
            pipeline_id=lead_pipeline.id,
            stage_id=lead_stage.id,
            created_at=NOW - timedelta(days=2),
        )
    )
    meeting = Activity(
        id="planted-m",
        type="meeting",
        owner_id=REP,
        title=PLANTED_MEETING,
        start_at=NOW + timedelta(hours=1),
        end_at=NOW + timedelta(hours=2),
        link="https://meet.test/planted",
    )
    meeting.contact_links = [ActivityContact(contact_id="planted-c", position=0)]
    meeting.deal_links = [ActivityDeal(deal_id="planted-d", position=0)]
    meeting.refresh_times()
    session.add(meeting)
    session.add(
        EngagementEvent(id="planted-e", contact_id="planted-c", type="page_view", at=NOW - timedelta(hours=1))
    )


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _pg_engine: Engine | None
) -> Iterator[Engine]:
    """A demo CRM with five reps (the fifth with ``owned`` deals), its guided actions, and planted markup;
    built once per module and backend, read only by the tests."""
    folder = tmp_path_factory.mktemp("demo")
    write_dataset(folder / "demo.json", NOW, reps=5, seed=7)
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'crm.db'}")
        upgrade(engine)
    else:
        assert _pg_engine is not None
        engine = _pg_engine
        empty_pg(engine)
    import_dataset(engine, Path(folder / "demo.json"))
    with session_scope(engine, write=True) as session:
        _plant(session)
        session.flush()
        evaluate(session, NOW)
    yield engine
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def db(demo: Engine) -> Iterator[Session]:
    with Session(demo) as session:
        yield session
        session.rollback()


def build(session: Session, viewer_id: str, state: HomeState) -> dict[str, Any]:
    viewer = session.get(User, viewer_id)
    assert viewer is not None
    view = home_tab.build(session, viewer, state, NOW)
    assert_valid(view)
    return view


MARKUP = re.compile(r"<([^>]*)>")


def assert_valid(view: dict[str, Any]) -> None:
    """Within Slack's limits, every block id unique, and no Slack markup but Salesbot's own links."""
    limits.check_view(view)
    blocks = view["blocks"]
    assert len(blocks) <= limits.VIEW_BLOCKS
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    for text in _texts(view):
        for inner in MARKUP.findall(text):
            assert inner.startswith(("http://", "https://")), f"unescaped markup <{inner}> in {text!r}"


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def block_ids(view: dict[str, Any], prefix: str) -> list[str]:
    return [b["block_id"][len(prefix) :] for b in view["blocks"] if b.get("block_id", "").startswith(prefix)]


def header(view: dict[str, Any], block_id: str) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return str(block["text"]["text"])


def all_text(view: dict[str, Any]) -> str:
    return "\n".join(_texts(view)) + "\n" + "\n".join(_plain(view))


def _plain(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _plain(value)
    elif isinstance(node, list):
        for value in node:
            yield from _plain(value)


# --- every tab and filter ---------------------------------------------------------------------------------

STATES = [
    *(HomeState(tab="summary", guided=g) for g in GUIDED),
    *(HomeState(tab="deals", category=c) for c in DEAL_CATEGORIES),
    HomeState(tab="leads"),
    *(HomeState(tab="schedule", range=r) for r in RANGES),
    *(HomeState(tab="feed", event=e) for e in ("", *EVENT_TYPES)),
    HomeState(tab="feed", seq="*"),
    HomeState(tab="feed", seq="-"),
    HomeState(tab="settings"),
]


@pytest.mark.parametrize("viewer", [REP, OWNED_REP, MANAGER, ADMIN])
def test_every_tab_and_filter_builds_a_valid_view(db: Session, viewer: str) -> None:
    assert {s.tab for s in STATES} == set(TABS)
    for state in STATES:
        view = build(db, viewer, state)
        assert view["type"] == "home" and HomeState.loads(view["private_metadata"]) == state


def test_a_managers_owner_filters_and_an_admins_view_as_build_valid_views(db: Session) -> None:
    for owner in ("*", REP, OWNED_REP):
        build(db, MANAGER, HomeState(tab="deals", owner=owner))
        build(db, ADMIN, HomeState(tab="deals", owner=owner))
    for tab in TABS:
        build(db, ADMIN, HomeState(tab=tab, subject=REP))


def _open_deals(session: Session, owner: str, viewer: User) -> int:
    stmt = visible(
        select(func.count(Deal.id))
        .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
        .where(Stage.state == "open", Deal.owner_id == owner),
        viewer,
        "deals",
    )
    return int(db_scalar(session, stmt))


def db_scalar(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


@pytest.mark.parametrize("viewer", [REP, OWNED_REP, MANAGER])
def test_deals_and_leads_counts_match_sql_through_the_permission_filter(db: Session, viewer: str) -> None:
    user = db.get(User, viewer)
    assert user is not None
    expected = _open_deals(db, viewer, user)
    # A manager's Deals start on "My team" (tests/bot/home/test_team.py); "Mine" is their own id.
    view = build(db, viewer, HomeState(tab="deals", owner=viewer if user.role == "manager" else ""))
    assert header(view, "deals.header") == f"All open ({expected})"
    deal_ids = block_ids(view, "deal:")
    assert len(deal_ids) == min(expected, 20)
    owners = set(db.scalars(select(Deal.owner_id).where(Deal.id.in_(deal_ids))))
    assert owners <= {viewer}
    leads = db_scalar(
        db,
        visible(
            select(func.count(Lead.id))
            .join(Stage, and_(Stage.pipeline_id == Lead.pipeline_id, Stage.id == Lead.stage_id))
            .where(Lead.owner_id == viewer, Lead.disqualified_at.is_(None), Stage.state == "open"),
            user,
            "leads",
        ),
    )
    assert header(build(db, viewer, HomeState(tab="leads")), "leads.header") == f"Open leads ({leads})"


def test_a_manager_sees_everyones_visible_deals_counted_like_sql(db: Session) -> None:
    manager = db.get(User, MANAGER)
    assert manager is not None
    expected = db_scalar(
        db,
        visible(
            select(func.count(Deal.id))
            .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
            .where(Stage.state == "open"),
            manager,
            "deals",
        ),
    )
    assert expected > 20
    view = build(db, MANAGER, HomeState(tab="deals", owner="*"))
    assert header(view, "deals.header") == f"All open ({expected})"
    assert f"Page 1 of {-(-expected // 20)} · {expected} in all" in all_text(view)


def test_crm_text_is_escaped_on_every_tab(db: Session) -> None:
    texts = {
        tab: all_text(build(db, REP, HomeState(tab=tab, range="week")))
        for tab in ("summary", "deals", "leads", "schedule", "feed")
    }
    assert "&lt;@U123&gt; &amp; co" in texts["deals"]
    assert "&lt;!channel&gt;" in texts["leads"] and "&lt;!channel&gt;" in texts["feed"]
    assert "&lt;!here&gt; secret roadmap sync" in texts["schedule"]
    assert "&lt;!here&gt; secret roadmap sync" in texts["summary"]  # today's meetings
    for text in texts.values():
        assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text


# --- permissions and masking ------------------------------------------------------------------------------


def test_a_rep_with_owned_access_never_sees_a_teammates_deal_meeting_task_or_contact(db: Session) -> None:
    rep = db.get(User, OWNED_REP)
    assert rep is not None and rep.access_deals == "owned"
    states = [
        *(HomeState(tab="deals", category=c) for c in DEAL_CATEGORIES),
        HomeState(tab="deals", owner="*"),  # forged: a rep has no owner filter
        HomeState(tab="deals", owner=REP),
        *(HomeState(tab="schedule", range=r) for r in RANGES),
        HomeState(tab="feed"),
    ]
    seen_deals: set[str] = set()
    for state in states:
        view = build(db, OWNED_REP, state)
        deals = block_ids(view, "deal:")
        seen_deals.update(deals)
        activities = block_ids(view, "schedule:meeting:") + block_ids(view, "schedule:task:")
        contacts = block_ids(view, "feed:")
        assert set(db.scalars(select(Deal.owner_id).where(Deal.id.in_(deals)))) <= {OWNED_REP}
        assert set(db.scalars(select(Activity.owner_id).where(Activity.id.in_(activities)))) <= {OWNED_REP}
        assert set(db.scalars(select(Contact.owner_id).where(Contact.id.in_(contacts)))) <= {OWNED_REP}
        assert PLANTED_DEAL.replace("&", "&amp;") not in all_text(view)
    assert seen_deals  # the rep has deals of their own, so the test looked at something


def test_view_as_shows_every_meeting_busy_on_summary_and_schedule(db: Session) -> None:
    titles = [
        t
        for t in db.scalars(
            select(Activity.title).where(Activity.owner_id == REP, Activity.type == "meeting")
        )
        # The vocabulary's generic titles ("Pricing review") are also engagement events' text in the feed.
        if t and len(t) > 12 and t not in MEETING_TITLES
    ]
    assert titles
    for state in (
        HomeState(tab="summary", subject=REP),
        *(HomeState(tab="summary", subject=REP, guided=g) for g in GUIDED),
        *(HomeState(tab="schedule", subject=REP, range=r) for r in RANGES),
        HomeState(tab="feed", subject=REP),
    ):
        view = build(db, ADMIN, state)
        text = all_text(view)
        assert "secret roadmap" not in text and "meet.test" not in text
        for title in titles:
            assert title not in text, (state, title)
    summary = build(db, ADMIN, HomeState(tab="summary", subject=REP))
    meetings = [b for b in summary["blocks"] if b.get("block_id", "").startswith("l:meeting:")]
    assert meetings and all("Busy" in b["text"]["text"] for b in meetings)
    assert all("accessory" not in b for b in meetings)  # no Join link
