"""The weekly narrative's fact book: runs its queries and records each quoted cell as a `Fact` (with the
SQL, the week's parameters and the as-of), for the prose, the checks and the sources appendix."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from tools._warehouse import Warehouse
from tools.grounding import Fact
from tools.weekly_types import Week


class FactBook:
    """Runs queries and records the cells the narrative quotes as facts (with SQL, params, as-of)."""

    def __init__(self, wh: Warehouse, week: Week, as_of: date) -> None:
        self.wh, self.week, self.as_of = wh, week, as_of.isoformat()
        self.facts: dict[str, Fact] = {}
        self.charts: list[dict[str, Any]] = []
        self.dq: list[dict[str, Any]] = []
        """Out-of-bounds figures of the week (weekly_checks.collect_bounds), never used for advice."""
        self.links: dict[str, list[str]] = {}
        """Per mover team: scan findings and incidents of the same week (weekly_checks.mover_links)."""

    def rows(self, sql: str) -> tuple[list[dict[str, Any]], str]:
        df = self.wh.run(sql)
        return [{k: _plain(v) for k, v in r.items()} for r in df.to_dict("records")], sql

    def add(self, name: str, result: tuple[list[dict[str, Any]], str], column: str, unit: str, fmt: str,
            label: str, row: int = 0, **params: Any) -> Fact:
        rows, sql = result
        value = rows[row][column] if row < len(rows) else None
        where = {"row": rows[row].get("key")} if row < len(rows) and "key" in rows[row] else {}
        fact = Fact(value, unit, fmt, sql, {**self.week.params(), **params, **where, "column": column}, self.as_of, label)
        self.facts[name] = fact
        return fact

    def external(self, name: str, value: float | None, unit: str, fmt: str, sql: str, label: str, **params: Any) -> Fact:
        fact = Fact(value, unit, fmt, sql, {**self.week.params(), **params}, self.as_of, label)
        self.facts[name] = fact
        return fact


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v
