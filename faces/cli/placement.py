"""`pace placement` and `pace platform-review`: where to run a workload, and how a new platform does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.settings import Settings, load_settings


def _settings(db: Path | None, quiet: bool) -> Settings:
    from telemetry.warehouse import require_warehouse

    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    return settings


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in ("accelerator", "cluster", "basis", "confidence", "accelerator_type",
                                                        "workload", "role", "work_unit") else "right")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,.4g}" if isinstance(v, float) and abs(v) < 1000
                        else f"{v:,.0f}" if isinstance(v, float) else str(v) for v in row))
    return table


@app.command("placement")
def placement_command(
    workload: Annotated[str, typer.Option("--workload", help="training, fine-tuning, evaluation, batch-inference, online-inference or on-device.")],
    model_params: Annotated[str | None, typer.Option("--model-params", help="Model size: 7B, 70B, 1.5T, 350M.")] = None,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Tokens to process: 2B, 500M, 2e9.")] = None,
    accelerator_hours: Annotated[float | None, typer.Option("--accelerator-hours", help="Work measured as accelerator-hours on --on TYPE.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The type --accelerator-hours are on; alone, the type to compare with.")] = None,
    deadline: Annotated[float | None, typer.Option("--deadline", help="Days to finish in; sets the count.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Check this team's quota.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Rank every accelerator type that can run a workload by cost, with the count to use, time to
    finish, energy, and whether capacity and the team's quota allow it; the arithmetic in words.

    Example: pace placement --workload fine-tuning --model-params 70B --tokens 2B --team orion
    """
    from tools import placement_model as pm
    from tools.placement import place_workload

    pm.workload_name(workload)  # bad input fails before the warehouse is touched
    if model_params is not None:
        pm.parse_params(model_params)
    if tokens is not None:
        pm.parse_amount(tokens)
    result = place_workload(_settings(db, json), workload, model_params=model_params, tokens=tokens,
                            accelerator_hours=accelerator_hours, on_type=on, deadline_days=deadline, team=team)
    if json:
        print_json(result.to_json())
        return
    if result.candidates:
        console.print(_table(f"{len(result.candidates)} accelerator types can run it", result.columns, result.rows))
    console.print(result.summary_text(), markup=False, highlight=False)
    for c in result.candidates[:3]:
        console.print(f"- {c.why}", markup=False, highlight=False)
    for e in result.excluded:
        console.print(f"- {e['accelerator']} cannot: {e['why']}", markup=False, highlight=False)


@app.command("platform-review")
def platform_review_command(
    accelerator_type: Annotated[str, typer.Argument(help="The accelerator type to review, e.g. 'TPU v5e'.")],
    since: Annotated[str | None, typer.Option("--since", help="Start of the review, YYYY-MM-DD (default: the type's introduction).")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """How a newly introduced accelerator type does against the incumbents on the same work: adoption,
    utilization ramp, failures and preemptions, throughput per $ and per kWh, incidents, open issues,
    and a recommendation (expand, hold or fix first).

    Example: pace platform-review "TPU v5e"
    """
    from tools.platform_review import review_platform

    result = review_platform(_settings(db, json), accelerator_type, since=since)
    if json:
        print_json(result.to_json())
        return
    weeks = [[w["week"].strftime("%Y-%m-%d"), w["accelerator_hours"], w["teams"], round(100 * (w["busy_share"] or 0), 1)]
             for w in result.adoption]
    console.print(_table(f"{result.accelerator_type} adoption", ["week", "accelerator_hours", "teams", "busy_pct"], weeks))
    console.print(_table("against the incumbents", result.columns, result.rows))
    console.print(result.summary_text(), markup=False, highlight=False)
