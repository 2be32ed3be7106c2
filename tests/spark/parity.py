"""Result-set equality for the parity tests: plain Python rows, numbers within 1e-9 relative."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

REL = 1e-9
ABS = 1e-9


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat(sep=" ")
    return value


def _key(row: tuple) -> tuple:
    return tuple((0, "") if v is None else (1, f"{v:.6e}") if isinstance(v, float) else (2, str(v)) for v in row)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL, abs_tol=ABS) or (math.isinf(a) and a == b)
    return a == b


def diff(duck: Sequence[Sequence[Any]], spark: Sequence[Sequence[Any]], *, ordered: bool) -> str | None:
    """None when the results agree, else what differs (first mismatching row)."""
    d = [tuple(_norm(v) for v in r) for r in duck]
    s = [tuple(_norm(v) for v in r) for r in spark]
    if len(d) != len(s):
        return f"{len(d)} rows on DuckDB, {len(s)} on Spark"
    if not ordered:
        d, s = sorted(d, key=_key), sorted(s, key=_key)
    for i, (a, b) in enumerate(zip(d, s)):
        if len(a) != len(b) or not all(_same(x, y) for x, y in zip(a, b)):
            return f"row {i}: DuckDB {a} != Spark {b}"
    return None
