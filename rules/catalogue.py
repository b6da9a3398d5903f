"""The guided-action catalogue, read from the rule classes themselves (``salesbot rules list``).

Each rule's module docstring states its "Creates when" / "Expires when" lines; its class states its code,
title, category, subject, key and whether it is bundled. ``docs/guided-actions.md`` embeds
:func:`markdown` verbatim (a test compares them), so the documentation and the code cannot drift.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from rules.base import BY_SUBJECT, Rule
from rules.registry import ALL_RULES


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    title: str
    category: str  # closing | prospecting | by subject
    subject: str
    key: str
    bundled: bool
    statement: str  # "Creates ... Expires ..." from the rule's module docstring


def entry(rule: Rule) -> CatalogueEntry:
    module = inspect.getmodule(type(rule))
    doc = inspect.cleandoc((module.__doc__ if module else None) or "")
    # The docstring's first line repeats what the class attributes say; the rest is the statement.
    statement = doc.partition("\n")[2].strip()
    return CatalogueEntry(
        code=rule.code,
        title=rule.title,
        category=rule.category,
        subject=rule.subject_type,
        key=rule.key_description,
        bundled=rule.bundled,
        statement=statement,
    )


def catalogue() -> list[CatalogueEntry]:
    return [entry(rule) for rule in ALL_RULES]


def table() -> str:
    """One line per rule: code, category, subject, key, title (bundled rules marked)."""
    rows = [("code", "category", "subject", "key", "title")]
    for e in catalogue():
        rows.append((e.code, e.category, e.subject, e.key, e.title + (" (bundled)" if e.bundled else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    )


def markdown() -> str:
    """The catalogue as Markdown: a heading per rule, its attributes, then its statement."""
    parts = []
    for e in catalogue():
        category = "by subject (closing when about an open deal)" if e.category == BY_SUBJECT else e.category
        attributes = f"Category: {category}. Subject: {e.subject}. Key: {e.key}."
        if e.bundled:
            attributes += " Bundled: one digest line per user, a queue through its items."
        parts.append(f"### {e.code} {e.title}\n\n{attributes}\n\n{e.statement}\n")
    return "\n".join(parts)
