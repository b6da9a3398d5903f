"""Benchmark: the HubSpot administration paths on a store the size of a large portal.

Prints, on a fresh database (SQLite file, or ``--db-url`` PostgreSQL), with ``--records`` synced records
(``hubspot_records`` rows spread over the nine object types, cursors for each) and ``--users`` synced users
holding HubSpot roles:
- ``salesbot hubspot status``'s report (``hubspot_connector.status.status``): median and worst of 5;
- ``roles set`` on a role held by a third of the users (the mapping stored and applied to every user);
- the clock's lease: one acquire + release round trip (median of 200);
- the OAuth token source: a call answered from memory, and one that reads the stored row.

Usage: python bench/hubspot_admin.py [--db-url URL] [--records N] [--users N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, Table, insert, text

from bench.common import NOW
from crm.config import Settings
from crm.db import make_engine, upgrade
from crm.models import (
    Base,
    HubSpotCursor,
    HubSpotOAuthToken,
    HubSpotRecord,
    HubSpotRole,
    HubSpotUser,
    Org,
    User,
)
from hubspot_connector import lease
from hubspot_connector.api import names
from hubspot_connector.oauth import StoredTokens
from hubspot_connector.role_admin import set_mapping
from hubspot_connector.roles import apply_role_mappings
from hubspot_connector.status import status


def _t(model: object) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def seed(engine: Engine, records: int, users: int) -> None:
    with engine.begin() as c:
        c.execute(insert(_t(Org)).values(name="Bench"))
        batch = []
        for i in range(records):
            object_type = names.OBJECT_TYPES[i % len(names.OBJECT_TYPES)]
            batch.append(
                {"object_type": object_type, "hubspot_id": str(i), "salesbot_id": f"hs-{object_type}-{i}"}
            )
            if len(batch) == 10_000:
                c.execute(insert(_t(HubSpotRecord)), batch)
                batch = []
        if batch:
            c.execute(insert(_t(HubSpotRecord)), batch)
        c.execute(insert(_t(HubSpotCursor)), [
            {"object_type": t, "records": len(range(i, records, 9)), "last_sync_at": NOW,
             "modified_through": NOW}
            for i, t in enumerate(names.OBJECT_TYPES)
        ])  # fmt: skip
        c.execute(insert(_t(HubSpotRole)), [{"role_id": str(r), "name": f"Role {r}"} for r in range(3)])
        c.execute(insert(_t(User)), [
            {"id": f"u{i}", "email": f"u{i}@bench.test", "name": f"U{i}", "role": "rep", "timezone": "UTC",
             "digest_weekdays": [1, 2, 3, 4, 5]} for i in range(users)
        ])  # fmt: skip
        c.execute(insert(_t(HubSpotUser)), [
            {"user_id": f"u{i}", "owner_id": str(i), "role_ids": [str(i % 3)], "super_admin": False}
            for i in range(users)
        ])  # fmt: skip
        expires = NOW + timedelta(minutes=30)
        apply_role_mappings(c)  # as a sync leaves them: everyone a rep seeing what they own
        c.execute(insert(_t(HubSpotOAuthToken)).values(
            portal_id="1", access_token="a", refresh_token="r", expires_at=expires, scopes=[]
        ))  # fmt: skip


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url")
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--users", type=int, default=2_000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.db_url or f"sqlite:///{tmp.name}/bench.db"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    assert Base.metadata.tables
    started = time.perf_counter()
    seed(engine, args.records, args.users)
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.execute(text("ANALYZE"))
    print(f"{engine.dialect.name}: {args.records:,} synced records, {args.users:,} users "
          f"(seeded in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    settings = Settings(hubspot_access_token="x")  # type: ignore[arg-type]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        report = status(engine, settings, NOW)
        times.append(time.perf_counter() - t0)
    assert report.records == args.records
    print(f"status: median {ms(statistics.median(times))}, worst {ms(max(times))}")

    t0 = time.perf_counter()
    with engine.begin() as c:
        _, changed = set_mapping(c, "Role 1", "manager", {"deals": "all"}, NOW)
    print(
        f"roles set (applied to every synced user): {ms(time.perf_counter() - t0)}, {changed:,} users changed"
    )

    times = []
    for i in range(200):
        t0 = time.perf_counter()
        assert lease.acquire(engine, "bench", "me", NOW + timedelta(seconds=i), timedelta(minutes=10))
        lease.release(engine, "bench", "me")
        times.append(time.perf_counter() - t0)
    print(f"lease acquire + release: median {ms(statistics.median(times))}")

    source = StoredTokens(engine, None, "1", clock=lambda: NOW)
    t0 = time.perf_counter()
    source()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(10_000):
        source()
    cached = (time.perf_counter() - t0) / 10_000
    print(
        f"OAuth token: first call (reads the row) {ms(first)}, then {cached * 1e6:.1f} µs a call from memory"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
