"""``import`` merges and says so; ``import --replace`` replaces the whole store in one transaction."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import Engine, func, select

from crm.db import session_scope
from crm.models import Action, Contact
from tests.crm.test_import import example, run_cli, snapshot, write


def with_extra_contact() -> dict:
    data = example()
    extra = copy.deepcopy(data["contacts"][0])
    extra.update(id="c-extra", email="extra@globex.test")
    data["contacts"].append(extra)
    return data


def contact_ids(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.scalars(select(Contact.id)))


def test_import_merges_and_says_so(db_url: str, engine: Engine, tmp_path: Path) -> None:
    assert (
        run_cli("--database-url", db_url, "import", str(write(tmp_path, with_extra_contact(), "a.json")))[0]
        == 0
    )
    code, out, _ = run_cli("--database-url", db_url, "import", str(write(tmp_path, example(), "b.json")))
    assert code == 0 and "merged into the store (nothing deleted)" in out
    assert "c-extra" in contact_ids(engine)


def test_import_replace_leaves_only_the_file(db_url: str, engine: Engine, tmp_path: Path) -> None:
    run_cli("--database-url", db_url, "import", str(write(tmp_path, with_extra_contact(), "a.json")))
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    code, out, err = run_cli(
        "--database-url", db_url, "import", "--replace", str(write(tmp_path, example(), "b.json"))
    )
    assert code == 0, err
    assert "replaced the store with" in out
    assert "c-extra" not in contact_ids(engine)
    with session_scope(engine) as session:  # what was derived from the old store went with it
        assert session.scalar(select(func.count()).select_from(Action)) == 0
    replaced = snapshot(engine)
    fresh = tmp_path / "fresh.db"
    run_cli("--database-url", f"sqlite:///{fresh}", "import", str(tmp_path / "b.json"))
    from crm.db import make_engine

    assert snapshot(make_engine(f"sqlite:///{fresh}")) == replaced


def test_a_failed_replace_changes_nothing(db_url: str, engine: Engine, tmp_path: Path) -> None:
    run_cli("--database-url", db_url, "import", str(write(tmp_path, with_extra_contact(), "a.json")))
    before = snapshot(engine)
    bad = example()
    bad["deals"][0]["stage_id"] = "s9"
    code, _, err = run_cli(
        "--database-url", db_url, "import", "--replace", str(write(tmp_path, bad, "bad.json"))
    )
    assert code == 2 and "nothing was imported" in err
    assert snapshot(engine) == before
