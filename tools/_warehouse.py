"""The tools' one door to the warehouse: validated, sandboxed SQL through the semantic layer's engine.

Every tool query is a single read-only SELECT over `telemetry.schema.QUERYABLE_TABLES`, so it passes
the same validator as any question. The SQL a tool runs is the SQL it reports as evidence: literals
are inlined (no bind parameters) so a person can paste it into `pace sql` and get the same rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from telemetry.settings import Settings

_ENGINES: dict[tuple[str, float, int], Any] = {}


def _engine(settings: Settings) -> Any | None:
    """The semantic layer's Engine for these settings, reused across calls (None if not importable)."""
    try:
        from semantic_layer.engine import Engine
    except ImportError:
        return None
    key = (str(settings.db), settings.query_timeout_s, settings.row_limit)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(settings)
    return _ENGINES[key]


def run(settings: Settings, sql: str) -> pd.DataFrame:
    """Run one tool query and return its rows as a DataFrame (columns in SELECT order)."""
    engine = _engine(settings)
    if engine is not None:
        result = engine.run_sql(sql)
        return pd.DataFrame([list(r) for r in result.rows], columns=list(result.columns))
    import duckdb  # fallback until the engine lands: still read-only, external access off

    from telemetry.errors import UserError

    if not settings.db.exists():
        raise UserError(f"no warehouse at {settings.db}; build one with `pace seed`")
    with duckdb.connect(str(settings.db), read_only=True, config={"enable_external_access": False}) as con:
        return con.execute(sql).df()


def lit(value: str | None) -> str:
    """A SQL string literal (quotes doubled), or NULL."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def ts(value: datetime | date) -> str:
    """A TIMESTAMP literal for a date or datetime."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
