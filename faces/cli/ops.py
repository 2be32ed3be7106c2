"""`pace scan`, `pace savings`, `pace forecast` and `pace impact`: the ops tools on the command line.

Every tool spec (tools/specs.py) is a command: these and the drafting and placement modules write the
ones with richer flags; `add_tool_commands` gives any other spec `pace <command> [QUESTION] [--db] [--json]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from faces.cli.app import BEFORE_RUN, app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import Settings, load_settings


def _settings(db: Path | None, quiet: bool) -> Settings:
    from telemetry.warehouse import require_warehouse

    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    return settings


def _table(title: str, columns: list[str], rows: list[list[Any]], caption: str | None = None) -> Table:
    table = Table(title=title, caption=caption)
    for col in columns:
        table.add_column(col, justify="right" if col.endswith(("usd", "_pct", "hours", "demand", "lower", "upper")) else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


@app.command("scan")
def scan_command(
    start: Annotated[str | None, typer.Option("--from", help="Scan from this date (inclusive), YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Scan up to this date (exclusive), YYYY-MM-DD.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind of anomaly (repeatable).")] = None,
    feedback: Annotated[tuple[str, str] | None, typer.Option(
        "--feedback", metavar="REF VERDICT",
        help="Record yes, no or planned on a finding (its ref, or its id in this scan); no and planned are not alerted again.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, stored with --feedback.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Scan for anomalies: idle allocations, collapses, cost spikes, queue surges, failures, quota
    breaches, latency spikes, energy outliers and utilization shifts per team and pool, each with
    score, units, impact, owner and evidence SQL.

    Example: pace scan --from 2026-11-16 --to 2026-11-23 --kind idle_allocation --json
    Example: pace scan --feedback a1b2c3d planned --note "load test"
    """
    from tools import scan_feedback
    from tools.findings import short_unit
    from tools.scan import check_kinds, scan

    kinds = check_kinds(kind)  # bad kinds fail before the warehouse is touched
    if feedback is not None:
        scan_feedback.check_verdict(feedback[1])
    settings = _settings(db, json)
    result = scan(settings, start=start, end=end, kinds=kinds, progress=not json)
    if feedback is not None:
        ref = feedback[0].strip().lower()
        found = next((f for f in result.findings if ref in (f.ref, f.id.lower())), None)
        if found is None:
            raise UserError(f"no finding {feedback[0]!r} in this scan; refs: {', '.join(f.ref for f in result.findings[:5]) or 'none'}")
        saved = scan_feedback.record(settings, found, feedback[1], note)
        if json:
            print_json({**saved, "finding": found.contract()})
        else:
            console.print(f"recorded {saved['verdict']} on {found.id} ({found.ref}): {found.kind} on {found.entity}",
                          markup=False, highlight=False)
        return
    if json:
        print_json(result.to_json())
        return
    rows = [[f.id, f.ref, f.severity, f.kind, f.entity + (f" {f.accelerator_type}" if f.accelerator_type else ""),
             f"{f.start:%m-%d %H:%M} +{f.duration_hours:.0f}h",
             f"{_cell(f.observed)} vs {_cell(f.expected)} {short_unit(f.metric)}", f.impact_usd, f.owner] for f in result.findings]
    cols = ["id", "ref", "sev", "kind", "entity", "window", "observed vs expected", "impact_usd", "owner"]
    console.print(_table(f"{len(result.findings)} findings", cols, rows))
    console.print(result.summary_text())


@app.command("savings")
def savings_command(
    days: Annotated[int, typer.Option(help="Days of history to measure (ending at --end).")] = 28,
    end: Annotated[str | None, typer.Option("--end", help="First day not measured (YYYY-MM-DD); default the day after the data's end.")] = None,
    top: Annotated[int, typer.Option(help="Rows to show in the table (--json always has all).")] = 20,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Savings opportunities by lever (idle, rightsizing, bin-packing, off-peak, commitment), monthly $,
    never counting one accelerator-hour twice.

    The window is stated with the figure: the weekly draft measures its own week, so
    `--days 7 --end MONDAY` reproduces the weekly's savings.

    Example: pace savings --json; pace savings --days 7 --end 2026-11-23
    """
    from datetime import date

    from tools.savings import estimate_savings

    try:
        until = date.fromisoformat(end) if end else None
    except ValueError:
        raise UserError(f"--end {end!r} is not a date; use YYYY-MM-DD") from None
    report = estimate_savings(_settings(db, json), days=days, end=until)
    if json:
        print_json(report.to_json())
        return
    rows = [[o.lever, o.action, o.monthly_usd, o.confidence] for o in report.opportunities[:top]]
    console.print(_table(f"${report.total_monthly_usd:,.0f} a month in {len(report.opportunities)} opportunities",
                         ["lever", "action", "monthly_usd", "confidence"], rows, caption=report.rule))
    console.print(report.summary_text())


@app.command("forecast")
def forecast_command(
    weeks: Annotated[int, typer.Option(help="Weeks ahead to forecast (1-52).")] = 8,
    accelerator: Annotated[str, typer.Option("--type", help="Accelerator type the summary talks about.")] = "H100",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Weekly accelerator demand vs capacity and quotas, with 90% intervals and a backtest MAPE.

    Example: pace forecast --weeks 8 --type H100
    """
    from tools.forecast import forecast_capacity

    result = forecast_capacity(_settings(db, json), weeks=weeks)
    if json:
        print_json(result.to_json())
        return
    if result.outlook(accelerator) is None:
        raise UserError(f"no forecast for --type {accelerator!r}; choose from {', '.join(t.accelerator_type for t in result.types)}")
    rows = [r[1:] for r in result.rows if r[0].lower() == accelerator.lower()]
    console.print(_table(f"{accelerator} weekly peak demand", result.columns[1:], rows))
    console.print(result.summary_text(accelerator))


@app.command("impact")
def impact_command(
    to: Annotated[float | None, typer.Option("--to", help="Target fleet utilization, percent.")] = None,
    points: Annotated[float | None, typer.Option("--points", help="Utilization gain in percentage points (default 10).")] = None,
    start_pct: Annotated[float | None, typer.Option("--from", help="Starting utilization, percent (default: measured).")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """What a utilization gain is worth: freed accelerator-hours and $/month, parameters stated.

    Example: pace impact --points 10
    """
    from tools.impact import utilization_gain_value

    result = utilization_gain_value(_settings(db, json), from_pct=start_pct, to_pct=to, points=points)
    if json:
        print_json(result.to_json())
        return
    console.print(_table("value by pool", result.columns, result.rows, caption=result.parameters))
    console.print(result.summary_text())


def _registered() -> set[str]:
    return {c.name or (c.callback.__name__.replace("_", "-") if c.callback else "") for c in app.registered_commands}


def _spec_command(spec: Any) -> Any:
    def command(
        question: Annotated[str, typer.Argument(help="What to ask the tool (it reads its options from the words).")] = "",
        db: DbOption = None,
        json: JsonOption = False,
    ) -> None:
        answer = spec.load()(_settings(db, json), question or spec.examples[0], None)
        if json:
            print_json({"tool": spec.name, "text": answer.summary_text(), "columns": list(answer.columns),
                        "rows": [list(r) for r in answer.rows], "evidence_sql": list(answer.evidence_sql)})
            return
        console.print(_table(spec.purpose, list(answer.columns), [list(r) for r in answer.rows]))
        console.print(answer.summary_text(), markup=False, highlight=False)

    command.__name__ = f"{spec.name}_command"
    command.__doc__ = f"{spec.purpose}.\n\nExample: pace {spec.cli_name} \"{spec.examples[0]}\""
    return command


_GENERIC: dict[str, Any] = {}
"""The generic commands added from specs, by name (dropped again when their spec is)."""


def add_tool_commands() -> None:
    """A generic command for every tool spec that has no hand-written one (and none for a spec that left)."""
    from tools.specs import specs

    current = {s.cli_name: s for s in specs()}
    for name in [n for n in _GENERIC if n not in current or _GENERIC[n][0] is not current[n]]:
        app.registered_commands.remove(_GENERIC.pop(name)[1])
    taken = _registered()
    for name, spec in current.items():
        if name not in taken:
            app.command(name)(_spec_command(spec))
            _GENERIC[name] = (spec, app.registered_commands[-1])


BEFORE_RUN.append(add_tool_commands)
