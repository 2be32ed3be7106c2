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
FormatOption = Annotated[
    str,
    typer.Option("--format", help="How rows print: table (a terminal; plain text when piped), plain, csv, tsv or json (columns and rows)."),
]


def output_format(value: str) -> str:
    """`--format` checked: one of table, plain, csv, tsv, json (table means: a table on a terminal, plain text otherwise)."""
    from core.errors import UserError

    value = value.strip().lower()
    if value not in ("table", "plain", "csv", "tsv", "json"):
        raise UserError(f"--format must be table, plain, csv, tsv or json (got {value!r})")
    return "auto" if value == "table" else value
