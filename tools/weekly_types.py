"""Types the weekly narrative's modules share (queries, facts, prose, render), kept apart so that none of
them imports another to name a type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tools.grounding import Draft, Fact, FactTable, Rendered, check_grounding


@dataclass(frozen=True)
class Week:
    """An ISO week: its label, Monday start (inclusive) and next-Monday end (exclusive)."""

    label: str
    start: date
    end: date

    @property
    def prev_start(self) -> date:
        return self.start - timedelta(days=7)

    def params(self) -> dict[str, str]:
        return {"week": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "previous_start": self.prev_start.isoformat()}


@dataclass
class WeeklyReportData(FactTable):
    """The narrative for one week: its draft (templates + facts), prose source and chart data; the
    renderers (`tools.weekly.WeeklyReport`) add the formats on top."""

    week: Week
    as_of: date
    draft: Draft
    charts: list[dict[str, Any]]
    prose_source: str = "template"
    """'template', or 'llm' when a model's rewrite passed the grounding check."""
    llm_note: str = ""
    """Why a model's rewrite was rejected (or why none was tried)."""
    unavailable: list[str] = field(default_factory=list)

    def note(self) -> str:
        """The reader-facing, number-free line about the model (details stay in `llm_note` and the JSON)."""
        if not self.llm_note:
            return ""
        if "rejected" in self.llm_note:
            return "A model rewrite of this prose was rejected by the grounding check; the template prose is shown."
        return "The model was unavailable; the template prose is shown."

    def rendered(self) -> Rendered:
        return self.draft.render()

    @property
    def facts(self) -> list[Fact]:
        """The facts in footnote order: `check_grounding(report.to_markdown(), report.facts)`."""
        return self.rendered().facts

    def problems(self) -> list[str]:
        r = self.rendered()
        return [str(p) for p in check_grounding(r.body, r.facts)]

    # The agent's tool-result shape (tools/registry.py).
    def summary_text(self) -> str:
        return self.rendered().body
