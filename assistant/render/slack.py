"""Slack Block Kit: header (number + period), compact table, provenance context, SQL and feedback buttons.

Slack allows at most 50 blocks and 3,000 characters per text field; tables go in one code block
so a 20-row ranking still costs one block.
"""

from __future__ import annotations

from typing import Any

from assistant.models import Answer
from assistant.render.cells import table

MAX_BLOCKS = 50
MAX_TEXT = 2900


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code_table(answer: Answer, max_rows: int) -> str:
    header, rows = table(answer, max_rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    body = "\n".join([fmt(header), *(fmt(r) for r in rows)])
    more = f"\n… {len(answer.rows) - max_rows} more rows" if len(answer.rows) > max_rows else ""
    return f"```{body}{more}```"


def _headline(answer: Answer) -> str:
    if answer.status == "answered" and len(answer.rows) == 1 and answer.columns:
        _, rows = table(answer, 1)
        period = answer.provenance.period if answer.provenance else ""
        return _clip(f"{rows[0][-1] if len(answer.columns) == 1 else rows[0][0]} · {period}", 150)
    return {"answered": "Answer", "clarify": "Which one did you mean?", "abstain": "I can't answer that confidently",
            "refused": "Request refused", "error": "Something went wrong"}[answer.status]


def to_blocks(answer: Answer, *, max_rows: int = 20) -> list[dict[str, Any]]:
    """Blocks for `chat.postMessage`; the answer's question rides in button values for the handlers."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _headline(answer), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(answer.text)}},
    ]
    if answer.columns and answer.rows and answer.status == "answered":
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(_code_table(answer, max_rows))}})
    for w in answer.warnings[:3]:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(f":warning: {w}", 300)}]})
    p = answer.provenance
    if p is not None:
        trust = ":white_check_mark: verified query" if p.trusted else "not a verified query"
        metrics = ", ".join(f"{m.label} ({m.unit})" for m in p.metrics)
        line = f"{metrics} · {p.period} · {trust} · {p.freshness} · planner: {answer.planner}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(line, 1900)}]})
    if answer.sql:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": "pace_show_sql", "text": {"type": "plain_text", "text": "Show SQL"},
             "value": _clip(answer.thread or "-", 1900)}]})
    if answer.status in ("answered", "clarify", "abstain"):
        blocks.append({"type": "context_actions", "elements": [
            {"type": "feedback_buttons", "action_id": "pace_feedback",
             "positive_button": {"text": {"type": "plain_text", "text": "Good answer"}, "value": "good"},
             "negative_button": {"text": {"type": "plain_text", "text": "Wrong answer"}, "value": "bad"}}]})
    return blocks[:MAX_BLOCKS]
