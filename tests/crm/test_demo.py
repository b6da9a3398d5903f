"""The demo CRM: valid, deterministic, relative to now, and a faithful import/export round trip."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.cli.main import main
from crm.db import make_engine, session_scope
from crm.demo.generator import DEMO_ORG_NAME, dataset, write_dataset
from crm.importer.export import iter_dataset
from crm.importer.load import import_dataset
from crm.importer.schema import COLLECTIONS, ORG_ADAPTER
from tests.conftest import NOW


def _models(pairs: Any) -> dict[str, Any]:
    """Records parsed through the format's own models, so defaults spelled out or left implicit compare
    equal."""
    out: dict[str, Any] = {}
    for name, record in pairs:
        if name == "org":
            out[name] = ORG_ADAPTER.validate_python(record)
        else:
            out.setdefault(name, {})[record["id"]] = COLLECTIONS[name].validate_python(record)
    return out


def _pairs(data: dict[str, Any]) -> Any:
    for name, value in data.items():
        if name == "org":
            yield name, value
        else:
            yield from ((name, record) for record in value)


def test_demo_is_deterministic_for_a_seed_and_varies_with_it() -> None:
    assert dataset(NOW, seed=3) == dataset(NOW, seed=3)
    assert dataset(NOW, seed=3) != dataset(NOW, seed=4)


def test_every_demo_record_is_valid_and_every_id_unique() -> None:
    data = dataset(NOW)
    _models(_pairs(data))  # raises on any invalid record
    for name, records in data.items():
        if name != "org":
            duplicates = [i for i, n in Counter(r["id"] for r in records).items() if n > 1]
            assert duplicates == [], name


def test_demo_times_are_relative_to_now() -> None:
    later = NOW + timedelta(days=400)
    for now in (NOW, later):
        text = json.dumps(dataset(now))
        times = [datetime.fromisoformat(t) for t in _iso_times(text)]
        assert min(times) >= now - timedelta(days=400)
        assert max(times) <= now + timedelta(days=30)


def _iso_times(text: str) -> list[str]:
    return re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)


def test_demo_has_reps_on_several_continents_a_manager_and_a_super_admin() -> None:
    users = dataset(NOW)["users"]
    zones = {u["timezone"].split("/")[0] for u in users if u["role"] == "rep"}
    assert {"America", "Europe", "Asia", "Australia"} <= zones
    assert Counter(u["role"] for u in users)["manager"] == 1
    assert Counter(u["role"] for u in users)["super_admin"] == 1
    assert dataset(NOW, reps=2)["users"][1]["role"] == "rep"
    assert sum(u["role"] == "rep" for u in dataset(NOW, reps=2)["users"]) == 2


def test_demo_export_import_round_trip_keeps_every_record_and_field(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    counts = write_dataset(path, NOW)
    generated = dataset(NOW)
    assert json.loads(path.read_text()) == generated
    result = import_dataset(engine, path)
    assert result.counts == {name: n for name, n in counts.items() if name != "org"}
    with session_scope(engine) as session:
        exported = _models(iter_dataset(session))
    assert exported == _models(_pairs(generated))


def test_cli_demo_prints_each_reps_day(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(["--database-url", url, "demo", "--reps", "3", "--now", "2026-11-23T12:00:00Z"], out, err) == 0
    )
    text = out.getvalue()
    assert "Demo CRM ready" in text
    # Each rep's digest, as the terminal shows it.
    assert text.count("\n=== ") == 3 and text.count("'s day · Mon 2026-11-2") == 3
    assert "Guided actions:" in text and text.count("\nGuided actions (") == 3
    assert "\nReply to email: " in text and "Overdue tasks (" in text
    assert text.count("[ Open Salesbot Home ]") == 3 and "[ Dismiss ]" in text
    assert "salesbot digest --user " in text
    # Each rep's day is the Slack message drawn: exactly what `salesbot digest --user` shows.
    first = text.split("\n=== ")[1]
    email = first.split("<")[1].split(">")[0]
    digest_out = io.StringIO()
    now = "2026-11-23T12:00:00Z"
    assert main(["--database-url", url, "digest", "--user", email, "--now", now], digest_out, err) == 0
    assert first.split("\n", 1)[1].rstrip("\n") == digest_out.getvalue().rstrip("\n")
    # Running it again replaces the previous demo.
    assert (
        main(["--database-url", url, "demo", "--reps", "2", "--now", "2026-11-23T12:00:00Z"], out, err) == 0
    )


def test_cli_demo_refuses_to_overwrite_a_real_crm_without_reset(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    example = Path(__file__).parent.parent / "data" / "spec_example.json"
    out, err = io.StringIO(), io.StringIO()
    assert main(["--database-url", url, "import", str(example)], out, err) == 0
    assert main(["--database-url", url, "demo"], out, err) == 2
    assert "--reset" in err.getvalue()
    assert main(["--database-url", url, "demo", "--reset", "--reps", "1"], out, err) == 0
    with session_scope(make_engine(url)) as session:
        names = [record["name"] for name, record in iter_dataset(session) if name == "org"]
    assert names == [DEMO_ORG_NAME]


def test_cli_demo_rejects_a_bad_now_and_bad_reps(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out, err = io.StringIO(), io.StringIO()
    assert main(["--database-url", url, "demo", "--now", "tomorrow"], out, err) == 2
    assert main(["--database-url", url, "demo", "--now", "2026-11-23T12:00:00"], out, err) == 2
    assert "no offset" in err.getvalue()
    assert main(["--database-url", url, "demo", "--reps", "0"], out, err) == 2
