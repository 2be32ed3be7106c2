"""`pace seed` and `pace demo`: build the embedded warehouse, then show what pace can do."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import load_settings


@app.command()
def seed(
    scale: Annotated[str, typer.Option(help="demo (90 days, seconds), small (1 year), large (3 years, >100M rows).")] = "demo",
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, scale and end -> identical tables.")] = 7,
    end: Annotated[str | None, typer.Option(help="Exclusive end date of the data, YYYY-MM-DD (default: today, UTC).")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """(Re)generate the warehouse with realistic telemetry.

    Example: pace seed --scale demo --seed 7 --end 2026-11-23
    """
    from telemetry.generator import generate

    settings = load_settings(PACE_DB=db)
    try:
        end_date = date.fromisoformat(end) if end else None
    except ValueError:
        raise UserError(f"--end {end!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23") from None
    counts = generate(settings.db, scale=scale, seed=seed, end=end_date, progress=not json)
    if json:
        print_json({"db": str(settings.db), "scale": scale, "seed": seed, "rows": counts})
        return
    table = Table(title=f"{scale} warehouse at {settings.db}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@app.command()
def demo(db: DbOption = None) -> None:
    """Build the embedded warehouse if it is missing, then take a short guided tour of real answers."""
    from telemetry.warehouse import ensure_warehouse

    settings = load_settings(PACE_DB=db)
    ensure_warehouse(settings)
    try:
        from assistant.tour import run_tour
    except ImportError:
        console.print(f"Warehouse ready at {settings.db}.")
        return
    run_tour(settings)
