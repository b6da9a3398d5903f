"""Streaming access to a dataset file: records are parsed one at a time with ijson's C backend.

A whole-CRM export can be hundreds of megabytes; nothing here holds more than one record of it at once.
Each pass re-reads the file, which costs a few seconds per 100 MB and keeps memory flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson


class DatasetUnreadable(Exception):
    """The file cannot be read as one JSON object (missing, not JSON, truncated)."""


@dataclass
class Outline:
    """What sits at the top level of the file: each key, in order, with the JSON type of its value."""

    keys: list[tuple[str, str]] = field(default_factory=list)

    def kind(self, key: str) -> str | None:
        return next((kind for name, kind in self.keys if name == key), None)


_EVENT_KINDS = {
    "start_array": "array",
    "start_map": "object",
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


class DatasetReader:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _open(self) -> Any:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise DatasetUnreadable(f"{self.path}: {exc.strerror or exc}") from None

    def outline(self) -> Outline:
        """One full pass: proves the file is well-formed JSON with an object at its root."""
        outline = Outline()
        pending_key: str | None = None
        with self._open() as handle:
            if self.path.stat().st_size == 0:
                raise DatasetUnreadable("the file is empty")
            try:
                events = ijson.parse(handle)
                for prefix, event, value in events:
                    if prefix == "" and event == "start_map":
                        continue
                    if prefix == "" and event == "map_key":
                        pending_key = value
                    elif pending_key is not None and prefix == pending_key:
                        outline.keys.append((pending_key, _EVENT_KINDS.get(event, event)))
                        pending_key = None
                    elif prefix == "" and event != "end_map":
                        raise DatasetUnreadable("the file must hold one JSON object ({...}) at its root")
            except ijson.JSONError as exc:
                raise DatasetUnreadable(f"not valid JSON: {exc}") from None
        return outline

    def value(self, key: str) -> Any:
        """A small top-level value (the ``org`` object), parsed whole."""
        with self._open() as handle:
            return next(iter(ijson.items(handle, key)), None)

    def records(self, key: str) -> Iterator[tuple[int, Any]]:
        """(index, record) for each element of the top-level array ``key``, one at a time."""
        with self._open() as handle:
            yield from enumerate(ijson.items(handle, f"{key}.item"))
