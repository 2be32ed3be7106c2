"""Terminal rendering with rich: text, a table, provenance and warnings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assistant.models import Answer
from assistant.render.cells import table

_STYLE = {"answered": "green", "clarify": "yellow", "abstain": "yellow", "refused": "red", "error": "red"}


def print_answer(answer: Answer, console: Console, *, show_sql: bool = False, max_rows: int = 30) -> None:
    """Print one answer for a person: status-coloured text, a table, the card, optionally the SQL."""
    console.print(answer.text, style=_STYLE.get(answer.status, ""), markup=False, highlight=False)
    if answer.columns and answer.rows:
        header, rows = table(answer, max_rows)
        t = Table(show_header=True, header_style="bold")
        for i, h in enumerate(header):
            t.add_column(h, justify="right" if rows and rows[0][i][:1] in "$-0123456789" else "left")
        for r in rows:
            t.add_row(*r)
        console.print(t)
        if len(answer.rows) > max_rows:
            console.print(f"... {len(answer.rows) - max_rows} more rows (use --json for all)", style="dim")
    for w in answer.warnings:
        console.print(f"warning: {w}", style="yellow", markup=False)
    p = answer.provenance
    if p is not None:
        defs = "; ".join(f"{m.label}: {m.description}" for m in p.metrics)
        trust = "trusted (verified query)" if p.trusted else "not a verified query"
        console.print(f"[dim]{defs}\nperiod: {p.period} | {trust} | {p.freshness} | planner: {answer.planner}[/dim]",
                      highlight=False)
    if answer.chart:
        console.print(f"chart: {answer.chart}", style="dim", markup=False)
    if show_sql and answer.sql:
        console.print(answer.sql, style="cyan", markup=False, highlight=False)
