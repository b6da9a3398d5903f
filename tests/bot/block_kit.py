"""Payloads checked against Slack's Block Kit JSON Schema (``tests/data/slack-block-kit.schema.json``: from
TightknitAI/slack-block-kit-validator, ``src/slack-block-kit.schema.json`` at commit 12ad077, MIT; a copy of
``/work/shared/data/slack/block-kit``), besides slack_sdk's own validators."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).parent.parent / "data" / "slack-block-kit.schema.json"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


def block_kit_errors(blocks: list[dict[str, Any]]) -> list[str]:
    """What the schema finds wrong with ``blocks`` (empty when valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(blocks)]
