"""Streaming a dataset to a JSON file, one record at a time (no whole-dataset lists in memory)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def write_collections(path: Path | str, items: Iterable[tuple[str, Any]]) -> dict[str, int]:
    """Write ``(collection, record)`` pairs, grouped by collection in the order they arrive, as one JSON
    object; ``"org"`` is written as an object, every other collection as an array. Returns counts."""
    counts: dict[str, int] = {}
    current: str | None = None
    with Path(path).open("w", encoding="utf-8") as out:
        out.write("{")
        for name, record in items:
            if name != current:
                if current is not None and current != "org":
                    out.write("\n]")
                out.write(("," if current is not None else "") + f"\n{json.dumps(name)}: ")
                if name in counts:
                    raise ValueError(f"collection {name!r} arrived in two separate runs")
                counts[name] = 0
                if name != "org":
                    out.write("[\n")
                current = name
            elif name != "org":
                out.write(",\n")
            out.write(_ENCODER.encode(record))
            counts[name] += 1
        if current is not None and current != "org":
            out.write("\n]")
        out.write("\n}\n")
    return counts
