"""Tool registry: intent -> callable, filled from `tools/` with one line per tool.

A tool takes (question, settings, as_of, period) -- `period` is the (start, end) the question named,
or None for the tool's default -- and returns a dict with at least `text`, optionally `columns`,
`rows`, `sql`, `warnings`. An intent with no registered tool answers that the capability is coming.
Tools run their SQL through the semantic layer's engine (validated, read-only) like answers do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core.settings import Settings

Period = tuple[datetime, datetime] | None
ToolFn = Callable[[str, Settings, date, Period], dict[str, Any]]

REGISTRY: dict[str, ToolFn] = {}

COMING: dict[str, str] = {
    "scan": "Anomaly scans (spikes, idle capacity, failing jobs) are coming soon to the assistant; `pace scan` will run them.",
    "savings": "Savings recommendations (idle and under-used capacity, commitments) are coming soon; `pace savings` will list them.",
    "forecast": "Spend and capacity forecasts are coming soon; `pace forecast` will produce them.",
    "triage": "Incident triage drafts are coming soon; `pace triage` will write them.",
    "weekly": "The weekly executive narrative is coming soon; `pace weekly` will write it.",
}


def _adapt(name: str) -> ToolFn:
    """`tools.registry.TOOLS[name]` in the graph's signature (imported on first call: tools are heavy)."""

    def call(question: str, settings: Settings, as_of: date, period: Period) -> dict[str, Any]:
        from tools.registry import TOOLS

        result = TOOLS[name](settings, question, period)
        evidence = list(result.evidence_sql)
        return {"text": result.summary_text(), "columns": list(result.columns), "rows": [list(r) for r in result.rows],
                "sql": evidence[0] if evidence else None}

    call.__name__ = f"tool_{name}"
    return call


REGISTRY["scan"] = _adapt("scan")
REGISTRY["savings"] = _adapt("savings")
REGISTRY["forecast"] = _adapt("forecast")
REGISTRY["impact"] = _adapt("impact")
REGISTRY["triage"] = _adapt("triage")
REGISTRY["weekly"] = _adapt("weekly")
REGISTRY["placement"] = _adapt("placement")
REGISTRY["platform_review"] = _adapt("platform_review")


def coming_soon(intent: str) -> str:
    """What to say for a tool intent that has no registered tool yet."""
    base = COMING.get(intent, "That capability is coming soon.")
    return base + " Meanwhile I can answer metric questions, e.g. 'cost by team last week' or 'H100 utilization by cluster'."
