"""`pace export`: the warehouse as partitioned Parquet, for Spark (and Trino, Athena, ...). An admin command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import load_settings


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (created; a previous pace export there is replaced).")],
    format: Annotated[str, typer.Option("--format", help="Only parquet.")] = "parquet",
    partition_by: Annotated[str, typer.Option("--partition-by", help="day | month | none: Hive partitions of the fact tables.")] = "day",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write every queryable table as Parquet (facts Hive-partitioned by day), plus a manifest.

    Point PACE_WAREHOUSE_PATH at the folder and use --engine spark. See docs/scale-out.md.

    Example: pace export --format parquet --out ./warehouse.parquet --partition-by day
    """
    from telemetry.export import export_parquet
    from telemetry.warehouse import require_warehouse

    if format != "parquet":
        raise UserError(f"--format {format!r} is not supported; use --format parquet")
    if partition_by not in ("day", "month", "none"):
        raise UserError(f"--partition-by {partition_by!r} is not one of day, month, none")
    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    result = export_parquet(settings.db, out, partition_by=partition_by)  # type: ignore[arg-type]
    if json:
        print_json(result.to_json())
        return
    table = Table(title=f"Parquet export at {result.out} ({result.seconds:.1f}s)")
    for col in ("table", "rows", "partitioned by"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for t in result.tables:
        table.add_row(t.table, f"{t.rows:,}", t.partition_by or "")
    console.print(table)
    console.print(f"Use it with: PACE_WAREHOUSE_PATH={result.out} pace ask --engine spark \"...\"")
