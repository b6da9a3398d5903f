"""The insight prompt: ``prompts/insights_system.j2`` and ``prompts/insights_user.j2`` rendered for a context.

Templates come only from the checked-in files; CRM text enters as variables. Autoescape is off (this is not
HTML) but every value passes through ``_fence_safe`` (Jinja's ``finalize``, so no variable can skip it):
angle brackets in CRM text become look-alike quotes, so an email cannot close the ``<crm_data>`` fence or
open a fake ``<activity>``. Bump ``PROMPT_VERSION`` whenever a template or this rendering changes: it is
part of the cache key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from insights.context import DealContext
from insights.text import estimate_tokens

if TYPE_CHECKING:  # Jinja2 loads when a prompt is first rendered, not with the module
    from jinja2 import Environment

PROMPT_VERSION = "2"  # 2: bodies of at least 250 characters, the oldest activities left out first
MAX_RISKS = 5
MAX_GOALS = 5
SUMMARY_SENTENCES = 4

_FENCE = {"<": "‹", ">": "›"}


def _fence_safe(value: Any) -> Any:
    # Two replace() calls, not str.translate: translate looks every character up in a dict, 30 times slower.
    if isinstance(value, str):
        return value.replace("<", _FENCE["<"]).replace(">", _FENCE[">"])
    return "" if value is None else value


def fenced_bytes(text: str) -> int:
    """Bytes ``text`` takes in a rendered prompt, where each angle bracket is a three-byte look-alike."""
    return len(text.encode("utf-8")) + 2 * (text.count("<") + text.count(">"))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("prompts", ""),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_fence_safe,
    )


@lru_cache(maxsize=1)
def render_system() -> str:
    return (
        _environment()
        .get_template("insights_system.j2")
        .render(max_risks=MAX_RISKS, max_goals=MAX_GOALS, summary_sentences=SUMMARY_SENTENCES)
    )


def render_user(context: DealContext) -> str:
    amount = f"{context.amount} {context.currency or ''}".strip() if context.amount is not None else "none"
    return (
        _environment()
        .get_template("insights_user.j2")
        .render(
            c=context,
            deal_id=context.deal_id,
            today=context.now.date().isoformat(),
            amount=amount,
            created=context.created_at.date().isoformat() if context.created_at else "unknown",
        )
    )


def prompt_tokens(context: DealContext) -> int:
    """Estimated tokens of both messages, plus a margin for the chat format and the output schema."""
    return estimate_tokens(render_system()) + estimate_tokens(render_user(context)) + SCHEMA_OVERHEAD


SCHEMA_OVERHEAD = 400  # the JSON schema sent alongside, and per-message framing
