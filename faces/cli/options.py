"""Option bundles shared by every command, declared once (the sqlite-utils way)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse DuckDB file (default: $PACE_DB, else ~/.local/share/pace/warehouse.duckdb).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="duckdb (default) or spark (Parquet from `pace export` under $PACE_WAREHOUSE_PATH); default: $PACE_ENGINE.", show_default=False),
]
