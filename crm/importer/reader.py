"""Streaming access to a dataset file: one pass, one record at a time.

A whole-CRM export can be hundreds of megabytes. ``DatasetReader.stream`` walks the file once with ijson's
C parser and builds one record at a time, so memory stays flat whatever the file's size, and collections
may come in any order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

_SCALARS = {"string": "string", "number": "number", "boolean": "boolean", "null": "null"}


class DatasetUnreadable(Exception):
    """The file cannot be read as one JSON object (missing, empty, not JSON, truncated)."""


@dataclass(frozen=True)
class TopLevel:
    """A top-level key. For an array, its records follow as ``Item``s; otherwise ``value`` is the value."""

    key: str
    kind: str  # "array" | "object" | "string" | "number" | "boolean" | "null"
    value: Any = None


@dataclass(frozen=True)
class Item:
    key: str
    index: int
    record: Any


def _build(event: str, value: Any, events: Iterator[tuple[str, Any]]) -> Any:
    """One JSON value from ijson's basic events (the value's first event already read).

    A tight loop instead of ijson's ObjectBuilder: this runs for every event of every record and is the
    largest cost of an import.
    """
    if event in _SCALARS:
        return value
    container: Any = {} if event == "start_map" else []
    parents: list[tuple[Any, Any]] = []
    key: Any = None
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "start_map" or event == "start_array":
            child: Any = {} if event == "start_map" else []
            if type(container) is dict:
                container[key] = child
            else:
                container.append(child)
            parents.append((container, key))
            container = child
        elif event == "end_map" or event == "end_array":
            if not parents:
                return container
            container, key = parents.pop()
        elif type(container) is dict:
            container[key] = value
        else:
            container.append(value)
    raise DatasetUnreadable("not valid JSON: the file ends inside a value")


class DatasetReader:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def stream(self) -> Iterator[TopLevel | Item]:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise DatasetUnreadable(f"{exc.strerror or exc}") from None
        with handle:
            if self.path.stat().st_size == 0:
                raise DatasetUnreadable("the file is empty")
            try:
                yield from self._walk(ijson.basic_parse(handle))
            except ijson.JSONError as exc:
                raise DatasetUnreadable(f"not valid JSON: {exc}") from None

    @staticmethod
    def _walk(events: Iterator[tuple[str, Any]]) -> Iterator[TopLevel | Item]:
        event, _ = next(events)
        if event != "start_map":
            raise DatasetUnreadable("the file must hold one JSON object ({...}) at its root")
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events)
            if event == "start_array":
                yield TopLevel(key, "array")
                # _build consumes each record's inner events from the same iterator, so enumerate counts
                # records, not events.
                for index, (event, value) in enumerate(events):
                    if event == "end_array":
                        break
                    yield Item(key, index, _build(event, value, events))
            else:
                kind = "object" if event == "start_map" else _SCALARS.get(event, event)
                yield TopLevel(key, kind, _build(event, value, events))
        for _ in events:  # anything after the root object is an error ijson reports while draining
            pass
