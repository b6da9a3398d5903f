"""A super admin viewing another user's Home: meetings, and guided actions about meetings, show as Busy."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.state import HomeState
from crm.models import Action, User
from tests.bot.app.conftest import ana_world
from tests.bot.home.conftest import text_of
from tests.conftest import NOW
from tests.rules.world import World, ago


def test_view_as_masks_guided_actions_about_meetings_and_todays_meetings(
    world: World, session: Session
) -> None:
    """A super admin viewing ana's Summary: her guided action about a meeting and her meetings say Busy."""
    ana_world(world)
    world.users["u2"].role = "super_admin"
    world.contact("c1").first_name = "Carla"
    world.meeting(
        "m1", start=NOW + timedelta(hours=2), contacts=["c1"], link="https://meet.test/m1"
    ).title = "Board pre-read"
    world.session.add(
        Action(
            rule="R12",
            user_id="u1",
            key="m1",
            subject_type="meeting",
            subject_id="m1",
            contact_id="c1",
            category="closing",
            created_at=ago(hours=1),
        )
    )
    world.commit()
    admin = session.get(User, "u2")
    assert admin is not None
    view = home_tab.build(session, admin, HomeState(subject="u1"), NOW)
    text = text_of(view)
    assert "Board pre-read" not in text and "Carla" not in text and "meet.test" not in text
    [action] = [b for b in view["blocks"] if b["block_id"].startswith("l:action:")]
    assert action["text"]["text"].endswith("Busy")
    [meeting] = [b for b in view["blocks"] if b["block_id"] == "l:meeting:m1"]
    assert "Busy" in meeting["text"]["text"] and "accessory" not in meeting
    own = text_of(home_tab.build(session, session.get(User, "u1"), HomeState(), NOW))  # type: ignore[arg-type]
    assert "Board pre-read" in own and "Carla" in own
