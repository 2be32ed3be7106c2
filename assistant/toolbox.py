"""The agent's tool list: every spec in `tools.specs`, in the graph's call signature.

A tool takes (question, settings, as_of, period) -- `period` is the (start, end) the question named,
or None for the tool's default -- and returns a dict with at least `text`, optionally `columns`,
`rows`, `sql`, `warnings`. `REGISTRY` reads the specs live, so a tool declared by its spec alone is
here too. Tools run their SQL through the semantic layer's engine (validated, read-only) like answers do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from core.settings import Settings
from tools.specs import SPECS, ToolSpec

Period = tuple[datetime, datetime] | None
ToolFn = Callable[[str, Settings, date, Period], dict[str, Any]]


def _adapt(spec: ToolSpec) -> ToolFn:
    """The spec's tool in the graph's signature (imported on first call: tools are heavy)."""

    def call(question: str, settings: Settings, as_of: date, period: Period) -> dict[str, Any]:
        result = spec.load()(settings, question, period)
        evidence = list(result.evidence_sql)
        return {"text": result.summary_text(), "columns": list(result.columns), "rows": [list(r) for r in result.rows],
                "sql": evidence[0] if evidence else None}

    call.__name__ = f"tool_{spec.name}"
    call.__doc__ = spec.purpose
    return call


class _Registry(Mapping[str, ToolFn]):
    """Intent -> the graph's tool function, one per spec."""

    def __getitem__(self, name: str) -> ToolFn:
        return _adapt(SPECS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(list(SPECS))

    def __len__(self) -> int:
        return len(SPECS)


REGISTRY: Mapping[str, ToolFn] = _Registry()


def coming_soon(intent: str) -> str:
    """What to say when a tool intent has no tool in this run (a context that left it out)."""
    return (f"The {intent.replace('_', ' ')} tool is not available here. Meanwhile I can answer metric questions, "
            "e.g. 'cost by team last week' or 'H100 utilization by cluster'.")
