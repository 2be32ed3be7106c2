"""Result-set comparison in the manner of Spider's test-suite comparator.

Rows are compared as multisets (order only when the gold SQL has a top-level ORDER BY and the case
asks for order); column names and order are ignored (gold columns are matched to any distinct
predicted columns, so an answer may carry extra columns such as a previous-period value); numbers
are equal within 1e-6 relative; NULL equals NULL; timestamps at midnight equal their date.

>>> compare([("a", 1.0)], [(1.0000000001, "a")], ordered=False).ok
True
>>> compare([("a", 1.0)], [("a", 2.0)], ordered=False).reason
'wrong_values'
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

import sqlglot
from sqlglot import exp

REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_PERMUTATIONS = 5_000


@dataclass(frozen=True)
class Verdict:
    """Whether a result matched, and if not, the named reason (Genie-style)."""

    ok: bool
    reason: str | None = None  # empty_result | missing_rows | extra_rows | wrong_values | wrong_order | missing_columns
    detail: str = ""


def normalize(value: Any) -> Any:
    """One canonical form per value: floats for numbers, ISO strings for dates, None for NULL/NaN."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return normalize(value.item())
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            return normalize(datetime.fromisoformat(text))
        except ValueError:
            return text
    return text


def values_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, float) != isinstance(b, float):
        return False
    return a == b


def _sort_key(row: Sequence[Any]) -> tuple:
    return tuple((0, "") if v is None else (1, f"{v:.6g}") if isinstance(v, float) else (2, str(v)) for v in row)


def _rows_equal(gold: list[tuple], pred: list[tuple], ordered: bool) -> bool:
    if len(gold) != len(pred):
        return False
    if not ordered:
        gold, pred = sorted(gold, key=_sort_key), sorted(pred, key=_sort_key)
    return all(all(values_equal(g, p) for g, p in zip(gr, pr)) for gr, pr in zip(gold, pred))


def _column_profile(rows: list[tuple], i: int) -> list:
    return sorted((r[i] for r in rows), key=lambda v: _sort_key((v,)))


def _candidate_columns(gold: list[tuple], pred: list[tuple], n_gold: int, n_pred: int) -> list[list[int]]:
    """For each gold column, the predicted columns holding the same multiset of values."""
    out = []
    for g in range(n_gold):
        gp = _column_profile(gold, g)
        out.append([p for p in range(n_pred) if all(values_equal(a, b) for a, b in zip(gp, _column_profile(pred, p)))])
    return out


def compare(gold: Sequence[Sequence[Any]], pred: Sequence[Sequence[Any]], *, ordered: bool) -> Verdict:
    """Compare a predicted result with the gold one."""
    g = [tuple(normalize(v) for v in row) for row in gold]
    p = [tuple(normalize(v) for v in row) for row in pred]
    if g and not p:
        return Verdict(False, "empty_result", f"expected {len(g)} rows, got none")
    if len(p) < len(g):
        return Verdict(False, "missing_rows", f"expected {len(g)} rows, got {len(p)}")
    if len(p) > len(g):
        return Verdict(False, "extra_rows", f"expected {len(g)} rows, got {len(p)}")
    if not g:
        return Verdict(True)
    n_gold, n_pred = len(g[0]), len(p[0])
    if n_pred < n_gold:
        return Verdict(False, "missing_columns", f"expected {n_gold} columns, got {n_pred}")
    candidates = _candidate_columns(g, p, n_gold, n_pred)
    if any(not c for c in candidates):
        missing = [i for i, c in enumerate(candidates) if not c]
        return Verdict(False, "wrong_values", f"no predicted column matches gold column(s) {missing}")
    tried = 0
    order_only = False
    for assignment in itertools.product(*candidates):
        if len(set(assignment)) < n_gold:
            continue
        tried += 1
        if tried > MAX_PERMUTATIONS:
            break
        projected = [tuple(row[i] for i in assignment) for row in p]
        if _rows_equal(g, projected, ordered):
            return Verdict(True)
        order_only = order_only or (ordered and _rows_equal(g, projected, False))
    if order_only:
        return Verdict(False, "wrong_order", "the right rows in the wrong order")
    return Verdict(False, "wrong_values", "columns match one by one but not as rows")


def has_top_level_order_by(sql: str, dialect: str = "duckdb") -> bool:
    """True when the outermost query sorts (checked on the parse tree, not by substring).

    >>> has_top_level_order_by("SELECT a FROM (SELECT a FROM t ORDER BY a) x")
    False
    >>> has_top_level_order_by("SELECT a FROM t ORDER BY a DESC LIMIT 3")
    True
    """
    tree = sqlglot.parse_one(sql, read=dialect)
    return tree.args.get("order") is not None if isinstance(tree, exp.Query) else False
