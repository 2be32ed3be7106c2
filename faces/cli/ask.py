"""`pace ask` (one question, one Answer) and `pace chat` (a conversation with memory)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import typer

from faces.cli.app import app, console, err_console, print_json
from faces.cli.options import DbOption, EngineOption, FormatOption, JsonOption, output_format
from core.errors import Refused, UserError
from core.settings import Settings, load_settings

PlannerOption = Annotated[
    str, typer.Option("--planner", help="auto (LLM when OPENAI_API_KEY/OPENAI_BASE_URL is set, else offline), offline or llm.")
]
ThreadOption = Annotated[str | None, typer.Option("--thread", help="Conversation id: follow-ups in the same thread edit the last question.")]
EXIT = {"answered": 0, "no_data": 0, "clarify": 0, "abstain": 0, "refused": 2, "error": 1}


def _planner(value: str) -> Literal["auto", "offline", "llm"]:
    if value not in ("auto", "offline", "llm"):
        raise UserError(f"--planner must be auto, offline or llm (got {value!r})")
    return value  # type: ignore[return-value]


def _settings(db: object, engine: str | None = None) -> Settings:
    """Settings whose warehouse is readable; never builds one: only `pace seed` / `pace demo` do.

    With DuckDB the check is the engine opening the file, the one open the answer then reuses.
    """
    settings = load_settings(PACE_DB=db, PACE_ENGINE=engine)
    if settings.engine == "duckdb":
        from assistant.semantics import resources_for

        resources_for(settings).engine.connection()  # WarehouseError (exit 2) when missing, corrupt or not pace's
    else:
        from telemetry.warehouse import require_warehouse

        require_warehouse(settings.db)
    return settings


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    thread: ThreadOption = None,
    planner: PlannerOption = "auto",
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the SQL that ran.")] = False,
    chart: Annotated[bool, typer.Option("--chart", help="Also draw a PNG chart of the result and print its path.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
    engine: EngineOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Ask one question about the fleet; get a number, a table, a chart and the SQL behind it.

    Examples:
      pace ask "effective cost by team last week"
      pace ask "and by cluster?" --thread t1
      pace ask "top 5 teams by idle hours in October" --json
      pace ask "cost by project last month" --format csv > cost.csv
    """
    from assistant.render import print_answer
    from assistant.service import answer

    mode = _planner(planner)
    layout = output_format(fmt)
    settings = _settings(db, engine)
    result = answer(question, thread_id=thread, planner=mode, settings=settings, charts=chart)
    if json:
        print_json(result.to_json())
    else:
        print_answer(result, console, show_sql=show_sql, fmt=layout)  # type: ignore[arg-type]
    finish(result.status, result.text)


def finish(status: str, text: str) -> None:
    """DESIGN.md exit codes. Refused -> `Refused` (run_app prints `refused:` and exits 2); error -> exit 1.

    SystemExit is used for 1 because `run_app` drops the return code of a `typer.Exit` raised inside a
    command when typer runs with standalone_mode=False.
    """
    if status == "refused":
        raise Refused(text.removeprefix("Refused: ").removesuffix(" Nothing was run.") + " (nothing was run)")
    if EXIT[status]:
        err_console.print(f"error: {text}", markup=False, highlight=False)
        raise SystemExit(EXIT[status])


@app.command()
def chat(
    thread: ThreadOption = None,
    planner: PlannerOption = "auto",
    db: DbOption = None,
) -> None:
    """Talk to pace: questions and follow-ups with memory. Commands: /sql /chart /reset /help /quit."""
    from assistant.chat import ChatSession

    session = ChatSession(_settings(db), thread or f"chat-{uuid.uuid4().hex[:8]}", _planner(planner), console)
    session.loop()
