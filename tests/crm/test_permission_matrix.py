"""The permission filter against an independent oracle: every role x access level x team tree x private
flag, for every kind, through both the SQL filter (``visible``) and the single-record check (``can_view``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Activity, Company, Contact, Deal, EngagementEvent, Lead, Pipeline, Stage, Team, User
from crm.permissions import KINDS, MODELS, PermissionDenied, can_view, require_view, visible
from tests.conftest import NOW

# root -> child -> grandchild, and an unrelated sibling of child.
TEAMS = {"root": None, "child": "root", "grandchild": "child", "sibling": "root"}
OWNERS = ["u_root", "u_child", "u_grand", "u_sibling", "u_noteam", None]
OWNER_TEAM = {"u_root": "root", "u_child": "child", "u_grand": "grandchild", "u_sibling": "sibling"}


@dataclass(frozen=True)
class Viewer:
    id: str
    role: str
    team: str | None
    access: str | None  # None: the role's default


VIEWERS = [
    Viewer(f"v_{role}_{team or 'none'}_{access or 'default'}", role, team, access)
    for role, team, access in itertools.product(
        ("rep", "manager", "super_admin"), ("child", None), ("all", "team", "owned", None)
    )
]

TEAM_OF = {**OWNER_TEAM, **{v.id: v.team for v in VIEWERS}}


def _subtree(team: str) -> set[str]:
    found = {team}
    changed = True
    while changed:
        changed = False
        for name, parent in TEAMS.items():
            if parent in found and name not in found:
                found.add(name)
                changed = True
    return found


def oracle(viewer: Viewer, owner: str | None, private: bool) -> bool:
    """crm-dataset.md, "What the access levels mean", read literally."""
    if private:
        return owner == viewer.id
    if viewer.role == "super_admin":
        return True
    access = viewer.access or ("team" if viewer.role == "manager" else "owned")
    if access == "all" or owner == viewer.id:
        return True
    if access == "team" and viewer.team is not None and owner is not None:
        return TEAM_OF.get(owner) in _subtree(viewer.team)
    return False


def build_world(session: Session) -> dict[str, dict[str, tuple[str | None, bool]]]:
    """Records of every kind for every owner (two viewers own some too).

    Returns kind -> record id -> (owner, private)."""
    for name, parent in TEAMS.items():
        session.add(Team(id=name, name=name, parent_id=parent))
    session.flush()
    for owner in OWNERS:
        if owner is not None:
            session.add(User(id=owner, email=f"{owner}@acme.test", name=owner, team_id=OWNER_TEAM.get(owner)))
    for v in VIEWERS:
        access = {
            f"access_{kind}": v.access for kind in ("contacts", "companies", "deals", "leads", "activities")
        }
        session.add(
            User(id=v.id, email=f"{v.id}@acme.test", name=v.id, role=v.role, team_id=v.team, **access)
        )
    session.add(
        Pipeline(id="p", object="deal", name="P", stages=[Stage(id="s", label="S", order=1, state="open")])
    )
    session.flush()
    expected: dict[str, dict[str, tuple[str | None, bool]]] = {kind: {} for kind in KINDS}
    owners = [*OWNERS, VIEWERS[0].id, VIEWERS[1].id]
    for n, owner in enumerate(owners):
        suffix = f"{n}"
        session.add(Company(id=f"co{suffix}", name="Co", owner_id=owner))
        session.add(Contact(id=f"c{suffix}", owner_id=owner, company_id=f"co{suffix}"))
        session.flush()
        session.add(Deal(id=f"d{suffix}", name="D", owner_id=owner, pipeline_id="p", stage_id="s"))
        session.add(
            Lead(id=f"l{suffix}", contact_id=f"c{suffix}", owner_id=owner, pipeline_id="p", stage_id="s")
        )
        session.add(EngagementEvent(id=f"ev{suffix}", contact_id=f"c{suffix}", type="page_view", at=NOW))
        for kind, id_ in (("companies", "co"), ("contacts", "c"), ("deals", "d"), ("leads", "l")):
            expected[kind][f"{id_}{suffix}"] = (owner, False)
        expected["engagement_events"][f"ev{suffix}"] = (owner, False)
        if owner is not None:
            for private in (False, True):
                activity_id = f"a{suffix}{'p' if private else ''}"
                session.add(
                    Activity(id=activity_id, type="note", owner_id=owner, private=private, created_at=NOW)
                )
                expected["activities"][activity_id] = (owner, private)
    session.commit()
    return expected


@pytest.fixture
def world(session: Session) -> dict[str, dict[str, tuple[str | None, bool]]]:
    return build_world(session)


def test_visible_matches_the_spec_for_every_role_access_team_and_kind(
    session: Session, world: dict[str, dict[str, tuple[str | None, bool]]]
) -> None:
    mismatches = []
    for viewer_spec in VIEWERS:
        viewer = session.get(User, viewer_spec.id)
        assert viewer is not None
        for kind in KINDS:
            model = MODELS[kind]
            got = set(session.scalars(visible(select(model.id), viewer, kind)))
            want = {
                rid for rid, (owner, private) in world[kind].items() if oracle(viewer_spec, owner, private)
            }
            if got != want:
                mismatches.append((viewer_spec.id, kind, sorted(got ^ want)))
    assert mismatches == []


def test_can_view_agrees_with_visible_record_by_record(
    session: Session, world: dict[str, dict[str, tuple[str | None, bool]]]
) -> None:
    for viewer_spec in VIEWERS[::3]:
        viewer = session.get(User, viewer_spec.id)
        assert viewer is not None
        for kind in KINDS:
            for record_id, (owner, private) in world[kind].items():
                assert can_view(session, viewer, kind, record_id) == oracle(viewer_spec, owner, private)


def test_team_access_covers_descendant_teams_not_parents_or_siblings(session: Session, world: object) -> None:
    viewer = session.get(User, "v_rep_child_team")
    assert viewer is not None
    deals = set(session.scalars(visible(select(Deal.owner_id), viewer, "deals")))
    assert {"u_child", "u_grand"} <= deals
    assert not deals & {"u_root", "u_sibling", "u_noteam"}


def test_private_activity_is_hidden_even_from_super_admins(session: Session, world: object) -> None:
    admin = session.get(User, "v_super_admin_none_all")
    assert admin is not None
    seen = set(session.scalars(visible(select(Activity.id), admin, "activities")))
    assert "a0" in seen and "a0p" not in seen


def test_owner_sees_own_private_activity_under_owned_access(session: Session, world: object) -> None:
    owner = session.get(User, VIEWERS[0].id)
    assert owner is not None
    owner.access_activities = "owned"
    index = len(OWNERS)  # the first viewer owns the records with this suffix
    assert can_view(session, owner, "activities", f"a{index}p")


def test_user_with_team_access_but_no_team_sees_only_their_own(session: Session, world: object) -> None:
    viewer = session.get(User, "v_manager_none_default")
    assert viewer is not None
    assert set(session.scalars(visible(select(Contact.owner_id), viewer, "contacts"))) <= {viewer.id}


def test_require_view_denies_invisible_and_missing_records_alike(session: Session, world: object) -> None:
    viewer = session.get(User, "v_rep_child_owned")
    assert viewer is not None
    for record_id in ("d0", "no-such-deal"):
        with pytest.raises(PermissionDenied) as raised:
            require_view(session, viewer, "deals", record_id)
        assert record_id not in str(raised.value)
