"""The tools' one door to the warehouse: validated, sandboxed SQL through the semantic layer's engine.

Every tool query is a single read-only SELECT over `telemetry.schema.QUERYABLE_TABLES`, so it passes
the same validator as any question. The SQL a tool runs is the SQL it reports as evidence: literals
are inlined (no bind parameters) so a person can paste it into `pace sql` and get the same rows.
"""

from __future__ import annotations

from datetime import date, datetime
import re
from functools import lru_cache
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

from core.settings import Settings
from semantic_layer.engine import Engine
from semantic_layer.query import MetricQuery


class Warehouse:
    """One tool run's engine: opened on first use, closed on exit so no read-only handle outlives the run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None

    def run(self, sql: str, row_limit: int | None = None) -> pd.DataFrame:
        """Validate and run one query; rows as a DataFrame with the SELECT's column names."""
        if self._engine is None:
            self._engine = Engine(self.settings)
        result = self._engine.run_sql(sql, row_limit=row_limit)
        return pd.DataFrame([list(r) for r in result.rows], columns=list(result.columns))

    def query(self, query: MetricQuery) -> tuple[pd.DataFrame, str]:
        """A catalog metric, compiled by the semantic layer (the same SQL `pace query` runs), and that SQL.

        Tools ask for a figure the catalog defines this way instead of re-typing its definition. Filter
        values are taken as given (tools pass values read from the warehouse, so none needs matching)."""
        from semantic_layer.catalog import load_catalog

        if self._engine is None:
            self._engine = Engine(self.settings)
        result = self._engine.run_query(load_catalog(), query)
        return pd.DataFrame([list(r) for r in result.rows], columns=list(result.columns)), result.sql

    def frame(self, sql: str, row_limit: int) -> pd.DataFrame:
        """Validate and run one query that returns many rows (a scan's stream-hours), fetched columnar
        (no Python tuple per row), under the same timeout as `run`."""
        return self._fetch(sql, row_limit, lambda rel: rel.df())

    def stream(self, sql: str, row_limit: int, consume: Any, rows_per_batch: int = 1_000_000) -> Any:
        """Validate and run one query whose rows are read in batches (a scan's 20M-row intermediate):
        `consume` gets an iterator of {column: numpy array} of up to
        `rows_per_batch` rows each (NULL floats as NaN) and its return value is returned; the result is
        never held whole, so a scan's intermediate costs one batch of memory beyond what it builds."""
        def batches(rel: Any) -> Any:
            for batch in rel.to_arrow_reader(rows_per_batch):
                yield {name: batch.column(i).to_numpy(zero_copy_only=False) for i, name in enumerate(batch.schema.names)}

        return self._fetch(sql, row_limit, lambda rel: consume(batches(rel)), lazy=True)

    def _fetch(self, sql: str, row_limit: int, fetch: Any, lazy: bool = False) -> Any:
        import threading

        import duckdb

        from core.errors import UserError
        from semantic_layer.validator import validate_sql

        if self._engine is None:
            self._engine = Engine(self.settings)
        validated = validate_sql(sql, self._engine.schema(), row_limit=row_limit)
        with self._engine.cursor() as cur:
            timer = threading.Timer(self.settings.query_timeout_s, cur.interrupt)
            timer.start()
            try:
                return fetch(cur.sql(validated.sql) if lazy else cur.execute(validated.sql))
            except duckdb.InterruptException:
                raise UserError(f"the query ran longer than {self.settings.query_timeout_s:g}s and was stopped") from None
            finally:
                timer.cancel()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run(settings: Settings, sql: str) -> pd.DataFrame:
    """Run one query on its own short-lived engine (tools that run several use `Warehouse`)."""
    with Warehouse(settings) as wh:
        return wh.run(sql)


def literal(value: str | float | int | bool | None) -> str:
    """A value as DuckDB SQL, rendered by sqlglot (strings escaped by the dialect, None as NULL).

    >>> literal("it's")
    "'it''s'"
    """
    if value is None or isinstance(value, (bool, int, float)):
        return exp.convert(value).sql(dialect="duckdb")
    return exp.Literal.string(str(value)).sql(dialect="duckdb")


Value = str | float | int | bool | datetime | date | exp.Expression | None


def value_expression(value: Value) -> exp.Expression:
    """A Python value as a sqlglot expression: a datetime (or date) as a TIMESTAMP, others as literals."""
    if isinstance(value, exp.Expression):
        return value
    if isinstance(value, (datetime, date)):
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        return exp.cast(exp.Literal.string(f"{value:%Y-%m-%d %H:%M:%S}"), exp.DataType.Type.TIMESTAMP)
    if value is None or isinstance(value, (bool, int, float)):
        return exp.convert(value)
    return exp.Literal.string(str(value))


_PLACEHOLDER = re.compile(r"\$([A-Za-z_]\w*)\b")  # how sqlglot renders a `:name` placeholder for DuckDB


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple[str, ...]:
    """The template parsed by sqlglot and rendered once, split at its placeholders: text, name, text, ...

    Parsing fixes the statement's structure; a value can only fill a placeholder's slot. Rendering once
    keeps a bind cheap (a ledger query is bound per opportunity). A template whose rendered text holds
    a '$name' that is not a placeholder (inside a string literal) is refused rather than guessed at.
    """
    tree = sqlglot.parse_one(template, read="duckdb")
    names = sorted(p.name for p in tree.find_all(exp.Placeholder))
    pieces = tuple(_PLACEHOLDER.split(tree.sql(dialect="duckdb")))
    if sorted(pieces[1::2]) != names:
        raise ValueError("a '$name' in this template's text is not a placeholder; write it differently")
    return pieces


def _render(value: Value) -> str:
    node = value_expression(value)
    text = node.sql(dialect="duckdb")
    return text if isinstance(node, (exp.Literal, exp.Cast, exp.Boolean, exp.Null, exp.Column)) else f"({text})"


def bind(template: str, **values: Value) -> str:
    """A constant SQL template with `:name` placeholders, each filled with its value rendered by sqlglot
    as one expression (never text pasted into SQL); a condition may be passed as an expression.

    >>> bind("SELECT * FROM teams WHERE team = :team", team="o'hara")
    "SELECT * FROM teams WHERE team = 'o''hara'"
    """
    pieces = _pieces(template)
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        name = pieces[i]
        if name not in values:
            raise ValueError(f"no value for :{name}")
        out.append(_render(values[name]))
        out.append(pieces[i + 1])
    return "".join(out)


def ts(value: datetime | date) -> str:
    """A TIMESTAMP literal for a date or datetime."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
