"""The warehouse's tables and columns as the semantic layer sees them, read from the DDL contract."""

from __future__ import annotations

from functools import lru_cache

import duckdb

from telemetry.schema import QUERYABLE_TABLES, create_schema, table_columns

Schema = dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def _ddl_schema() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    with duckdb.connect(":memory:") as con:
        create_schema(con)
        cols = table_columns(con)
    return tuple((t, tuple(c.items())) for t, c in cols.items() if t in QUERYABLE_TABLES)


def ddl_schema() -> Schema:
    """{table: {column: type}} for the queryable tables, from telemetry.schema (no warehouse needed)."""
    return {t: dict(cols) for t, cols in _ddl_schema()}
