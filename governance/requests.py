"""The compute request: what a team asks for, validated so every error names the field and the fix.

`RequestDraft` is what a face collects (CLI flags, a Slack modal); `validate_draft` turns it into a
`Request` ready to store, or raises `UserError` saying which field is wrong and what would be right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.errors import UserError
from telemetry.schema import WORKLOAD_TYPES

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "critical")
MAX_DAYS = 365


@dataclass(frozen=True)
class RequestDraft:
    """Raw input from a face; strings as typed, nothing checked yet."""

    requester: str
    team: str
    accelerator: str
    count: int
    start: str | date
    days: int | None = None
    end: str | date | None = None
    workload: str = "training"
    justification: str = ""
    priority: str = "normal"
    preemptible: bool = False
    project: str | None = None


@dataclass
class Request:
    """A stored request. `end` is exclusive; `granted` is set by an approval and may be < `count`."""

    id: str
    requester: str
    team: str
    project: str
    accelerator: str
    count: int
    start: date
    end: date
    workload: str
    priority: str
    justification: str
    preemptible: bool
    status: str = "submitted"
    granted: int | None = None
    approver: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    provisioned_at: datetime | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def accelerator_hours(self) -> float:
        return float((self.granted or self.count) * self.days * 24)

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's keys first (id, status, requester, team, accelerator, count, start, end, workload)."""
        out = asdict(self)
        for key in ("start", "end"):
            out[key] = out[key].isoformat()
        for key in ("submitted_at", "decided_at", "provisioned_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def _parse_date(value: str | date, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01") from None


def validate_draft(
    draft: RequestDraft,
    *,
    accelerators: list[str],
    teams: list[str],
    projects: dict[str, str] | None = None,
) -> Request:
    """Check every field against the catalog; the first problem found is raised, naming the fix."""
    if not draft.requester or not draft.requester.strip():
        raise UserError("--as: who is asking is missing; pass --as USER (your user name)")
    if draft.team not in teams:
        raise UserError(f"--team {draft.team!r} is not a known team; use one of: {', '.join(sorted(teams))}")
    if draft.accelerator not in accelerators:
        raise UserError(
            f"--accelerator {draft.accelerator!r} is not in the accelerator catalog; use one of: {', '.join(accelerators)}"
        )
    if not isinstance(draft.count, int) or draft.count <= 0:
        raise UserError(f"--count {draft.count!r} must be a whole number of accelerators above 0, e.g. --count 8")
    if draft.workload not in WORKLOAD_TYPES:
        raise UserError(f"--workload {draft.workload!r} is unknown; use one of: {', '.join(WORKLOAD_TYPES)}")
    if draft.priority not in PRIORITIES:
        raise UserError(f"--priority {draft.priority!r} is unknown; use one of: {', '.join(PRIORITIES)}")
    if not draft.justification or not draft.justification.strip():
        raise UserError("--justification is empty; say in a sentence what the capacity is for and why now")
    start = _parse_date(draft.start, "--start")
    if draft.end is not None:
        end = _parse_date(draft.end, "--end")
        if end <= start:
            raise UserError(f"--end {end} is not after --start {start}; the end must come after the start")
    else:
        if draft.days is None or draft.days <= 0:
            raise UserError(f"--days {draft.days!r} must be at least 1, e.g. --days 14")
        end = start + timedelta(days=draft.days)
    if (end - start).days > MAX_DAYS:
        raise UserError(f"the window is {(end - start).days} days; ask for at most {MAX_DAYS} days and renew later")
    project = draft.project or _default_project(draft.team, projects or {})
    if projects and project not in projects:
        raise UserError(f"--project {project!r} is unknown; use one of: {', '.join(sorted(projects))}")
    if projects and projects.get(project) not in (None, draft.team):
        raise UserError(f"--project {project!r} belongs to team {projects[project]}, not {draft.team}; pick a project of {draft.team}")
    return Request(
        id="", requester=draft.requester.strip(), team=draft.team, project=project, accelerator=draft.accelerator,
        count=draft.count, start=start, end=end, workload=draft.workload, priority=draft.priority,
        justification=draft.justification.strip(), preemptible=bool(draft.preemptible),
    )


def _default_project(team: str, projects: dict[str, str]) -> str:
    """The team's first project, else '<team>-general' (a request need not name a project)."""
    owned = sorted(p for p, t in projects.items() if t == team)
    return owned[0] if owned else f"{team}-general"
