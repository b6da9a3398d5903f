"""``salesbot hubspot roles`` and ``roles set``: the portal's roles with their mapping and holders, a mapping
applied at once to the users already synced (and seen by the permission filter), unknown names refused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.config import get_settings
from crm.models import HubSpotRole, HubSpotUser, User
from crm.permissions import can_view
from hubspot_connector.roles import apply_role_mappings
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.admin.conftest import people, run
from tests.rules.world import World


def synced(engine: Engine, hubspot: FakeHubSpot) -> None:
    """The portal's people in HubSpot, and in the store as a sync leaves them (users and their HubSpot role
    ids, everyone a rep seeing what they own while no role is mapped); a deal of Ana's."""
    people(hubspot.state)
    world = World(engine)
    world.user("u3", "max@acme.test")
    world.deal("d1", owner="u1")
    world.commit()
    world.session.add_all(
        [
            HubSpotUser(
                user_id="u1", owner_id="501", hubspot_user_id="9001", role_ids=["1"], super_admin=False
            ),
            HubSpotUser(
                user_id="u3", owner_id="502", hubspot_user_id="9002", role_ids=["2", "1"], super_admin=False
            ),
            HubSpotUser(user_id="u2", owner_id="503", hubspot_user_id="9003", role_ids=[], super_admin=True),
        ]
    )
    world.session.commit()
    world.close()
    with engine.begin() as connection:
        apply_role_mappings(connection)


def user(session: Session, email: str) -> User:
    session.rollback()  # a fresh snapshot: the command wrote in another connection
    return session.scalars(select(User).where(User.email == email)).one()


def test_roles_lists_each_role_with_its_mapping_and_holders(
    hubspot_env: FakeHubSpot, db_url: str, engine: Engine
) -> None:
    synced(engine, hubspot_env)
    code, out, err = run(db_url, "hubspot", "roles")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["role", "users", "mapping"]
    assert lines[1].split() == ["Directors", "0", "unmapped:", "rep,", "owned", "everywhere"]
    assert lines[2].split()[:4] == ["Sales", "Manager", "1", "unmapped:"]
    assert lines[3].split()[:4] == ["Sales", "Rep", "2", "unmapped:"]
    assert lines[4] == "super admins (from HubSpot's superAdmin): 1"
    assert hubspot_env.count("/settings/v3/users/roles") == 1


def test_roles_set_applies_at_once_to_synced_users_and_the_permission_filter(
    hubspot_env: FakeHubSpot, db_url: str, engine: Engine, session: Session
) -> None:
    synced(engine, hubspot_env)
    ana, max_ = user(session, "ana@acme.test"), user(session, "max@acme.test")
    assert (ana.role, max_.role, max_.access_deals) == ("rep", "rep", "owned")
    deal = "d1"
    assert can_view(session, ana, "deals", deal) and not can_view(session, max_, "deals", deal)

    code, out, err = run(
        db_url, "hubspot", "roles", "set", "sales manager", "--role", "manager", "--deals", "all"
    )
    assert code == 0, err
    assert out.strip() == (
        "Sales Manager -> manager: contacts team, companies team, deals all, leads team, activities team; "
        "1 synced users hold it, 1 changed now"
    )
    max_ = user(session, "max@acme.test")
    assert (max_.role, max_.access_deals, max_.access_contacts) == ("manager", "all", "team")
    assert can_view(session, max_, "deals", deal)  # no sync in between
    assert user(session, "ana@acme.test").role == "rep"
    assert user(session, "bo@acme.test").role == "super_admin"
    code, out, _ = run(db_url, "hubspot", "roles", "--json")
    roles = {r["name"]: r for r in json.loads(out)["roles"]}
    assert roles["Sales Manager"]["role"] == "manager" and roles["Sales Manager"]["users"] == 1
    assert roles["Sales Manager"]["access"]["deals"] == "all"
    assert roles["Sales Rep"] == {
        "id": "1", "name": "Sales Rep", "role": None, "mapped": False, "users": 2, "in_hubspot": True,
        "access": dict.fromkeys(("contacts", "companies", "deals", "leads", "activities"), "owned"),
    }  # fmt: skip


def test_a_rep_mapping_can_widen_one_kind_and_back(
    hubspot_env: FakeHubSpot, db_url: str, engine: Engine, session: Session
) -> None:
    synced(engine, hubspot_env)
    code, _, err = run(db_url, "hubspot", "roles", "set", "Sales Rep", "--role", "rep", "--contacts", "team")
    assert code == 0, err
    ana = user(session, "ana@acme.test")
    assert (ana.role, ana.access_contacts, ana.access_deals) == ("rep", "team", "owned")
    code, _, err = run(db_url, "hubspot", "roles", "set", "Sales Rep", "--role", "rep")
    assert code == 0, err
    assert user(session, "ana@acme.test").access_contacts == "owned"


def test_an_unknown_role_name_exits_2_with_the_names(
    hubspot_env: FakeHubSpot, db_url: str, engine: Engine
) -> None:
    synced(engine, hubspot_env)
    code, out, err = run(db_url, "hubspot", "roles", "set", "Sales Wizard", "--role", "manager")
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: no HubSpot role named 'Sales Wizard'; the portal's roles: 'Directors', 'Sales Manager', "
        "'Sales Rep'"
    )
    with Session(engine) as s:
        assert s.scalars(select(HubSpotRole.role).where(HubSpotRole.role.is_not(None))).all() == []


def test_invalid_options_exit_2(hubspot_env: FakeHubSpot, db_url: str) -> None:
    code, _, err = run(db_url, "hubspot", "roles", "set", "Sales Rep", "--role", "admin")
    assert code == 2 and "invalid choice: 'admin'" in err
    code, _, err = run(db_url, "hubspot", "roles", "set", "Sales Rep", "--role", "rep", "--deals", "some")
    assert code == 2 and "invalid choice: 'some'" in err


def test_roles_when_hubspot_cannot_be_used(
    hubspot_env: FakeHubSpot, db_url: str, engine: Engine, session: Session
) -> None:
    synced(engine, hubspot_env)
    assert run(db_url, "hubspot", "roles")[0] == 0  # the roles are stored
    hubspot_env.rate_limit(times=10, policy="DAILY", retry_after=None)
    code, out, err = run(db_url, "hubspot", "roles")
    assert code == 4 and out == ""
    assert err.count("\n") == 1 and "daily request limit" in err
    # Setting a mapping is Salesbot's own: it works on the roles already stored, with a warning.
    code, out, err = run(db_url, "hubspot", "roles", "set", "Sales Rep", "--role", "manager")
    assert code == 0, err
    assert err.startswith("warning: roles not refreshed from HubSpot")
    assert user(session, "ana@acme.test").role == "manager"


def test_roles_without_hubspot_exit_2(no_hubspot_env: object, db_url: str) -> None:
    code, out, err = run(db_url, "hubspot", "roles")
    assert code == 2 and out == ""
    assert (
        err.startswith("error: HubSpot is not connected: set HUBSPOT_ACCESS_TOKEN") and err.count("\n") == 1
    )


def test_a_token_hubspot_rejects_exits_2(
    no_hubspot_env: object, hubspot: FakeHubSpot, db_url: str, monkeypatch: object
) -> None:

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "wrong")
    monkeypatch.setenv("HUBSPOT_API_URL", hubspot.base_url)
    get_settings.cache_clear()
    code, _, err = run(db_url, "hubspot", "roles")
    assert code == 2 and "HubSpot rejected the token (401" in err


def test_a_mapping_holds_through_the_next_syncs(
    hubspot_env: FakeHubSpot, db_url: str, session: Session
) -> None:
    people(hubspot_env.state)
    code, _, err = run(db_url, "hubspot", "sync")
    assert code == 0, err
    assert user(session, "max@acme.test").role == "rep"
    code, _, err = run(db_url, "hubspot", "roles", "set", "Sales Manager", "--role", "manager")
    assert code == 0, err
    assert user(session, "max@acme.test").role == "manager"
    # HubSpot gives Ana the manager role too: the next sync applies the mapping to her.
    hubspot_env.state.users[0]["roleIds"] = ["1", "2"]
    code, _, err = run(db_url, "hubspot", "sync", "--full")
    assert code == 0, err
    ana, max_ = user(session, "ana@acme.test"), user(session, "max@acme.test")
    assert (ana.role, ana.access_deals, max_.role) == ("manager", "team", "manager")
    assert user(session, "bo@acme.test").role == "super_admin"


def test_the_commands_offer_the_connectors_kinds_roles_and_levels() -> None:
    from bot.cli import hubspot_admin
    from hubspot_connector import role_admin, roles

    assert hubspot_admin.KINDS == roles.KINDS
    assert role_admin.SALESBOT_ROLES == ("rep", "manager") and set(role_admin.LEVELS) == {
        "all",
        "team",
        "owned",
    }
