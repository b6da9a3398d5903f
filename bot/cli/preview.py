"""``salesbot preview``: a picture of a Slack surface (placeholder until the HTML renderer lands)."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    return None
