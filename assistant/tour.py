"""`pace demo`'s guided tour: a few real answers from the warehouse, including a follow-up.

Called by `faces/cli/warehouse.py` (`run_tour(settings)`) after the warehouse exists.
"""

from __future__ import annotations

import uuid

from rich.console import Console
from rich.rule import Rule

from assistant.render import print_answer
from core.settings import Settings

TOUR: tuple[tuple[str, str], ...] = (
    ("What did the fleet cost last week, by team?", "effective cost by team last week"),
    ("A follow-up in the same thread edits the last question:", "and by cluster?"),
    ("Utilization, the SM-activity way, per accelerator:", "sm activity by accelerator type last week"),
    ("A trend, with a chart:", "daily busy hours over the past 30 days"),
    ("Week over week:", "effective cost week over week"),
    ("Unsafe requests are refused before anything runs:", "drop table jobs"),
)


def run_tour(settings: Settings, console: Console | None = None, *, planner: str = "offline") -> None:
    """Print each tour question and its answer (offline planner, so it runs with no API key)."""
    from assistant.service import answer

    console = console or Console()
    thread = f"tour-{uuid.uuid4().hex[:8]}"
    console.print(Rule("pace: a short tour"))
    for intro, question in TOUR:
        console.print(f"\n[bold]{intro}[/bold]\n[cyan]> {question}[/cyan]", markup=True)  # pace's own tour text
        print_answer(answer(question, thread_id=thread, planner=planner, settings=settings), console)  # type: ignore[arg-type]
    console.print("\nTry: pace ask \"top 5 teams by idle hours in October\"  |  pace chat  |  pace metrics")
