"""Terminal rendering with rich: a console that never reads data as markup, and one answer's text,
table, provenance and warnings."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.models import Answer
from assistant.render.cells import table, unit_of
from assistant.render.safe import terminal_text
from assistant.render.tables import Format, print_rows

_STYLE = {"answered": "green", "clarify": "yellow", "abstain": "yellow", "refused": "red", "error": "red"}


class SafeConsole(Console):
    """A Rich console for output that carries data: markup is off unless a call asks for it
    (`markup=True`, for constant text with values passed through `rich.markup.escape`), every string
    loses escape sequences and control characters before it is rendered, and a `Table` is laid out
    by `print_rows` (key columns whole, folding or one record per block when narrow, plain text
    when not a terminal)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        return super().render_str(terminal_text(text), **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if len(objects) == 1 and isinstance(objects[0], Table) and not kwargs:
            print_table(self, objects[0])
            return
        super().print(*objects, **kwargs)


def print_table(console: Console, t: Table) -> None:
    """Re-lay out a Rich `Table` built by a command through `print_rows`."""
    columns = [str(c.header) for c in t.columns]
    cells = [list(c.cells) for c in t.columns]
    rows = [[str(col[i]) for col in cells] for i in range(t.row_count)]
    print_rows(console, columns, rows, title=str(t.title) if t.title else None,
               caption=str(t.caption) if t.caption else None)


def print_answer(answer: Answer, console: Console, *, show_sql: bool = False, max_rows: int = 30,
                 fmt: Format = "auto") -> None:
    """Print one answer for a person: status-coloured text, a table, the card, optionally the SQL.

    With `fmt` csv, tsv or json only the result rows are printed, every row, raw values."""
    if fmt in ("csv", "tsv", "json"):
        print_rows(console, answer.columns, answer.rows, fmt=fmt)
        return
    console.print(Text(terminal_text(answer.text), style=_STYLE.get(answer.status, "")))
    if answer.columns and answer.rows:
        header, rows = table(answer, max_rows)
        keys = [i for i, c in enumerate(header) if not unit_of(answer, c)]
        print_rows(console, header, rows, keys=keys, fmt=fmt)
        if len(answer.rows) > max_rows:
            console.print(Text(f"... {len(answer.rows) - max_rows} more rows (use --json or --format csv for all)", style="dim"))
    for w in answer.warnings:
        console.print(Text(f"warning: {terminal_text(w)}", style="yellow"))
    p = answer.provenance
    if p is not None:
        defs = "; ".join(f"{m.label}: {m.description}" for m in p.metrics)
        trust = "trusted (verified query)" if p.trusted else "not a verified query"
        card = f"{defs}\nperiod: {p.period} | {trust} | {p.freshness} | planner: {answer.planner}"
        console.print(Text(terminal_text(card), style="dim"))
    if answer.chart:
        console.print(Text(f"chart: {terminal_text(answer.chart)}", style="dim"))
    if show_sql and answer.sql:
        console.print(Text(terminal_text(answer.sql), style="cyan"))
