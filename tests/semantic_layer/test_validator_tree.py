"""Validating the compiler's tree instead of re-parsing its text changes nothing a user sees.

The engine hands `validate_sql` the expression the compiled SQL was rendered from (issue 25: parsing
was half of each check). For every catalog metric, every verified query and every dashboard tile on
two views, both ways must give the same SQL text, tables and verdict, and the compiler's tree must
come back untouched.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlglot

from dashboards.query import build_query
from dashboards.runner import validated_dashboards
from dashboards.state import from_params
from semantic_layer.catalog import Catalog
from semantic_layer.compiler import compile_query
from semantic_layer.engine import Engine
from semantic_layer.errors import SQLRefused
from semantic_layer.query import GroupBy, MetricQuery
from semantic_layer.validator import validate_sql


def _queries(catalog: Catalog) -> list[MetricQuery]:
    out = []
    for name in catalog.metrics:
        dims = [d for d in catalog.dimensions_for(name) if d != "time"][:1]
        out.append(MetricQuery(metrics=[name], group_by=[GroupBy(dimension=d) for d in dims] +
                               [GroupBy(dimension="time", grain="day")],
                               time_range={"start": "2026-11-01", "end": "2026-11-15"}, compare_to_previous=True))
    out += [v.query for v in catalog.verified_queries]
    for dashboard in validated_dashboards(catalog).values():
        for params in ({"range": "7d"}, {"from": "2026-09-03", "to": "2026-11-20", "accelerator_type": "H100"}):
            state = from_params(params, data_start=datetime(2026, 8, 1), data_end=datetime(2026, 11, 23))
            out += [build_query(tile, state, catalog).query for tile in dashboard.tiles() if not tile.tool]
    return out


@pytest.fixture(scope="module")
def queries(valued_catalog: Catalog) -> list[MetricQuery]:
    return _queries(valued_catalog)


def test_tree_and_text_validate_the_same(valued_catalog: Catalog, engine: Engine, queries: list[MetricQuery]) -> None:
    schema = engine.schema()
    assert len(queries) > 200
    compiled_any = 0
    for query in queries:
        try:
            compiled = compile_query(valued_catalog, query)
        except Exception:  # noqa: BLE001 - a query the compiler declines is not this test's subject
            continue
        compiled_any += 1
        before = compiled.expression.sql(dialect="duckdb")
        from_text = validate_sql(compiled.sql, schema, row_limit=500)
        from_tree = validate_sql(compiled.sql, schema, row_limit=500, tree=compiled.expression)
        assert (from_tree.sql, from_tree.tables) == (from_text.sql, from_text.tables), query
        assert from_tree.expression.sql(dialect="duckdb") == from_text.expression.sql(dialect="duckdb")
        assert compiled.expression.sql(dialect="duckdb") == before == compiled.sql
    assert compiled_any > 100


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT gpu_util FROM utilization_hourly",
    "SELECT getenv('HOME') FROM jobs",
])
def test_tree_refusals_match_text_refusals(engine: Engine, sql: str) -> None:
    schema = engine.schema()
    with pytest.raises(SQLRefused) as from_text:
        validate_sql(sql, schema)
    with pytest.raises(SQLRefused) as from_tree:
        validate_sql(sql, schema, tree=sqlglot.parse_one(sql, read="duckdb"))
    assert str(from_tree.value) == str(from_text.value)


def test_compiling_in_place_shares_nothing(valued_catalog: Catalog, queries: list[MetricQuery]) -> None:
    """The compiler builds its trees in place (issue 25); no node may be shared with the catalog or with
    another query: compiling every query twice, in opposite orders, gives the same SQL, and changing one
    compiled tree changes no other."""

    def compile_all(order: list[int]) -> dict[int, str]:
        out = {}
        for i in order:
            try:
                out[i] = compile_query(valued_catalog, queries[i]).sql
            except Exception as exc:  # noqa: BLE001 - a declined query must decline the same way
                out[i] = f"{type(exc).__name__}: {exc}"
        return out

    forward = compile_all(list(range(len(queries))))
    first = compile_query(valued_catalog, queries[0])
    for node in first.expression.find_all(sqlglot.exp.Column):
        node.set("this", sqlglot.exp.to_identifier("clobbered"))
    assert compile_all(list(reversed(range(len(queries))))) == forward
