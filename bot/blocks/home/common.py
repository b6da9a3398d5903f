"""The Home view's shared pieces: the tab row, the "Viewing as" picker, filter menus and pagers.

Every navigation element has an action id starting ``home.nav.`` and a value (or option value) ``key=value``
applied to the view's :class:`~bot.home.state.HomeState`; one listener handles them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    StaticSelectElement,
)

from bot.home.state import TAB_LABELS, TABS, HomeState
from bot.slack import keys, limits
from bot.slack.mrkdwn import escape, truncate

NAV = "home.nav"  # prefix of every navigation action id
VIEW_AS = "home.nav.as"


def nav_id(name: str) -> str:
    return f"{NAV}.{name}"


def choices(block_id: str, key: str, options: Sequence[tuple[str, str]], current: str) -> Block:
    """A row of navigation buttons setting ``key`` to one of ``options`` (value, label); the current one is
    highlighted."""
    buttons = [
        ButtonElement(
            text=label,
            action_id=nav_id(f"{key}.{value}"),
            value=f"{key}={value}",
            style="primary" if value == current else None,
        )
        for value, label in options
    ]
    return ActionsBlock(block_id=block_id, elements=buttons)


def tab_row(state: HomeState) -> Block:
    return choices("home.tabs", "tab", [(tab, TAB_LABELS[tab]) for tab in TABS], state.tab)


def option(value: str, label: str) -> Option:
    return Option(value=value, label=truncate(label, limits.OPTION_TEXT))


def menu(
    name: str, placeholder: str, choices: Sequence[tuple[str, str]], selected: str | None
) -> StaticSelectElement:
    """A filter menu: ``choices`` are ``(key=value, label)``; ``selected`` the chosen ``key=value``. Each
    value travels as ``bot.slack.keys.key(value)`` (a CRM id of any length fits an option); the Home
    navigation listener restores it."""
    options = [option(_keyed(value), label) for value, label in choices[:100]]
    selected = _keyed(selected) if selected is not None else None
    initial = next((o for o in options if o.value == selected), None)
    return StaticSelectElement(
        action_id=nav_id(name),
        placeholder=PlainTextObject(text=placeholder),
        options=options,
        initial_option=initial,
    )


def _keyed(patch: str) -> str:
    name, sep, value = patch.partition("=")
    return f"{name}{sep}{keys.key(value)}" if sep else patch


def view_as(people: Sequence[tuple[str, str]], subject_id: str) -> Block:
    choices = [(f"subject={user_id}", name or user_id) for user_id, name in people]
    element = menu("as", "Viewing as", choices, f"subject={subject_id}")
    element.action_id = VIEW_AS
    return ActionsBlock(block_id="home.view_as", elements=[element])


def viewing_note(name: str) -> Block:
    return ContextBlock(
        block_id="home.viewing",
        elements=[MarkdownTextObject(text=f"Viewing as *{escape(name)}*: their meetings show as Busy.")],
    )


def pager(key: str, page: int, page_size: int, total: int, field: str = "page") -> list[Block]:
    """ "Page 2 of 5" with Previous / Next, or nothing when everything fits on one page."""
    pages = max(1, -(-total // page_size))
    if pages <= 1:
        return []
    buttons = []
    if page > 0:
        buttons.append(
            ButtonElement(text="Previous", action_id=nav_id(f"{key}.prev"), value=f"{field}={page - 1}")
        )
    if page + 1 < pages:
        buttons.append(
            ButtonElement(text="Next", action_id=nav_id(f"{key}.next"), value=f"{field}={page + 1}")
        )
    blocks: list[Block] = [
        ContextBlock(
            block_id=f"{key}.page",
            elements=[
                MarkdownTextObject(text=f"Page {min(page, pages - 1) + 1} of {pages} · {total} in all")
            ],
        )
    ]
    if buttons:
        blocks.append(ActionsBlock(block_id=f"{key}.pager", elements=buttons))
    return blocks


def note(block_id: str, text: str) -> Block:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=text)])
