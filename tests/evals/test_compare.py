"""The result comparator: what counts as the same answer, and the named reasons when it is not."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from evals.compare import compare, has_top_level_order_by


def test_rows_are_multisets_and_column_order_is_ignored() -> None:
    gold = [("atlas", 87.5), ("helix", 80.0)]
    assert compare(gold, [(80.0, "helix"), (87.5, "atlas")], ordered=False).ok


def test_extra_predicted_columns_are_allowed_but_missing_ones_are_not() -> None:
    assert compare([("a", 1.0)], [("a", 1.0, 0.9)], ordered=False).ok
    assert compare([("a", 1.0, 2.0)], [("a", 1.0)], ordered=False).reason == "missing_columns"


def test_numbers_within_tolerance_and_types_normalized() -> None:
    assert compare([(Decimal("10.000001"),)], [(10.000001000001,)], ordered=False).ok
    assert not compare([(10.0,)], [(10.1,)], ordered=False).ok
    assert compare([(datetime(2026, 11, 2),)], [("2026-11-02",)], ordered=False).ok
    assert compare([(date(2026, 11, 2), None)], [(datetime(2026, 11, 2, 0, 0), None)], ordered=False).ok


@pytest.mark.parametrize(
    ("gold", "pred", "reason"),
    [
        ([(1.0,)], [], "empty_result"),
        ([(1.0,), (2.0,)], [(1.0,)], "missing_rows"),
        ([(1.0,)], [(1.0,), (2.0,)], "extra_rows"),
        ([("a", 1.0)], [("a", 3.0)], "wrong_values"),
    ],
)
def test_failures_are_named(gold, pred, reason) -> None:
    assert compare(gold, pred, ordered=False).reason == reason


def test_order_matters_only_when_asked() -> None:
    gold = [("a", 3.0), ("b", 2.0)]
    swapped = [("b", 2.0), ("a", 3.0)]
    assert compare(gold, swapped, ordered=False).ok
    assert compare(gold, swapped, ordered=True).reason == "wrong_order"


def test_columns_matched_as_rows_not_independently() -> None:
    # each column matches as a multiset, but the pairing is wrong
    assert compare([("a", 1.0), ("b", 2.0)], [("a", 2.0), ("b", 1.0)], ordered=False).reason == "wrong_values"


def test_top_level_order_by_is_read_from_the_parse_tree() -> None:
    assert has_top_level_order_by("SELECT team FROM t ORDER BY x DESC LIMIT 3")
    assert not has_top_level_order_by("SELECT * FROM (SELECT team FROM t ORDER BY x) s")
    assert not has_top_level_order_by("SELECT 'ORDER BY' AS s")
