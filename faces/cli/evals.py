"""`pace eval`: run the eval suites through the same entry points as the faces, print and save a report.

evals/ is imported only inside this command, so nothing else that ships depends on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, EngineOption, JsonOption
from core.errors import UserError
from core.settings import load_settings

SUITES = ("questions", "frozen", "anomalies", "narrative", "all")
QUESTION_SUITES = ("questions", "frozen")


@app.command("eval")
def eval_command(
    suite: Annotated[str, typer.Option(help="questions | frozen (held-out split, never tuned on) | anomalies | narrative | all")] = "questions",
    planner: Annotated[str, typer.Option(help="offline | llm (llm needs OPENAI_API_KEY or OPENAI_BASE_URL)")] = "offline",
    repeat: Annotated[int, typer.Option(help="Ask each question k times and report pass^k.", min=1, max=10)] = 1,
    report: Annotated[Path | None, typer.Option(help="Write a markdown report with every failure here.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
    engine: EngineOption = None,
) -> None:
    """Score answer accuracy, anomaly-scan quality and narrative grounding.

    Exits 1 when a result is below its gates in evals/thresholds.yaml (the report is still printed),
    2 on bad input. Example: pace eval --suite all --report eval-report.md
    """
    from rich.progress import Progress

    from evals.cases import load_suite
    from evals.report import gate_problems, markdown_report, print_result
    from evals.runner import count_items, run_questions
    from evals.suites import run_anomalies, run_narrative
    from telemetry.warehouse import require_warehouse

    if suite not in SUITES:
        raise UserError(f"--suite {suite!r} is not one of {', '.join(SUITES)}")
    if planner not in ("offline", "llm"):
        raise UserError(f"--planner {planner!r} is not one of offline, llm")
    settings = load_settings(PACE_DB=db, PACE_ENGINE=engine)
    if planner == "llm" and not settings.llm_configured:
        raise UserError("--planner llm needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    results = []
    for name in QUESTION_SUITES:
        if suite not in (name, "all"):
            continue
        cases = load_suite(name)
        with Progress(disable=json, transient=True, console=console) as bar:
            task = bar.add_task(f"asking ({name})", total=count_items(cases, repeat))
            results.append(
                run_questions(
                    settings, planner=planner, cases=cases, repeat=repeat, engine=settings.engine, suite=name,
                    on_item=lambda: bar.advance(task),
                ).to_json()
            )
    if suite in ("anomalies", "all"):
        results.append(run_anomalies(settings))
    if suite in ("narrative", "all"):
        results.append(run_narrative(settings))
    for r in results:
        r["gate_problems"] = gate_problems(r)
    if report:
        report.write_text(markdown_report(results))
    below = any(r["gate_problems"] for r in results)
    if json:
        print_json(results[0] if len(results) == 1 else {"suites": results})
        raise typer.Exit(1 if below else 0)
    for r in results:
        print_result(console, r)
        for problem in r["gate_problems"]:
            console.print(f"[red]below threshold:[/] {escape(problem)}", markup=True)
    if report:
        console.print(f"report written to {report}")
    if below:
        raise typer.Exit(1)
