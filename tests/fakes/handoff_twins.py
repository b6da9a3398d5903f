"""Two functions on one line, for tests/bot/app/test_handoff.py: no reference can tell them apart."""

from collections.abc import Callable


def twins() -> tuple[Callable[[], int], Callable[[], int]]:
    return (lambda: 1), (lambda: 2)
