"""Slack's Block Kit limits, checked on a finished payload (a message or a view).

slack_sdk's models validate each block as it is serialised; what they cannot see is the message as a whole
(block count, unique block ids) and a few element limits. ``check_message`` and ``check_view`` raise
``LimitExceeded`` naming every violation; the builders call them before returning, and the tests call them
on every payload a fake Slack server receives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT = 3000  # section / context mrkdwn or plain text
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
ACTION_ID = 255
BLOCK_ID = 255
OPTION_TEXT = 75
OPTION_VALUE = 150
FALLBACK_TEXT = 40_000


class LimitExceeded(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every dict in ``node``, depth first, with its path. Only dicts and lists are descended into: a
    payload is mostly strings, and a generator per string made this the better part of a check."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, (dict, list)):
                yield from _walk(value, f"{path}[{i}]")


def block_problems(blocks: list[dict[str, Any]], max_blocks: int) -> list[str]:
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (at most {max_blocks})")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                problems.append(f"blocks[{i}]: duplicate block_id {block_id!r}")
            seen.add(block_id)
            if len(block_id) > BLOCK_ID:
                problems.append(f"blocks[{i}]: block_id longer than {BLOCK_ID}")
        text = block.get("text")
        if isinstance(text, dict):
            limit = HEADER_TEXT if block.get("type") == "header" else TEXT
            if len(text.get("text", "")) > limit:
                problems.append(f"blocks[{i}].text longer than {limit}")
        action_ids: set[str] = set()
        for path, node in _walk(block, f"blocks[{i}]"):
            kind = node.get("type")
            action_id = node.get("action_id")
            if action_id is not None:
                if len(action_id) > ACTION_ID:
                    problems.append(f"{path}: action_id longer than {ACTION_ID}")
                if action_id in action_ids:
                    problems.append(f"{path}: duplicate action_id {action_id!r} in one block")
                action_ids.add(action_id)
            if kind == "button":
                if len(node.get("text", {}).get("text", "")) > BUTTON_TEXT:
                    problems.append(f"{path}: button text longer than {BUTTON_TEXT}")
                if len(node.get("value") or "") > BUTTON_VALUE:
                    problems.append(f"{path}: button value longer than {BUTTON_VALUE}")
                if len(node.get("url") or "") > BUTTON_URL:
                    problems.append(f"{path}: button url longer than {BUTTON_URL}")
            if "options" in node and kind in ("static_select", "overflow", "radio_buttons", "checkboxes"):
                for option in node["options"]:
                    if len(option.get("value", "")) > OPTION_VALUE:
                        problems.append(f"{path}: option value longer than {OPTION_VALUE}")
                    if len(option.get("text", {}).get("text", "")) > OPTION_TEXT:
                        problems.append(f"{path}: option text longer than {OPTION_TEXT}")
            if kind == "context":
                for element in node.get("elements", []):
                    if len(element.get("text", "")) > TEXT:
                        problems.append(f"{path}: context text longer than {TEXT}")
    return problems


def check_message(payload: dict[str, Any]) -> None:
    problems = block_problems(payload.get("blocks") or [], MESSAGE_BLOCKS)
    if not (payload.get("text") or "").strip():
        problems.append("no fallback text")
    elif len(payload["text"]) > FALLBACK_TEXT:
        problems.append(f"fallback text longer than {FALLBACK_TEXT}")
    if problems:
        raise LimitExceeded(problems)


def check_view(view: dict[str, Any]) -> None:
    problems = block_problems(view.get("blocks") or [], VIEW_BLOCKS)
    if problems:
        raise LimitExceeded(problems)
