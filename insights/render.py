"""Insights as plain text: the "Copy as text" modal and ``salesbot insights`` without ``--json``."""

from __future__ import annotations

from crm.localtime import zone
from insights.service import InsightResult


def _when(result: InsightResult, at: object) -> str:
    from datetime import datetime

    if not isinstance(at, datetime):
        return "—"
    return at.astimezone(zone(result.timezone)).strftime("%Y-%m-%d %H:%M")


def render_text(result: InsightResult) -> str:
    out = [f"Deal insights: {result.deal_name} ({result.deal_id})", ""]
    if result.ai_unavailable_reason:
        out += [result.ai_unavailable_reason, ""]
    out.append("Recent activity")
    if result.summary:
        out.append(f"  {result.summary}")
    for a in result.activities:
        out.append(f"  - {_when(result, a.at)} {a.type}: {a.title} [{a.id}]")
    if not result.activities:
        out.append("  (no activity)")
    out += ["", "Risks"]
    for r in result.risks:
        cites = f" [{', '.join(r.activity_ids)}]" if r.activity_ids else ""
        out.append(f"  - {r.title} ({'CRM' if r.source == 'crm' else 'AI'}): {r.detail}{cites}")
    if not result.risks:
        out.append("  (none found)")
    out += ["", "Buyer goals"]
    for g in result.buyer_goals:
        cites = f" [{', '.join(g.activity_ids)}]" if g.activity_ids else ""
        out.append(f"  - {g.goal}{cites}")
    if not result.buyer_goals:
        out.append("  (none: " + ("no AI text)" if not result.ai_used else "none found)"))
    return "\n".join(out)
