"""Terminal rendering of one answer with rich: text, a table, provenance and warnings (print it on a
`SafeConsole`, which never reads data as markup)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from assistant.models import Answer
from assistant.render.cells import table, unit_of
from assistant.render.console import SafeConsole
from assistant.render.safe import terminal_text
from assistant.render.tables import Format, print_rows

__all__ = ["SafeConsole", "print_answer"]
_STYLE = {"answered": "green", "clarify": "yellow", "abstain": "yellow", "refused": "red", "error": "red"}


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
