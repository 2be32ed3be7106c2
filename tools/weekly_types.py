"""Types the weekly narrative's modules share (queries, facts, prose, render), kept apart so that none of
them imports another to name a type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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
