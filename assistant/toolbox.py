"""Tool registry: intent -> callable. Tools live in `tools/` (built separately); wire each in one line.

A tool takes (question, settings, as_of) and returns a dict with at least `text`, optionally
`columns`, `rows`, `sql`, `chart`, `warnings`. Until a tool is registered, its intent answers that
the capability is coming, with the command to use meanwhile, instead of faking a result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from telemetry.settings import Settings

ToolFn = Callable[[str, Settings, date], dict[str, Any]]

REGISTRY: dict[str, ToolFn] = {}
# When tools/ lands, add one line per tool, e.g.:
# REGISTRY["scan"] = tools.scan.answer_question

COMING: dict[str, str] = {
    "scan": "Anomaly scans (spikes, idle capacity, failing jobs) are coming soon to the assistant; `pace scan` will run them.",
    "savings": "Savings recommendations (idle and under-used capacity, commitments) are coming soon; `pace savings` will list them.",
    "forecast": "Spend and capacity forecasts are coming soon; `pace forecast` will produce them.",
    "triage": "Incident triage drafts are coming soon; `pace triage` will write them.",
    "weekly": "The weekly executive narrative is coming soon; `pace weekly` will write it.",
}


def coming_soon(intent: str) -> str:
    """What to say for a tool intent that has no registered tool yet."""
    base = COMING.get(intent, "That capability is coming soon.")
    return base + " Meanwhile I can answer metric questions, e.g. 'cost by team last week' or 'H100 utilization by cluster'."
