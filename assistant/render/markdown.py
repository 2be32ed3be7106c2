"""Markdown rendering (docs, PR comments, the weekly digest): text, a pipe table, the provenance card."""

from __future__ import annotations

from assistant.models import Answer
from assistant.render.cells import table


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(answer: Answer, *, show_sql: bool = True, max_rows: int = 50) -> str:
    """One answer as Markdown."""
    lines = [answer.text, ""]
    if answer.columns and answer.rows:
        header, rows = table(answer, max_rows)
        lines += ["| " + " | ".join(_esc(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_esc(c) for c in r) + " |" for r in rows]
        lines.append("")
    for w in answer.warnings:
        lines.append(f"> **Warning:** {_esc(w)}")
    p = answer.provenance
    if p is not None:
        lines.append("")
        for m in p.metrics:
            lines.append(f"- **{m.label}** (`{m.name}`, {m.unit}): {m.description}")
        if p.filters:
            lines.append(f"- Filters: {', '.join(p.filters)}")
        lines.append(f"- Period: {p.period}; data: {p.freshness}")
        lines.append(f"- {'Trusted: built from a verified query' if p.trusted else 'Not a verified query'}; planner: {answer.planner}")
    if answer.chart:
        lines.append(f"\n![chart]({answer.chart})")
    if show_sql and answer.sql:
        lines += ["", "```sql", answer.sql, "```"]
    return "\n".join(lines).strip() + "\n"
