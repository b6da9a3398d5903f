"""CRM ids as they travel in Slack payloads: short, unique and reversible whatever the CRM's ids.

Slack caps a block_id or action_id at 255 characters and an option's value at 150, and a value often carries
a prefix (``pipeline=``, ``contacts:``, ``deal.a:``). The importer accepts ids of up to 255 characters, so
every builder that puts a CRM id into a block_id, an action_id or an option value puts ``key(id)`` there, and
every listener that reads one back calls ``restore``:

- an id of at most ``PLAIN_MAX`` characters that does not start with ``MARK`` travels unchanged;
- any other id travels as ``MARK`` + 32 hex digits of its SHA-256: stable, and distinct for distinct ids;
- ``restore(session, value, column)`` turns such a key back into the id, server-side, by looking among the
  ids of ``column`` that would have been keyed (few: long or ``MARK``-led ids); an unknown key stays as it is
  (and then matches no record, like any stale or forged value).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

PLAIN_MAX = 64
MARK = "~"
_KEY = re.compile(r"~[0-9a-f]{32}")


def key(id_: str) -> str:
    """``id_`` as it may appear in a Slack payload (at most ``PLAIN_MAX`` characters)."""
    if len(id_) <= PLAIN_MAX and not id_.startswith(MARK):
        return id_
    return MARK + hashlib.sha256(id_.encode()).hexdigest()[:32]


def is_key(value: str) -> bool:
    return _KEY.fullmatch(value) is not None


def restore(session: Session, value: str, column: InstrumentedAttribute[Any]) -> str:
    """The id ``value`` stands for among the ids of ``column`` (``value`` itself when it is not a key)."""
    if not is_key(value):
        return value
    keyed = select(column).where(or_(func.length(column) > PLAIN_MAX, column.startswith(MARK)))
    for candidate in session.scalars(keyed):
        if key(candidate) == value:
            return str(candidate)
    return value
