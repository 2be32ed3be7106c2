"""`pace rollups`: rebuild a warehouse's rollups (telemetry/rollups.py) through the writer's swap."""

from __future__ import annotations

from core.settings import load_settings
from faces.cli.app import app, print_counts, print_json
from faces.cli.options import DbOption, JsonOption


@app.command()
def rollups(db: DbOption = None, json: JsonOption = False) -> None:
    """Rebuild the rollups: daily and hourly sums of the hourly facts that long-range charts and questions read.

    Seed and ingest keep them current on their own; run this once on a warehouse built by an older pace
    (until then it answers from the base tables, only slower). Readers keep answering while it runs: the
    new version is built beside the file and swapped in.

    Example:
      pace rollups --db ./fleet.duckdb
    """
    from telemetry.rollups import refresh
    from telemetry.warehouse import require_warehouse, writer

    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)
    with writer(settings.db, purpose="rollups") as con:
        counts = refresh(con)
    if json:
        print_json({"db": str(settings.db), "rollups": counts})
        return
    print_counts(f"rollups in {settings.db}", "rollup", counts)
