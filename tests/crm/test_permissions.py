"""The permission filter (crm/permissions.py) checked against docs/dataset.md, "Who may view a
record", for every role x access level (given or defaulted) x position in a team tree x private flag x kind.

The expectation comes from an independent oracle below: it walks the team tree upwards in Python from the
record owner's team, where the filter walks it downwards in SQL from the viewer's team. Both APIs are held
to it: ``visible(select(Model), ...)`` must return exactly the expected ids, and ``can_view`` /
``require_view`` must answer the same for every (viewer, record) pair.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm.models import Activity, Company, Contact, Deal, EngagementEvent, Lead, Pipeline, Stage, Team, User
from crm.permissions import (
    KINDS,
    MODELS,
    Kind,
    PermissionDenied,
    can_view,
    permission_params,
    permission_shape,
    require_view,
    visible,
)
from tests.conftest import NOW

# root -> child -> grandchild; sibling is child's sibling under root; island is a separate, unrelated tree.
TEAM_PARENT: dict[str, str | None] = {
    "root": None,
    "child": "root",
    "grandchild": "child",
    "sibling": "root",
    "island": None,
}
TEAM_POSITIONS: tuple[str | None, ...] = (*TEAM_PARENT, None)

# The kinds with their own access level; engagement events follow their contact.
LEVEL_KINDS: tuple[str, ...] = ("contacts", "companies", "deals", "leads", "activities")
# None: the key is missing from the dataset, so the role's default applies.
LEVELS: tuple[str | None, ...] = ("all", "team", "owned", None)


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    team: str | None
    access: dict[str, str | None] = field(default_factory=dict)


def _rotated_access(shift: int, offset: int = 1) -> dict[str, str | None]:
    """Levels that differ between kinds; over the four shifts every kind gets every level.

    With five kinds and four levels two kinds must share a level: activities shares one with the kind
    ``offset`` (1-3) places after contacts, never with contacts, so that engagement events (which follow
    contacts) can never pass by reading another kind's level.
    """
    access = {kind: LEVELS[(i + shift) % len(LEVELS)] for i, kind in enumerate(LEVEL_KINDS[:-1])}
    access["activities"] = LEVELS[(offset + shift) % len(LEVELS)]
    return access


def _people() -> list[Person]:
    people = [
        Person(f"{role}-{team or 'noteam'}-{shift}", role, team, _rotated_access(shift, 1 + position % 3))
        for role, (position, team), shift in itertools.product(
            ("rep", "manager"), enumerate(TEAM_POSITIONS), range(len(LEVELS))
        )
    ]
    people += [
        Person("admin-child-defaults", "super_admin", "child"),
        Person("admin-noteam-owned", "super_admin", None, dict.fromkeys(LEVEL_KINDS, "owned")),
        Person("admin-grandchild-mixed", "super_admin", "grandchild", _rotated_access(1)),
    ]
    return people


PEOPLE = _people()
BY_ID = {person.id: person for person in PEOPLE}


# --- the oracle ---------------------------------------------------------------------------------------


def _team_and_ancestors(team: str | None) -> set[str]:
    found: set[str] = set()
    while team is not None:
        found.add(team)
        team = TEAM_PARENT[team]
    return found


def effective_level(person: Person, kind: str) -> str:
    given = person.access.get(kind)
    if given is not None:
        return given
    return "team" if person.role == "manager" else "owned"


def may_view(viewer: Person, kind: str, owner: str | None, private: bool) -> bool:
    """The spec's rule, read literally. For an engagement event, ``owner`` is its contact's owner."""
    if kind == "engagement_events":
        kind = "contacts"
    if private:
        return owner is not None and owner == viewer.id
    if viewer.role == "super_admin":
        return True
    level = effective_level(viewer, kind)
    if level == "all":
        return True
    if owner is None:
        return False
    if owner == viewer.id:
        return True
    # The owner's team is the viewer's team or a descendant of it: the viewer's team is among its ancestors.
    return (
        level == "team" and viewer.team is not None and viewer.team in _team_and_ancestors(BY_ID[owner].team)
    )


# --- the world ----------------------------------------------------------------------------------------


PREFIX = {"companies": "company", "contacts": "contact", "deals": "deal", "leads": "lead"}


@dataclass(frozen=True)
class Record:
    kind: Kind
    id: str
    owner: str | None  # for an engagement event, its contact's owner
    private: bool = False


@dataclass
class World:
    records: list[Record]

    def ids(self, kind: str) -> set[str]:
        return {r.id for r in self.records if r.kind == kind}

    def expected(self, viewer: Person, kind: str) -> set[str]:
        return {r.id for r in self.records if r.kind == kind and may_view(viewer, kind, r.owner, r.private)}

    def record(self, record_id: str) -> Record:
        return next(r for r in self.records if r.id == record_id)


def _add_records(session: Session, owner: str | None) -> list[Record]:
    """One record of each kind owned by ``owner`` (None: no owner), plus a private activity."""
    tag = owner or "nobody"
    company, contact = f"company:{tag}", f"contact:{tag}"
    deal, lead, event = f"deal:{tag}", f"lead:{tag}", f"event:{tag}"
    public, private = f"activity:{tag}", f"activity:{tag}:private"
    session.add(Company(id=company, name=tag, owner_id=owner))
    session.add(Contact(id=contact, first_name=tag, owner_id=owner, company_id=company))
    session.add(
        Deal(id=deal, name=tag, owner_id=owner, pipeline_id="deals", stage_id="open", company_id=company)
    )
    session.add(Lead(id=lead, contact_id=contact, owner_id=owner, pipeline_id="leads", stage_id="new"))
    session.add(EngagementEvent(id=event, contact_id=contact, type="page_view", at=NOW))
    session.add(Activity(id=public, type="note", owner_id=owner, private=False, created_at=NOW))
    session.add(Activity(id=private, type="note", owner_id=owner, private=True, created_at=NOW))
    return [
        Record("companies", company, owner),
        Record("contacts", contact, owner),
        Record("deals", deal, owner),
        Record("leads", lead, owner),
        Record("engagement_events", event, owner),
        Record("activities", public, owner),
        Record("activities", private, owner, private=True),
    ]


def build_world(session: Session) -> World:
    for team, parent in TEAM_PARENT.items():  # parents first: the self-referencing FK is enforced
        session.add(Team(id=team, name=team.title(), parent_id=parent))
        session.flush()
    for person in PEOPLE:
        access = {f"access_{kind}": level for kind, level in person.access.items()}
        session.add(
            User(
                id=person.id,
                email=f"{person.id}@acme.test",
                name=person.id,
                role=person.role,
                team_id=person.team,
                **access,
            )
        )
    session.add(
        Pipeline(
            id="deals",
            object="deal",
            name="Deals",
            stages=[Stage(id="open", label="Open", order=1, state="open")],
        )
    )
    session.add(
        Pipeline(
            id="leads",
            object="lead",
            name="Leads",
            stages=[Stage(id="new", label="New", order=1, state="open")],
        )
    )
    session.flush()
    records: list[Record] = []
    for owner in [*(p.id for p in PEOPLE), None]:
        records += _add_records(session, owner)
    session.commit()
    return World(records)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def user(session: Session, user_id: str, **levels: str | None) -> User:
    """A user of the world, with some access levels (``deals="team"``, or None for "missing") overridden."""
    found = session.get(User, user_id)
    assert found is not None
    for kind, level in levels.items():
        setattr(found, f"access_{kind}", level)
    return found


def seen(session: Session, viewer: User, kind: Kind) -> set[str]:
    """Ids of ``kind`` the viewer may see, through ``visible`` over a whole-entity select."""
    return {row.id for row in session.scalars(visible(select(MODELS[kind]), viewer, kind))}


# --- the whole matrix ---------------------------------------------------------------------------------


def test_world_covers_every_role_access_level_and_team_position() -> None:
    combos = {
        (p.role, kind, p.access.get(kind), p.team)
        for p in PEOPLE
        if p.role != "super_admin"
        for kind in LEVEL_KINDS
    }
    assert set(itertools.product(("rep", "manager"), LEVEL_KINDS, LEVELS, TEAM_POSITIONS)) <= combos
    assert any(p.role == "super_admin" and p.team is None for p in PEOPLE)
    # Engagement events follow contacts: a level borrowed from any other kind must show up somewhere.
    for kind in LEVEL_KINDS[1:]:
        assert all(p.access["contacts"] != p.access[kind] for p in PEOPLE if p.role == "rep"), kind


def test_visible_returns_exactly_what_the_spec_allows_for_every_user_and_kind(
    session: Session, world: World
) -> None:
    mismatches = []
    for person in PEOPLE:
        viewer = user(session, person.id)
        for kind in KINDS:
            got, want = seen(session, viewer, kind), world.expected(person, kind)
            if got != want:
                mismatches.append(
                    (person.id, kind, {"unexpected": sorted(got - want), "missing": sorted(want - got)})
                )
    assert mismatches == []


def test_the_bound_filter_built_for_one_user_serves_every_user_of_the_same_shape(
    session: Session, world: World
) -> None:
    """``visible(..., bound=True)`` is built once per permission shape (by the first user of it) and run with
    each user's parameters: every user still sees exactly what the spec allows."""
    built: dict[tuple[object, ...], Select[Any]] = {}
    builders: dict[tuple[object, ...], str] = {}
    mismatches = []
    for person in PEOPLE:
        viewer = user(session, person.id)
        for kind in KINDS:
            key = (*permission_shape(viewer), kind)
            if key not in built:
                built[key] = visible(select(MODELS[kind].id), viewer, kind, bound=True)
                builders[key] = person.id
            got = set(session.scalars(built[key], permission_params(viewer)))
            want = world.expected(person, kind)
            if got != want:
                mismatches.append((person.id, builders[key], kind, sorted(got ^ want)))
    assert mismatches == []
    # Shapes are shared: many statements served users other than the one they were built for.
    assert len(PEOPLE) * len(KINDS) - len(built) >= 50


# Owners whose records every viewer is checked against one by one (the full owner set is checked through
# ``visible`` above): one per team position and nobody, plus the viewer. An owner's role plays no part.
SAMPLE_OWNERS: tuple[str | None, ...] = (*(f"rep-{team or 'noteam'}-0" for team in TEAM_POSITIONS), None)


def test_can_view_and_require_view_agree_with_the_spec_record_by_record(
    session: Session, world: World
) -> None:
    mismatches = []
    for person in PEOPLE:
        viewer = user(session, person.id)
        owners = {*SAMPLE_OWNERS, person.id}
        checked_require: set[tuple[str, bool]] = set()
        for record in (r for r in world.records if r.owner in owners):
            want = may_view(person, record.kind, record.owner, record.private)
            if can_view(session, viewer, record.kind, record.id) != want:
                mismatches.append((person.id, record.id, want, "can_view"))
            if (record.kind, want) in checked_require:
                continue  # require_view is can_view plus a raise: once per kind and outcome is enough
            checked_require.add((record.kind, want))
            try:
                require_view(session, viewer, record.kind, record.id)
                allowed = True
            except PermissionDenied as denied:
                allowed = False
                assert record.id not in str(denied)
            if allowed != want:
                mismatches.append((person.id, record.id, want, "require_view"))
    assert mismatches == []


# --- the key cases, by name ---------------------------------------------------------------------------


def test_team_access_covers_descendant_teams_not_parents_or_siblings(session: Session, world: World) -> None:
    viewer = user(session, "rep-child-0", deals="team")
    owners = {world.record(deal_id).owner for deal_id in seen(session, viewer, "deals")}
    teams = {BY_ID[owner].team for owner in owners if owner is not None}
    assert teams == {"child", "grandchild"}
    assert None not in owners
    assert can_view(session, viewer, "deals", "deal:manager-grandchild-2")
    assert not can_view(session, viewer, "deals", "deal:rep-root-1")
    assert not can_view(session, viewer, "deals", "deal:rep-sibling-1")


def test_team_access_at_the_root_covers_the_whole_tree_but_not_an_unrelated_tree(
    session: Session, world: World
) -> None:
    viewer = user(session, "manager-root-0", contacts=None)  # missing: a manager's default is team
    owners = {world.record(contact_id).owner for contact_id in seen(session, viewer, "contacts")}
    assert {BY_ID[owner].team for owner in owners if owner is not None} == {
        "root",
        "child",
        "grandchild",
        "sibling",
    }


def test_team_access_without_a_team_sees_only_own_records(session: Session, world: World) -> None:
    missing = dict.fromkeys(LEVEL_KINDS)
    viewer = user(session, "manager-noteam-0", **missing)  # team by default, but no team
    for kind in ("contacts", "companies", "deals", "leads"):
        assert seen(session, viewer, kind) == {f"{PREFIX[kind]}:{viewer.id}"}
    assert seen(session, viewer, "activities") == {f"activity:{viewer.id}", f"activity:{viewer.id}:private"}
    # Another teamless user's records are not "in the same team".
    assert not can_view(session, viewer, "deals", "deal:rep-noteam-2")


def test_missing_access_defaults_to_owned_for_reps_and_team_for_managers(
    session: Session, world: World
) -> None:
    rep, manager = (
        user(session, "rep-child-0", contacts=None),
        user(session, "manager-child-0", contacts=None),
    )
    assert seen(session, rep, "contacts") == {"contact:rep-child-0"}
    assert can_view(session, manager, "contacts", "contact:rep-grandchild-0")
    assert not can_view(session, manager, "contacts", "contact:rep-root-0")


def test_records_without_owner_are_visible_only_under_all_access_or_to_super_admins(
    session: Session, world: World
) -> None:
    ownerless = [r for r in world.records if r.owner is None and not r.private]
    for person in PEOPLE:
        viewer = user(session, person.id)
        for record in ownerless:
            level = effective_level(person, "contacts" if record.kind == "engagement_events" else record.kind)
            assert can_view(session, viewer, record.kind, record.id) == (
                person.role == "super_admin" or level == "all"
            ), (person.id, record.id)


def test_private_activity_is_visible_only_to_its_owner_even_for_super_admins_and_all_access(
    session: Session, world: World
) -> None:
    admin = user(session, "admin-child-defaults")
    everything = user(session, "rep-root-0", activities="all")
    for viewer in (admin, everything):
        visible_ids = seen(session, viewer, "activities")
        assert "activity:rep-child-1" in visible_ids
        assert "activity:rep-child-1:private" not in visible_ids
        assert not can_view(session, viewer, "activities", "activity:rep-child-1:private")
        assert f"activity:{viewer.id}:private" in visible_ids
    assert "activity:nobody:private" not in seen(session, admin, "activities")


def test_owner_sees_own_private_activity_under_owned_access(session: Session, world: World) -> None:
    owner = user(session, "rep-sibling-0", activities="owned")
    assert seen(session, owner, "activities") == {"activity:rep-sibling-0", "activity:rep-sibling-0:private"}
    require_view(session, owner, "activities", "activity:rep-sibling-0:private")


def test_super_admin_sees_every_non_private_record_whatever_their_access_or_team(
    session: Session, world: World
) -> None:
    admin = user(session, "admin-noteam-owned")
    for kind in KINDS:
        everything = {
            r.id for r in world.records if r.kind == kind and (not r.private or r.owner == admin.id)
        }
        assert seen(session, admin, kind) == everything


def test_engagement_event_is_visible_exactly_when_its_contact_is(session: Session, world: World) -> None:
    # Every other kind at "all": only the contacts level may decide.
    viewer = user(
        session, "rep-child-2", contacts="owned", companies="all", deals="all", leads="all", activities="all"
    )
    assert seen(session, viewer, "engagement_events") == {"event:rep-child-2"}
    viewer.access_contacts = "team"
    events = seen(session, viewer, "engagement_events")
    contacts = seen(session, viewer, "contacts")
    assert {e.replace("event:", "contact:") for e in events} == contacts
    assert len(events) > 1


def test_visible_narrows_an_existing_where_clause(session: Session, world: World) -> None:
    viewer = user(session, "rep-grandchild-1", deals="team")
    stmt = select(Deal).where(Deal.owner_id.in_(["rep-grandchild-2", "rep-child-2"]))
    assert [d.id for d in session.scalars(visible(stmt, viewer, "deals"))] == ["deal:rep-grandchild-2"]


def test_require_view_denies_invisible_and_missing_records_alike_without_naming_them(
    session: Session, world: World
) -> None:
    viewer = user(session, "rep-child-3", deals="team", contacts="owned", activities=None)
    for kind, record_id in [
        ("deals", "deal:rep-root-0"),  # exists, not visible
        ("deals", "deal:no-such-deal"),  # does not exist
        ("deals", "contact:rep-child-3"),  # a visible id, of another kind
        ("activities", "activity:rep-child-2:private"),
        ("engagement_events", "event:nobody"),
    ]:
        assert not can_view(session, viewer, kind, record_id)
        with pytest.raises(PermissionDenied) as denied:
            require_view(session, viewer, kind, record_id)
        assert record_id not in str(denied.value)
        assert record_id.split(":", 1)[1] not in str(denied.value)
    messages = set()
    for record_id in ("deal:rep-root-0", "deal:no-such-deal"):
        with pytest.raises(PermissionDenied) as denied:
            require_view(session, viewer, "deals", record_id)
        messages.add(str(denied.value))
    assert len(messages) == 1  # a missing record cannot be told from a hidden one
    require_view(session, viewer, "deals", "deal:rep-child-3")
