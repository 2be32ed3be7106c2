"""`pace weekly` and `pace triage`: drafts in which every number cites the query behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from faces.cli.app import app, console
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import load_settings

WEEKLY_FORMATS = ("md", "html", "slack", "json")
TRIAGE_FORMATS = ("md", "slack", "json")


def _emit(text: str, out: Path | None) -> None:
    from core.safe_text import strip_controls

    text = strip_controls(text)  # a draft quotes data: no escape sequence reaches a terminal or a file
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}", markup=False, highlight=False)


@app.command()
def weekly(
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the last complete week of data).")] = None,
    format: Annotated[str, typer.Option("--format", help="md, html (self-contained, charts embedded), slack (Block Kit JSON) or json.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The executive weekly narrative: spend, utilization, idle cost, movers, savings, governance,
    reliability, risks and three actions; every number footnoted to its SQL.

    Example: pace weekly --week 2026-W47 --format html --out weekly.html
    (with --format md --out, the charts are written beside the file as PNGs and linked)
    """
    from telemetry.warehouse import require_warehouse
    from tools.weekly import parse_week, weekly_narrative

    format = "json" if json else format
    if format not in WEEKLY_FORMATS:
        raise UserError(f"--format {format!r} is not one of {', '.join(WEEKLY_FORMATS)}")
    if week is not None:
        parse_week(week)  # fail fast on a malformed week, before touching the warehouse
    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    report = weekly_narrative(settings, week)
    if format == "md" and out is not None:  # markdown cannot embed images: write them beside it
        out.parent.mkdir(parents=True, exist_ok=True)
        _emit(report.to_markdown(report.write_chart_pngs(out.parent, out.stem)), out)
        return
    _emit(report.render(format), out)


@app.command()
def triage(
    text: Annotated[str | None, typer.Argument(help="A free-text alert or report, e.g. 'training jobs on us-west-onprem keep failing'.")] = None,
    incident: Annotated[str | None, typer.Option("--incident", help="Triage a warehouse incident by id, e.g. INC-00012.")] = None,
    finding: Annotated[str | None, typer.Option("--finding", help="Triage a `pace scan` finding by id, e.g. F003.")] = None,
    format: Annotated[str, typer.Option("--format", help="md, slack (Block Kit JSON) or json.")] = "md",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Draft an incident triage: severity by rubric, impact, what changed, similar incidents, routing,
    next steps and a timeline (rules in tools/rules/*.yaml, see docs/support-model.md).

    Example: pace triage "training jobs on cluster us-west-onprem keep failing"
    """
    from telemetry.warehouse import require_warehouse
    from tools.triage import triage as run_triage

    format = "json" if json else format
    if format not in TRIAGE_FORMATS:
        raise UserError(f"--format {format!r} is not one of {', '.join(TRIAGE_FORMATS)}")
    if sum(x is not None for x in (text, incident, finding)) != 1:
        raise UserError('give exactly one of: "TEXT", --incident ID or --finding ID')
    if text is not None and not text.strip():
        raise UserError("the report text is empty; describe what is wrong, e.g. 'jobs on us-west-onprem keep failing'")
    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    draft = run_triage(settings, text=text, incident_id=incident, finding=finding)
    _emit(draft.render(format), None)
