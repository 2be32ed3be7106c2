"""`pace ingest`: load real data (FOCUS, DCGM, sacct, pace-shaped CSV/Parquet) through data-quality gates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.settings import load_settings

FORMAT_HELP = "focus (FinOps FOCUS CSV/Parquet), dcgm (Prometheus scrape), sacct (--parsable2), csv or parquet (with --table)."


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="The file to load.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)],
    table: Annotated[str | None, typer.Option("--table", help="Target table for --format csv|parquet, e.g. jobs.")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML/CSV mapping of namespaces/accounts to teams, partitions to types.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Load a file into the warehouse; bad rows go to ingest_quarantine, re-ingesting adds nothing.

    Examples:
      pace ingest billing.csv --format focus
      pace ingest scrape.prom --format dcgm --mapping teams.yaml
      pace ingest sacct.txt --format sacct --json
      pace ingest jobs.parquet --format parquet --table jobs
    """
    from telemetry.ingest import ingest as run_ingest

    settings = load_settings(PACE_DB=db)
    # The transient bar only on a terminal: piped stderr stays exactly one `error:` line on failure.
    progress = not json and sys.stderr.isatty()
    summary = run_ingest(path, fmt, settings.db, table=table, mapping_file=mapping, progress=progress)
    if json:
        print_json(summary.to_json())
        return
    out = Table(title=f"{path.name} ({summary.format}) -> {summary.table}", show_header=False)
    out.add_column("what")
    out.add_column("n", justify="right")
    for label in ("read", "loaded", "quarantined", "duplicates"):
        out.add_row(label, f"{getattr(summary, label):,}")
    for reason, n in summary.quarantine_reasons.items():
        out.add_row(f"  quarantined: {reason}", f"{n:,}")
    for what, n in summary.skipped.items():
        out.add_row(f"skipped (not counted in read): {what}", f"{n:,}")
    console.print(out)
    for dim, values in summary.new_dimension_values.items():
        console.print(f"new {dim}: {', '.join(values)}", markup=False, highlight=False)
    if summary.quarantined:
        console.print("see the rows: SELECT * FROM ingest_quarantine ORDER BY ingested_at DESC", markup=False)
