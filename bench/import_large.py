"""Benchmark: generate the large demo profile to a JSON file, then import it into a fresh database.

Prints the generate and import times, the file size and each phase's peak memory (each phase runs in its
own process, so the peaks do not mix). Usage:

    python bench/import_large.py [--db-url URL] [--workdir DIR] [--profile large]

The default database is a fresh SQLite file in the work directory; pass a PostgreSQL URL to measure there
(the database must be empty).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_generate(path: Path, profile: str) -> dict[str, object]:
    from crm.demo.generator import write_dataset

    started = time.perf_counter()
    counts = write_dataset(path, NOW, profile=profile, progress=True)
    return {"seconds": time.perf_counter() - started, "counts": counts, "peak_mb": _peak_mb()}


def phase_import(path: Path, db_url: str) -> dict[str, object]:
    from tqdm import tqdm

    from crm.db import make_engine, upgrade
    from crm.importer.load import import_dataset

    engine = make_engine(db_url)
    upgrade(engine)
    bar = tqdm(desc="importing", unit=" records", file=sys.stderr)
    started = time.perf_counter()
    result = import_dataset(engine, path, progress=lambda _name, n: bar.update(n))
    bar.close()
    return {"seconds": time.perf_counter() - started, "counts": result.counts, "peak_mb": _peak_mb()}


def run_phase(*argv: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, __file__, *argv], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="large")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--db-url")
    parser.add_argument("--phase", choices=("generate", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "generate":
        print(json.dumps(phase_generate(args.file, args.profile)))
        return
    if args.phase == "import":
        print(json.dumps(phase_import(args.file, args.db_url)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="salesbot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    dataset = workdir / f"{args.profile}.json"
    db_url = args.db_url or f"sqlite:///{workdir / 'bench.db'}"
    generated = run_phase("--phase", "generate", "--profile", args.profile, "--file", str(dataset))
    size_mb = dataset.stat().st_size / 1e6
    imported = run_phase("--phase", "import", "--file", str(dataset), "--db-url", db_url)
    counts = imported["counts"]
    assert isinstance(counts, dict)
    print(f"profile            {args.profile}")
    print(
        f"records            {sum(counts.values()):,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})"
    )
    print(f"file               {size_mb:,.0f} MB")
    print(f"generate           {generated['seconds']:.1f} s   peak {generated['peak_mb']:,.0f} MB")
    backend = db_url.split(":")[0]
    print(
        f"import             {imported['seconds']:.1f} s   peak {imported['peak_mb']:,.0f} MB   ({backend})"
    )
    print(f"import throughput  {sum(counts.values()) / float(imported['seconds']):,.0f} records/s")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
