"""Model output made safe to show: citations checked against the context, lengths capped, and nothing that
Slack would turn into a mention or a link.

Slack's mrkdwn pings or links on ``<!channel>``, ``<!here>``, ``<!everyone>``, ``<@U…>``, ``<#C…>``,
``<!subteam^…>`` and ``<url|label>``; with ``link_names`` also on bare ``@channel``; and it auto-links bare
URLs, ``www.`` names, domain names and email addresses. The model's text is *data*, so ``neutralise``
removes all of those (a domain's dots become ``[.]``, as security write-ups "defang" them), and the Slack
builders still escape ``& < >`` on top (``bot.slack.mrkdwn.escape``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from insights.prompt import MAX_GOALS, MAX_RISKS
from insights.schemas import BuyerGoal, InsightOutput, ModelRisk

SUMMARY_MAX = 1200
TITLE_MAX = 120
DETAIL_MAX = 500
GOAL_MAX = 300
IDS_MAX = 10
LINK_REMOVED = "[link removed]"

_SLACK_SPECIAL = re.compile(r"<\s*([!@#])([^>|]*)(?:\|([^>]*))?>")
_SLACK_LINK = re.compile(r"<([^>|]*)(?:\|([^>]*))?>")
_URL = re.compile(r"\b(?:[a-z][a-z0-9+.\-]*://|www\.|mailto:)\S*", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+\-]+@([\w\-]+\.)+[a-z]{2,}", re.IGNORECASE)
_DOMAIN = re.compile(r"\b((?:[a-z0-9\-]+\.)+[a-z]{2,24})\b", re.IGNORECASE)
_AT_BROADCAST = re.compile(r"@+\s*(channel|here|everyone)\b", re.IGNORECASE)
_AT_NAME = re.compile(r"@(?=[\w.\-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064]")
_WS = re.compile(r"[ \t]+")


def _special(match: re.Match[str]) -> str:
    sigil, target, label = match.groups()
    if sigil == "!":
        return (label or target.split("^")[0]).strip()
    return (label or ("a user" if sigil == "@" else "a channel")).strip()


def neutralise(text: str) -> str:
    """``text`` with every Slack mention, link and auto-linkable address made inert."""
    text = _CONTROL.sub("", text)
    text = _SLACK_SPECIAL.sub(_special, text)
    text = _SLACK_LINK.sub(lambda m: (m.group(2) or "").strip() + f" {LINK_REMOVED}", text)
    text = _URL.sub(LINK_REMOVED, text)
    text = _EMAIL.sub("[email removed]", text)
    text = _DOMAIN.sub(lambda m: m.group(1).replace(".", "[.]"), text)
    text = _AT_BROADCAST.sub(r"\1", text)
    text = _AT_NAME.sub("", text)
    return _WS.sub(" ", text).strip()


def clean_text(text: str, limit: int) -> str:
    text = neutralise(text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_ids(ids: Iterable[str], allowed: frozenset[str]) -> list[str]:
    """Cited ids that name an activity of the context, in order, once each; invented ones are dropped."""
    out: list[str] = []
    for activity_id in ids:
        if activity_id in allowed and activity_id not in out:
            out.append(activity_id)
    return out[:IDS_MAX]


def same_text_key(text: str) -> str:
    """Two texts with this key say the same thing: case, spacing and end punctuation aside."""
    return " ".join(text.casefold().split()).rstrip(" .!;:,")


def merge_goals(goals: Iterable[BuyerGoal]) -> list[BuyerGoal]:
    """Each goal once, in first-seen order, citing every activity its repeats cited."""
    merged: dict[str, BuyerGoal] = {}
    for g in goals:
        key = same_text_key(g.goal)
        if key in merged:
            first = merged[key]
            ids = [*first.activity_ids, *(i for i in g.activity_ids if i not in first.activity_ids)]
            merged[key] = BuyerGoal(goal=first.goal, activity_ids=ids[:IDS_MAX])
        else:
            merged[key] = g
    return list(merged.values())


def merge_model_risks(risks: Iterable[ModelRisk]) -> list[ModelRisk]:
    """Each risk title once (the first one's detail), citing every activity its repeats cited."""
    merged: dict[str, ModelRisk] = {}
    for r in risks:
        key = same_text_key(r.title)
        if key in merged:
            first = merged[key]
            ids = [*first.activity_ids, *(i for i in r.activity_ids if i not in first.activity_ids)]
            merged[key] = ModelRisk(title=first.title, detail=first.detail, activity_ids=ids[:IDS_MAX])
        else:
            merged[key] = r
    return list(merged.values())


def validate_output(output: InsightOutput, allowed_ids: frozenset[str]) -> InsightOutput:
    """The model's answer reduced to what is safe and grounded; empty entries are dropped."""
    risks = [
        ModelRisk(
            title=clean_text(r.title, TITLE_MAX),
            detail=clean_text(r.detail, DETAIL_MAX),
            activity_ids=clean_ids(r.activity_ids, allowed_ids),
        )
        for r in output.risks
    ]
    goals = [
        BuyerGoal(goal=clean_text(g.goal, GOAL_MAX), activity_ids=clean_ids(g.activity_ids, allowed_ids))
        for g in output.buyer_goals
    ]
    return InsightOutput(
        summary=clean_text(output.summary, SUMMARY_MAX),
        risks=merge_model_risks(r for r in risks if r.title)[:MAX_RISKS],
        buyer_goals=merge_goals(g for g in goals if g.goal)[:MAX_GOALS],
    )
