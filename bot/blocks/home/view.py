"""The ``views.publish`` view of the Home tab: the chrome (tab row, "Viewing as"), then the tab's blocks,
with the state in ``private_metadata``; checked against Slack's view limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement
from slack_sdk.models.views import View

from bot.blocks.home.common import nav_id, tab_row, view_as, viewing_note
from bot.home.state import HomeState
from bot.slack import limits

HOME_CALLBACK = "home"


def chrome(
    state: HomeState, people: Sequence[tuple[str, str]], subject: tuple[str, str], masked: bool
) -> list[Block]:
    blocks: list[Block] = [tab_row(state)]
    if people:
        blocks.append(view_as(people, subject[0]))
    if masked:
        blocks.append(viewing_note(subject[1]))
        if not people:  # a manager opened a rep's workspace from their Team section: the way back
            blocks.append(
                ActionsBlock(
                    block_id="home.back",
                    elements=[
                        ButtonElement(text="Back to my workspace", action_id=nav_id("back"), value="subject=")
                    ],
                )
            )
    return blocks


def home_view(state: HomeState, blocks: list[Block]) -> dict[str, Any]:
    view = View(
        type="home", callback_id=HOME_CALLBACK, blocks=blocks, private_metadata=state.dumps()
    ).to_dict()
    limits.check_view(view)
    return view
