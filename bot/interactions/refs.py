"""Item references carried in button values and block ids: ``task:ID``, ``action:ID``, ``bundle:R06``,
``meeting:ID``. A ref only says which record a click is about; whether the clicking user may touch it is
decided from the database, never from the payload."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("task", "action", "bundle", "meeting")
REF_LIMIT = 300


class BadRef(ValueError):
    """A value that is not an item reference (a forged or truncated payload)."""


@dataclass(frozen=True)
class Ref:
    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def action_id(self) -> int:
        """The guided action's numeric id (``action:`` refs only)."""
        if self.kind != "action" or not (self.id.isascii() and self.id.isdigit() and len(self.id) <= 18):
            raise BadRef(f"not a guided action: {self}")
        return int(self.id)


def parse_ref(value: object) -> Ref:
    if not isinstance(value, str) or len(value) > REF_LIMIT or ":" not in value:
        raise BadRef("not an item reference")
    kind, _, id_ = value.partition(":")
    if kind not in KINDS or not id_:
        raise BadRef("not an item reference")
    ref = Ref(kind, id_)
    if kind == "action":
        ref.action_id  # noqa: B018  (validates the number)
    return ref
