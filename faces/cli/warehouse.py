"""`pace seed` and `pace demo`: build the embedded warehouse, then show what pace can do."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from faces.cli.app import app, console, print_counts, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import load_settings


@app.command()
def seed(
    scale: Annotated[str, typer.Option(help="demo (90 days, seconds), small (1 year), large (3 years, >100M rows).")] = "demo",
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, scale and end -> identical tables.")] = 7,
    end: Annotated[str | None, typer.Option(help="Exclusive end date of the data, YYYY-MM-DD (default: today, UTC).")] = None,
    empty: Annotated[bool, typer.Option("--empty", help="An empty warehouse (schema only) for `pace ingest` of your own data.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a file that is not a pace warehouse (it is kept aside, renamed).")] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """(Re)generate the warehouse with realistic telemetry, or create an empty one with --empty.

    Readers keep answering while it runs: the new version is built beside the file and swapped in.
    Only pace's own tables are replaced; a DuckDB file that is not a pace warehouse is refused unless --force.

    Examples:
      pace seed --scale demo --seed 7 --end 2026-11-23
      pace seed --empty --db ./fleet.duckdb
    """
    from telemetry.generator import generate
    from telemetry.warehouse import create_empty

    settings = load_settings(PACE_DB=db)
    try:
        end_date = date.fromisoformat(end) if end else None
    except ValueError:
        raise UserError(f"--end {end!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23") from None
    if empty:
        create_empty(settings.db, force=force)
        if json:
            print_json({"db": str(settings.db), "scale": "empty", "rows": {}})
        else:
            console.print(f"Empty warehouse ready at {settings.db}; load data with `pace ingest PATH --format FORMAT --db {settings.db}`.",
                          markup=False, highlight=False, soft_wrap=True)
        return
    counts = generate(settings.db, scale=scale, seed=seed, end=end_date, progress=not json, force=force)
    _sync_requests(settings)
    if json:
        print_json({"db": str(settings.db), "scale": scale, "seed": seed, "rows": counts})
        return
    print_counts(f"{scale} warehouse at {settings.db}", "table", counts)


@app.command()
def demo(db: DbOption = None) -> None:
    """Build the embedded warehouse if it is missing, then take a short guided tour of real answers."""
    from telemetry.generator import build_demo_if_missing

    settings = load_settings(PACE_DB=db)
    build_demo_if_missing(settings)
    _sync_requests(settings)
    try:
        from assistant.tour import run_tour
    except ImportError:
        console.print(f"Warehouse ready at {settings.db}.")
        return
    run_tour(settings)


def _sync_requests(settings: object) -> None:
    """Make the warehouse's open compute requests live in the governance store (governance/imports.py), so
    `pace request list`, queue positions and questions count the same requests from the start."""
    from governance.imports import sync_open_requests

    sync_open_requests(settings)  # type: ignore[arg-type]
