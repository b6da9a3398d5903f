"""Streaming access to a dataset file: one pass, one record at a time.

A whole-CRM export can be gigabytes. ``DatasetReader.stream`` reads the file in chunks and decodes one
top-level value or array element at a time with the standard library's C JSON decoder
(``JSONDecoder.raw_decode``), so memory stays flat whatever the file's size and collections may come in
any order. (ijson's event stream was measured at several times the cost per record: its events cross into
Python one by one.)
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 22  # characters read at a time
MAX_RECORD = 1 << 24  # a single record larger than this is reported as invalid rather than buffered
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_float=Decimal)


class DatasetUnreadable(Exception):
    """The file cannot be read as one JSON object (missing, empty, not JSON, truncated)."""


@dataclass(frozen=True)
class TopLevel:
    """A top-level key. For an array, its records follow as ``Item``s; otherwise ``value`` is the value."""

    key: str
    kind: str  # "array" | "object" | "string" | "number" | "boolean" | "null"
    value: Any = None


@dataclass(slots=True)
class Item:
    """A record of the array under ``key`` (not frozen: one is made per record, millions per file, and a
    frozen dataclass's ``__init__`` costs several times more)."""

    key: str
    index: int
    record: Any


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


class _Text:
    """A window on the file's text that refills as decoding moves forward."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.consumed = 0  # characters dropped from the front of the window
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(CHUNK)
        try:
            more = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise DatasetUnreadable("not valid JSON: the file is not UTF-8 text") from None
        self.eof = not data
        self.consumed += self.pos
        self.text = self.text[self.pos :] + more
        self.pos = 0
        return True

    def where(self) -> str:
        return f"at character {self.consumed + self.pos}"

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or not self.fill():
                return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or "the end of the file"
            raise DatasetUnreadable(f"not valid JSON: expected {char!r} {self.where()}, found {found!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and len(self.text) - self.pos < MAX_RECORD and self.fill():
                    continue  # the value may run past the window: read on and try again
                raise DatasetUnreadable(
                    f"not valid JSON: {exc.msg} at character {self.consumed + exc.pos}"
                ) from None
            # A number or literal ending exactly at the window's edge might continue in the next chunk.
            if end == len(self.text) and not self.eof and self.fill():
                continue
            self.pos = end
            return value


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
            yield from self._walk(_Text(handle))

    @staticmethod
    def _walk(text: _Text) -> Iterator[TopLevel | Item]:
        if text.peek() != "{":
            raise DatasetUnreadable("the file must hold one JSON object ({...}) at its root")
        text.pos += 1
        if text.peek() == "}":
            text.pos += 1
        else:
            while True:
                key = text.value()
                if not isinstance(key, str):
                    raise DatasetUnreadable(f"not valid JSON: expected a key {text.where()}")
                text.expect(":")
                if text.peek() == "[":
                    text.pos += 1
                    yield TopLevel(key, "array")
                    if text.peek() == "]":
                        text.pos += 1
                    else:
                        index = 0
                        while True:
                            yield Item(key, index, text.value())
                            index += 1
                            if text.peek() == ",":
                                text.pos += 1
                                continue
                            text.expect("]")
                            break
                else:
                    value = text.value()
                    yield TopLevel(key, _kind(value), value)
                if text.peek() == ",":
                    text.pos += 1
                    continue
                text.expect("}")
                break
        if text.peek() != "":
            raise DatasetUnreadable(f"not valid JSON: extra data after the root object {text.where()}")
