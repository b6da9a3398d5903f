"""Payloads checked against an independent Block Kit JSON Schema
(``tests/data/slack-block-kit.schema.json``: TightknitAI/slack-block-kit-validator's
``src/slack-block-kit.schema.json``, MIT, licence beside it; the same file as
``shared/data/slack/block-kit``), besides slack_sdk's own validators and ``bot.slack.limits``.

The fake Slack runs every payload it receives through ``payload_errors`` and answers an invalid one as
Slack would (``invalid_blocks``); the tests' autouse guard fails any test whose app sent one
(``tests/conftest.py``).
"""

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


def payload_errors(params: dict[str, Any]) -> list[str]:
    """What the schema finds wrong with the blocks a Web API call (or a response_url post) carries: a
    message's ``blocks``, a view's ``blocks``, each unfurl's ``blocks``, each attachment's ``blocks``."""
    found: list[tuple[str, Any]] = []
    if params.get("blocks"):
        found.append(("blocks", params["blocks"]))
    view = params.get("view")
    if isinstance(view, dict) and view.get("blocks"):
        found.append(("view.blocks", view["blocks"]))
    unfurls = params.get("unfurls")
    if isinstance(unfurls, dict):
        found += [(f"unfurls[{url}].blocks", u["blocks"]) for url, u in unfurls.items() if u.get("blocks")]
    attachments = params.get("attachments")
    if isinstance(attachments, list):
        found += [
            (f"attachments[{i}].blocks", a["blocks"])
            for i, a in enumerate(attachments)
            if isinstance(a, dict) and a.get("blocks")
        ]
    errors: list[str] = []
    for where, blocks in found:
        if not isinstance(blocks, list):
            errors.append(f"{where}: not an array")
            continue
        errors += [f"{where}{error}" for error in block_kit_errors(blocks)]
    return errors
