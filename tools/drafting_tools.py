"""The drafting tools in the agent's registry shape: `(settings, question, time_range) -> result` where
the result has `.summary_text()`, `.columns`, `.rows` and `.evidence_sql` (see tools/registry.py)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from core.settings import Settings
from tools.triage import TriageDraft, triage
from tools.weekly import WeeklyReport, weekly_narrative

_WEEK = re.compile(r"\b(\d{4})-?W(\d{2})\b", re.I)
_INCIDENT = re.compile(r"\bINC-\d+\b", re.I)
_FINDING = re.compile(r"\bF\d{3,}\b")
_PREFIX = re.compile(r"^\s*(please\s+)?(triage|draft a triage( for)?)\s*[:\-]?\s*", re.I)


def _week_of(time_range: Any) -> str | None:
    """The ISO week a time range starts in, when it spans at least a week (else the default week)."""
    if time_range is None:
        return None
    start, end = (time_range if isinstance(time_range, (tuple, list)) else (time_range.start, time_range.end))
    start = start.date() if isinstance(start, datetime) else start
    end = end.date() if isinstance(end, datetime) else end
    if not isinstance(start, date) or not isinstance(end, date) or end - start < timedelta(days=7):
        return None
    monday = start + timedelta(days=(7 - start.weekday()) % 7)  # first full week in the range
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def weekly_tool(settings: Settings, question: str, time_range: Any = None) -> WeeklyReport:
    """'Draft the weekly summary' [for 2026-W46]: the grounded executive narrative."""
    m = _WEEK.search(question)
    week = f"{m.group(1)}-W{m.group(2)}" if m else _week_of(time_range)
    return weekly_narrative(settings, week)


def triage_tool(settings: Settings, question: str, time_range: Any = None) -> TriageDraft:
    """'Triage: training jobs on cluster X keep failing' / 'triage INC-00012' / 'triage finding F003'."""
    if m := _INCIDENT.search(question):
        return triage(settings, incident_id=m.group(0).upper())
    if m := _FINDING.search(question):
        return triage(settings, finding=m.group(0))
    return triage(settings, text=_PREFIX.sub("", question) or question)
