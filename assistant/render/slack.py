"""Slack Block Kit: header (number + period), compact table, provenance context, SQL and feedback buttons.

Slack allows at most 50 blocks and 3,000 characters per text field; tables go in one code block
so a 20-row ranking still costs one block. Every value is data: mrkdwn fields are escaped (`&`, `<`,
`>`: no mention, link or command survives), plain_text fields lose control characters, and clipping
happens per cell and per row so a long value never pushes a table past the field's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.models import Answer
from assistant.render.cells import table
from assistant.render.safe import clip, clip_mrkdwn, mrkdwn, one_line

MAX_BLOCKS = 50
MAX_TEXT = 2900
MAX_CELL = 48


def mrkdwn_field(value: Any, limit: int = MAX_TEXT) -> str:
    """A value as a complete mrkdwn field: escaped, then clipped without breaking an entity."""
    return clip_mrkdwn(mrkdwn(value), limit) or " "


def plain_field(value: Any, limit: int = 150) -> str:
    """A value for a plain_text field (headers, button labels): one line, no control characters."""
    return clip(one_line(value), limit) or " "


def code_table(columns: Sequence[Any], rows: Sequence[Sequence[str]], *, total: int | None = None,
               limit: int = MAX_TEXT, max_cell: int = MAX_CELL) -> str:
    """A monospaced table in one mrkdwn code block that always fits `limit`: cells are clipped to
    `max_cell` characters, rows that do not fit are counted in a `… N more rows` line, and values
    cannot close the code block (backticks become ˋ) or be read as mentions or links."""
    def fit(v: Any) -> str:
        return clip(one_line(v), max_cell).replace("`", "ˋ")

    header = [fit(c) for c in columns]
    shown = [[fit(v) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in shown]) for i, h in enumerate(header)]
    lines = [mrkdwn("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()) for cells in [header, *shown]]
    total = len(rows) if total is None else total
    body, used, room = clip_mrkdwn(lines[0], limit - 40), 0, limit - 6 - 30  # 30: the "… N more rows" line
    for line in lines[1:]:
        if len(body) + 1 + len(line) > room:
            break
        body += "\n" + line
        used += 1
    if total > used:
        body += f"\n… {total - used} more rows"
    return f"```{body}```"


def _headline(answer: Answer) -> str:
    if answer.status == "answered" and len(answer.rows) == 1 and answer.columns:
        _, rows = table(answer, 1)
        period = answer.provenance.period if answer.provenance else ""
        return plain_field(f"{rows[0][-1] if len(answer.columns) == 1 else rows[0][0]} · {period}")
    return {"answered": "Answer", "clarify": "Which one did you mean?", "abstain": "I can't answer that confidently",
            "refused": "Request refused", "error": "Something went wrong"}[answer.status]


def to_blocks(answer: Answer, *, max_rows: int = 20) -> list[dict[str, Any]]:
    """Blocks for `chat.postMessage`; the answer's question rides in button values for the handlers."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _headline(answer), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_field(answer.text)}},
    ]
    if answer.columns and answer.rows and answer.status == "answered":
        header, rows = table(answer, max_rows)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": code_table(header, rows, total=len(answer.rows))}})
    for w in answer.warnings[:3]:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": ":warning: " + mrkdwn_field(w, 290)}]})
    p = answer.provenance
    if p is not None:
        trust = ":white_check_mark: verified query" if p.trusted else "not a verified query"
        metrics = mrkdwn(", ".join(f"{m.label} ({m.unit})" for m in p.metrics))
        line = f"{metrics} · {mrkdwn(p.period)} · {trust} · {mrkdwn(p.freshness)} · planner: {answer.planner}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(line, 1900)}]})
    if answer.sql:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": "pace_show_sql", "text": {"type": "plain_text", "text": "Show SQL"},
             "value": clip(answer.thread or "-", 1900)}]})
    if answer.status in ("answered", "clarify", "abstain"):
        blocks.append({"type": "context_actions", "elements": [
            {"type": "feedback_buttons", "action_id": "pace_feedback",
             "positive_button": {"text": {"type": "plain_text", "text": "Good answer"}, "value": "good"},
             "negative_button": {"text": {"type": "plain_text", "text": "Wrong answer"}, "value": "bad"}}]})
    return blocks[:MAX_BLOCKS]


def fallback_text(text: Any, limit: int = 300) -> str:
    """The notification text (chat.postMessage `text`, parsed as mrkdwn too): escaped and clipped."""
    return mrkdwn_field(text, limit)
