"""`pace ingest`: load real data (FOCUS, DCGM, sacct, pace-shaped CSV/Parquet) through data-quality gates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import load_settings

FORMAT_HELP = "focus (FinOps FOCUS CSV/Parquet), dcgm (Prometheus scrape), sacct (--parsable2), csv or parquet (with --table)."


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="The file to load (none with --prometheus).", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    table: Annotated[str | None, typer.Option("--table", help="Target table for --format csv|parquet, e.g. jobs.")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML/CSV mapping of namespaces/accounts to teams, partitions to types.")
    ] = None,
    prometheus: Annotated[
        str | None, typer.Option("--prometheus", help="Pull DCGM series from this Prometheus server (URL) instead of a file.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="--prometheus: first hour, UTC (default: where the last pull ended).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="--prometheus: end, exclusive, cut to the hour (default: now).")] = None,
    step: Annotated[str, typer.Option("--step", help="--prometheus: query step, the exporter's scrape interval (30s, 1m).")] = "30s",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Load a file into the warehouse; bad rows go to ingest_quarantine, re-ingesting adds nothing.

    Examples:
      pace ingest billing.csv --format focus
      pace ingest scrape.prom --format dcgm --mapping teams.yaml
      pace ingest sacct.txt --format sacct --json
      pace ingest jobs.parquet --format parquet --table jobs
      pace ingest --prometheus http://prometheus:9090 --from 2025-11-20 --mapping teams.yaml
    """
    from telemetry.ingest import ingest as run_ingest

    settings = load_settings(PACE_DB=db)
    # The transient bar only on a terminal: piped stderr stays exactly one `error:` line on failure.
    progress = not json and sys.stderr.isatty()
    if prometheus is not None:
        summary = _pull(prometheus, path, fmt, start, end, step, settings.db, mapping)
        path = Path(summary.file)
    elif path is None or fmt is None:
        raise UserError("give a file and --format (e.g. pace ingest scrape.prom --format dcgm), or --prometheus URL")
    else:
        summary = run_ingest(path, fmt, settings.db, table=table, mapping_file=mapping, progress=progress)
    if json:
        print_json(summary.to_json())
        return
    out = Table(title=f"{path.name} ({summary.format}) -> {summary.table}", show_header=False)
    out.add_column("what")
    out.add_column("n", justify="right")
    for label in ("read", "loaded", "quarantined", "duplicates"):
        out.add_row(label, f"{getattr(summary, label):,}")
    if summary.updated:
        out.add_row("  of loaded: updated (jobs that moved on)", f"{summary.updated:,}")
    for reason, n in summary.quarantine_reasons.items():
        out.add_row(f"  quarantined: {reason}", f"{n:,}")
    for what, n in summary.skipped.items():
        out.add_row(f"skipped (not counted in read): {what}", f"{n:,}")
    console.print(out)
    for dim, values in summary.new_dimension_values.items():
        console.print(f"new {dim}: {', '.join(values)}", markup=False, highlight=False)
    if summary.quarantined:
        console.print("see the rows: SELECT * FROM ingest_quarantine ORDER BY ingested_at DESC", markup=False)


def _pull(url: str, path: Path | None, fmt: str | None, start: str | None, end: str | None, step: str, db: Path,
          mapping: Path | None):
    """`--prometheus`: the DCGM pull, after checking the options that go with it."""
    from datetime import datetime, timedelta, timezone

    from telemetry.ingest.prometheus import pull

    if path is not None or fmt not in (None, "dcgm"):
        raise UserError("--prometheus pulls DCGM series itself: give no file and no --format other than dcgm")

    def when(text: str | None, flag: str) -> datetime | None:
        if text is None:
            return None
        try:
            t = datetime.fromisoformat(text)
        except ValueError:
            raise UserError(f"{flag} {text!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)") from None
        return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t

    units = {"s": 1, "m": 60, "h": 3600}
    if len(step) < 2 or step[-1] not in units or not step[:-1].replace(".", "", 1).isdigit():
        raise UserError(f"--step {step!r} is not a duration like 30s, 1m or 1h")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return pull(url, db, start=when(start, "--from"), end=when(end, "--to") or now,
                step=timedelta(seconds=float(step[:-1]) * units[step[-1]]), mapping_file=mapping)
