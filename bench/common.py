"""What the benchmarks share: the instant the large profile is generated around, and percentiles."""

from __future__ import annotations

from datetime import datetime

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
