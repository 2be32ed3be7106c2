"""Types the triage modules share (gathering, rendering), kept apart so neither imports the other for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tools.grounding import Draft
from tools.triage_rules import Decision
from tools.triage_sql import Scope
from tools.triage_stated import Stated


@dataclass
class Subject:
    """What is being triaged: a title, where, when, and any row it came from."""

    kind: str
    title: str
    scope: Scope
    start: datetime
    end: datetime
    category: str | None = None
    incident: dict[str, Any] | None = None
    finding: Any = None
    matched: dict[str, list[str]] = field(default_factory=dict)
    scanned: list[Any] | None = None
    """The full scan's findings when one already ran (a --finding triage), reused for 'what changed'."""
    stated: Stated | None = None
    """Impact the free-text report states (customer-facing, SLO, Xid codes...); never measured."""


@dataclass
class TriageDraftData:
    """The triage draft: severity and route with reasons, templated sections with facts, and a timeline;
    `tools.triage.TriageDraft` adds its renderings."""

    subject: Subject
    severity: Decision
    route: Decision
    draft: Draft
    timeline: list[tuple[datetime, str]]
    as_of: str

    @property
    def title(self) -> str:
        return self.subject.title
