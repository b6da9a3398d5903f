"""Expected failures of a command turned into one line that says what went wrong and how to fix it.

Exit codes (docs/architecture.md): 2 invalid input or configuration, 3 not allowed, 4 a service (the
database, Slack, HubSpot, the model) cannot be reached. Library modules are looked up in ``sys.modules``
rather than imported, so recognising a failure never slows a command that did not load them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.cli.errors import EXIT_INVALID, EXIT_UNAVAILABLE, CommandError

if TYPE_CHECKING:
    from sqlalchemy import Engine

DATABASE_HINT = "check DATABASE_URL (or --database-url) and that the database server is up"


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error; its text is the useful part
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_store(url: str) -> Engine:
    """An engine for ``url`` with the schema upgraded, or a :class:`CommandError` saying what to fix."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from crm.db import make_engine, upgrade

    try:
        engine = make_engine(url)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise CommandError(
            f"cannot open the database {_safe_url(url)} ({_first_line(exc)}): use sqlite:///FILE, or "
            "postgresql://user@host:5432/name with the PostgreSQL extra installed "
            '(pip install -e ".[postgres]")',
            EXIT_INVALID,
        ) from None
    except (ArgumentError, ValueError) as exc:
        raise CommandError(
            f"DATABASE_URL is not a database URL ({_first_line(exc)}); "
            "write sqlite:///salesbot.db or postgresql://user@host:5432/name",
            EXIT_INVALID,
        ) from None
    where = _safe_url(url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise CommandError(
            f"the database {where} cannot be reached: {_first_line(exc)}; {DATABASE_HINT}", EXIT_UNAVAILABLE
        ) from None
    try:
        upgrade(engine)
    except Exception as exc:
        if not (isinstance(exc, DBAPIError) or _is_alembic_error(exc)):
            raise
        raise CommandError(
            f"a schema migration failed on {where}: {_first_line(exc)}; the upgrade stopped there: fix "
            "the database (or point DATABASE_URL at another) and run `salesbot db upgrade`",
            EXIT_UNAVAILABLE,
        ) from None
    return engine


def _is_alembic_error(exc: BaseException) -> bool:
    # Alembic is imported only when a migration runs (crm.db.upgrade): an error of its own means it was.
    alembic_util = sys.modules.get("alembic.util")
    return alembic_util is not None and isinstance(exc, alembic_util.CommandError)


def unavailable(exc: BaseException) -> str | None:
    """One line when ``exc`` means a service cannot be reached; None for anything else."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        return f"the database cannot be reached: {_first_line(exc)}; {DATABASE_HINT}"
    slack_errors = sys.modules.get("slack_sdk.errors")
    if slack_errors is not None and isinstance(exc, slack_errors.SlackApiError):
        error = exc.response.get("error") if exc.response is not None else None
        return f"Slack refused the call ({error}); check SLACK_BOT_TOKEN and the app's scopes"
    openai = sys.modules.get("openai")
    if openai is not None and isinstance(exc, openai.APIConnectionError):
        return f"the model cannot be reached: {_first_line(exc)}; check OPENAI_BASE_URL and OPENAI_API_KEY"
    hubspot = sys.modules.get("hubspot_connector")
    if hubspot is not None and type(exc).__module__.startswith(("hubspot", "urllib3")):
        return f"HubSpot cannot be reached: {_first_line(exc)}"
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"a service cannot be reached: {_first_line(exc)}"
    urllib_error = sys.modules.get("urllib.error")
    if urllib_error is not None and isinstance(exc, urllib_error.URLError):
        return f"a service cannot be reached: {exc.reason}; check SLACK_API_URL and the network"
    return None
