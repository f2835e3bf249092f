"""Every metric behind every page, with the pages' default filters (what one visit to each page computes)."""

from __future__ import annotations

from typing import Any

from learnloop import metrics, reports
from learnloop.filters import Filters, current_quarter
from learnloop.metrics.selection import choices
from learnloop.workbook import Workbook

RETRO_PARTS = ("card", "previous_card", "kpis", "themes", "next_themes", "sources_added", "sources_pruned",
               "top_sources", "dormant", "critiques", "roles", "artifact_types", "shipped", "carried", "decisions",
               "trend")


def every_metric(wb: Workbook, f: Filters | None = None) -> dict[str, Any]:
    """The numbers each page shows, computed as the page computes them (charts and tables not drawn)."""
    f = f or Filters()
    quarter = current_quarter(f, wb.options.fiscal_year_start_month)
    out: dict[str, Any] = {"sidebar": choices(wb)}
    # Overview
    out["scorecard"] = metrics.scorecard(wb, f, quarter)
    out["kpis"] = metrics.kpis(wb, f, quarter)
    out["score_trend"] = metrics.score_trend(wb, f)
    out["decisions_per_quarter"] = metrics.decisions_per_quarter(wb, f)
    # Themes
    out["theme_summary"] = metrics.theme_summary(wb, f)
    # Learning network
    out["sources_flow"] = metrics.sources_flow(wb, f)
    out["source_kinds"] = metrics.source_kinds(wb, f)
    out["top_sources"] = metrics.top_sources(wb, f)
    out["dormant_sources"] = metrics.dormant_sources(wb, f)
    # Peer circle
    out["monthly_streak"] = metrics.monthly_streak(wb, f)
    out["critiques_per_month"] = metrics.critiques_per_month(wb, f)
    out["roles_coverage"] = metrics.roles_coverage(wb, f)
    out["artifact_types"] = metrics.artifact_types(wb, f)
    out["peer_roles_share"] = metrics.peer_roles_share(wb, f)
    # Commitments
    out["commitments_per_quarter"] = metrics.commitments_per_quarter(wb, f)
    out["commitment_ledger"] = metrics.commitment_ledger(wb, f)
    out["carried_over"] = metrics.carried_over(wb, f, quarter)
    # Impact
    out["decisions_by_category"] = metrics.decisions_by_category(wb, f)
    out["traced_share"] = metrics.traced_share(wb, f)
    out["time_to_impact"] = metrics.time_to_impact(wb, f)
    out["learning_mix"] = metrics.learning_mix(wb, f)
    out["learning_flows"] = metrics.learning_flows(wb, f)
    out["decision_log"] = metrics.decision_log(wb, f)
    out["reversals"] = metrics.reversals(wb, f)
    # Retro: every slide of the last complete quarter
    retro = reports.retro(wb, f, reports.last_complete_quarter(wb, f))
    out["retro"] = {part: getattr(retro, part) for part in RETRO_PARTS}
    # Data health
    out["health"] = (wb.count("error"), wb.count("warning"), wb.count("info"), wb.issues_frame())
    return out
