"""`pace metrics`, `pace query` and `pace sql`: the semantic layer from the command line."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from faces.cli.app import app, console, err_console, print_json
from faces.cli.options import DbOption, EngineOption, FormatOption, JsonOption, output_format
from core.errors import UserError
from core.settings import load_settings


def _catalog() -> Any:
    from semantic_layer.catalog import load_catalog

    return load_catalog()


@app.command("metrics")
def metrics_command(db: DbOption = None, json: JsonOption = False) -> None:
    """List the catalog: metrics (unit, kind, dimensions they accept) and dimensions.

    Example: pace metrics --json
    """
    catalog = _catalog()
    metrics = [
        {
            "name": m.name, "label": m.label, "description": m.description, "kind": m.kind, "unit": m.unit,
            "format": m.format, "synonyms": m.synonyms, "higher_is_better": m.higher_is_better,
            "default_time_dimension": m.default_time_dimension, "dimensions": catalog.dimensions_for(m.name),
        }
        for m in catalog.metrics.values()
    ]
    dimensions = [
        {"name": d.name, "label": d.label, "description": d.description, "kind": d.kind, "synonyms": d.synonyms,
         **({"grains": d.grains} if d.kind == "time" else {})}
        for d in catalog.dimensions.values()
    ]
    if json:
        print_json({"metrics": metrics, "dimensions": dimensions, "verified_queries": len(catalog.verified_queries)})
        return
    table = Table(title=f"{len(metrics)} metrics")
    for col in ("metric", "unit", "kind", "description"):
        table.add_column(col)
    for m in metrics:
        table.add_row(m["name"], m["unit"], m["kind"], m["description"])
    console.print(table)
    dims = Table(title=f"{len(dimensions)} dimensions")
    dims.add_column("dimension")
    dims.add_column("description")
    for d in dimensions:
        dims.add_row(d["name"] + (":" + "|".join(d["grains"]) if d.get("grains") else ""), d["description"])
    console.print(dims)


def _parse_by(values: list[str]) -> list[dict[str, Any]]:
    out = []
    for raw in values:
        name, _, grain = raw.partition(":")
        out.append({"dimension": name.strip(), **({"grain": grain.strip()} if grain else {})})
    return out


def _parse_where(values: list[str]) -> list[dict[str, Any]]:
    out = []
    for raw in values:
        op = "!=" if "!=" in raw else "="
        name, sep, value = raw.partition(op)
        if not sep or not name.strip() or not value.strip():
            raise UserError(f"--where {raw!r} is not DIM=VALUE; write e.g. --where team=atlas or --where team=atlas,orion")
        items = [v.strip() for v in value.split(",") if v.strip()]
        operator = ("not in" if op == "!=" else "in") if len(items) > 1 else op
        out.append({"dimension": name.strip(), "operator": operator, "values": items})
    return out


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{flag} {value!r} is not a date; write it as YYYY-MM-DD") from None


@app.command("query")
def query_command(
    metric: Annotated[list[str], typer.Option("--metric", "-m", help="Metric name (repeat for several).")],
    by: Annotated[list[str] | None, typer.Option("--by", help="Group by DIM or time:GRAIN (hour|day|week|month|quarter).")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE, DIM!=VALUE or DIM=V1,V2.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Start date, inclusive (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="End date, exclusive (YYYY-MM-DD).")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Keep the N rows with the highest first metric.")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Add the previous period of equal length and the change.")] = False,
    dialect: Annotated[str, typer.Option("--dialect", help="duckdb runs it; trino|spark|bigquery|snowflake|postgres print the SQL.")] = "duckdb",
    db: DbOption = None,
    json: JsonOption = False,
    engine: EngineOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Run one structured metric query (no planner): the SQL comes from the compiler.

    Example: pace query --metric utilization_pct --by team --from 2026-11-01 --to 2026-11-23 --top 5
    """
    from pydantic import ValidationError

    from semantic_layer.compiler import compile_query
    from semantic_layer.query import MetricQuery

    layout = output_format(fmt)
    settings = load_settings(PACE_DB=db, PACE_ENGINE=engine)
    catalog = _catalog()
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    if (first is None) != (last is None):
        raise UserError("give both --from and --to (the period is half-open: --to is the first day not included)")
    try:
        query = MetricQuery(
            metrics=metric, group_by=_parse_by(by or []), filters=_parse_where(where or []),
            time_range={"start": first, "end": last} if first and last else None,
            order_by=[{"field": metric[0], "descending": True}] if top else [], limit=top, compare_to_previous=compare,
        )
    except ValidationError as exc:
        raise UserError("; ".join(e["msg"] for e in exc.errors())) from None
    if dialect != "duckdb":
        compiled = compile_query(catalog, query, dialect=dialect, pretty=True)
        if json:
            print_json({"dialect": dialect, "sql": compiled.sql, "columns": compiled.columns, "metric_query": query})
        else:
            console.print(compiled.sql, markup=False, highlight=False)
        return
    from semantic_layer.engine import open_engine
    from telemetry.warehouse import require_warehouse

    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    with open_engine(settings) as runner:
        # warehouse values only matter for matching filter values ("h100" -> "H100")
        result = runner.run_query(catalog.with_values(runner) if query.filters else catalog, query)
    period = {"start": query.time_range.start.isoformat(), "end": query.time_range.end.isoformat()} if query.time_range else None
    if json:
        print_json({"columns": result.columns, "rows": result.rows, "sql": result.sql, "metric_query": query,
                    "period": period, "warnings": result.warnings, "elapsed_ms": round(result.elapsed_ms, 2)})
        return
    _print_rows(result.columns, result.rows, {m.name: m.format for m in catalog.metrics.values()},
                title=f"{', '.join(metric)}" + (f" ({query.time_range.describe()})" if query.time_range else " (all data)"),
                fmt=layout)
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", markup=False, highlight=False)


@app.command("sql")
def sql_command(
    sql: Annotated[str, typer.Argument(help="One SELECT statement.")], db: DbOption = None, json: JsonOption = False, engine: EngineOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Run SQL through the validator on the read-only warehouse; refused SQL exits 2 and says what to change.

    Example: pace sql "SELECT team, sum(busy_hours) FROM utilization_hourly GROUP BY team"
    Example: pace sql "SELECT * FROM jobs" --format csv > jobs.csv
    """
    from semantic_layer.engine import open_engine

    layout = output_format(fmt)
    from telemetry.warehouse import require_warehouse

    settings = load_settings(PACE_DB=db, PACE_ENGINE=engine)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    with open_engine(settings) as runner:
        result = runner.run_sql(sql)
    if json:
        print_json({"columns": result.columns, "rows": result.rows, "sql": result.sql, "elapsed_ms": round(result.elapsed_ms, 2)})
        return
    _print_rows(result.columns, result.rows, {}, title=None, fmt=layout)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], formats: dict[str, str], title: str | None,
                fmt: str = "auto") -> None:
    """Rows for people (formatted, laid out by `print_rows`) or, with csv/tsv/json, raw for machines."""
    from assistant.render.tables import print_rows

    if fmt in ("csv", "tsv", "json"):
        print_rows(console, columns, rows, fmt=fmt)  # type: ignore[arg-type]
        return
    cells = []
    for row in rows:
        out = []
        for col, value in zip(columns, row):
            spec = formats.get(col.split("__")[0]) if not col.endswith("__change_pct") else "+.1f"
            try:
                out.append("" if value is None else format(value, spec) if spec and isinstance(value, (int, float)) else str(value))
            except (TypeError, ValueError):
                out.append(str(value))
        cells.append(out)
    print_rows(console, columns, cells, title=title, fmt=fmt)  # type: ignore[arg-type]
