"""The Settings tab's extra sections: the guided-action rules a user switched off, and for super admins the
rules switched off for the org and today's digest report (``bot.digest.report``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.digest.report import ReportRow, digest_report
from bot.home.context import HomeContext
from crm.queries.rule_switches import org_rules_off, user_rules_off
from rules.registry import ALL_RULES


@dataclass
class SettingsExtras:
    rules: list[tuple[str, str]]  # (code, title) of every rule
    mine_off: frozenset[str]
    org_off: frozenset[str] | None = None  # super admins only
    report: list[ReportRow] = field(default_factory=list)  # super admins only


def load_extras(session: Session, ctx: HomeContext) -> SettingsExtras | None:
    """None in another user's workspace (nothing there is the viewer's to change)."""
    if ctx.masked:
        return None
    extras = SettingsExtras(
        rules=[(rule.code, rule.title) for rule in ALL_RULES],
        mine_off=user_rules_off(session, ctx.viewer.id),
    )
    if ctx.viewer.is_super_admin:
        extras.org_off = org_rules_off(session)
        from crm.config import get_settings  # pydantic-settings, for super admins' Home only

        late = timedelta(hours=get_settings().salesbot_digest_late_hours)
        extras.report = digest_report(session, ctx.now, late=late)
    return extras
