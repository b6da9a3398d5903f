"""The streaming reader gives exactly what json.load gives, whatever the chunk boundaries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm.importer import reader
from crm.importer.reader import DatasetReader, DatasetUnreadable, Item, TopLevel

EXAMPLE = Path(__file__).parent.parent / "data" / "spec_example.json"


def _read(path: Path) -> tuple[list[Any], dict[str, Any]]:
    items: dict[str, Any] = {}
    tops = []
    for event in DatasetReader(path).stream():
        if isinstance(event, TopLevel):
            tops.append((event.key, event.kind))
            if event.kind == "array":
                items[event.key] = []
            else:
                items[event.key] = event.value
        else:
            assert isinstance(event, Item)
            assert event.index == len(items[event.key])
            items[event.key].append(event.record)
    return tops, items


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13, 64, 1000, 1 << 22])
def test_any_chunk_size_reads_the_same_values_as_json_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chunk: int
) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["deals"][0]["amount"] = 1234567.25
    data["deals"][0]["name"] = "Zürich – 40 robots ✓"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    monkeypatch.setattr(reader, "CHUNK", chunk)
    tops, items = _read(path)
    assert [key for key, _ in tops] == list(data)
    expected = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    assert items == expected


@pytest.mark.parametrize("chunk", [1, 4, 1 << 22])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"users": [{"id": "u1"}', "not valid JSON"),
        ('{"users": [{"id": "u1"},]}', "not valid JSON"),
        ('{"users": [] "teams": []}', "expected '}'"),
        ('{"users": []} []', "extra data"),
        ('{"users": [1e}', "not valid JSON"),
        ("[]", "one JSON object"),
        ("   ", "one JSON object"),
    ],
)
def test_malformed_files_are_unreadable_with_a_position(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chunk: int, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    monkeypatch.setattr(reader, "CHUNK", chunk)
    with pytest.raises(DatasetUnreadable, match=message):
        _read(path)


def test_a_number_split_by_a_chunk_boundary_is_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "n.json"
    path.write_text('{"org": 123456789}')
    for chunk in range(1, 20):
        monkeypatch.setattr(reader, "CHUNK", chunk)
        assert _read(path)[1] == {"org": 123456789}


def test_non_utf8_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"users": [{"name": "Zürich"}]}'.encode("latin-1"))
    with pytest.raises(DatasetUnreadable, match="UTF-8"):
        _read(path)
