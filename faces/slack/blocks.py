"""Block Kit for Slack messages: the assistant's own Slack renderer when it is present, with the
button values pointed at this app's answer store, plus the few messages only the Slack face sends
(tool results, redaction notes, errors with a trace id, help).

Every value from an answer or a tool result goes through `assistant.render.safe` (mrkdwn escaped,
control characters removed, clipped per cell); `text_blocks` and `clip` are for pace's own text."""

from __future__ import annotations

from typing import Any

from assistant.models import Answer
from assistant.render.safe import clip_mrkdwn, mrkdwn
from assistant.render.slack import code_table as _code_table
from assistant.render.slack import fallback_text as _fallback
from assistant.render.slack import mrkdwn_field, plain_field

MAX_BLOCKS = 50
MAX_TEXT = 2900
SHOW_SQL = "pace_show_sql"
FEEDBACK = "pace_feedback"
FEEDBACK_BLOCK = "pace_fb:"


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    """A section of pace's own mrkdwn (already escaped where it carries values)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text or " ", MAX_TEXT)}}


def _value_section(value: Any) -> dict[str, Any]:
    """A section whose text is data (an answer's or a tool's text): escaped."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_field(value)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(text, 1900)}]}


def escape(value: Any) -> str:
    """A value for pace's own mrkdwn: control characters removed, `&`, `<`, `>` escaped."""
    return mrkdwn(value)


def echo(question: str, limit: int = 2000) -> str:
    """A person's question repeated into a channel: escaped, so it cannot ping or link."""
    return mrkdwn_field(question, limit)


def sql_button(key: str) -> dict[str, Any]:
    return {"type": "actions", "block_id": f"pace_sql:{key}", "elements": [
        {"type": "button", "action_id": SHOW_SQL, "text": {"type": "plain_text", "text": "Show SQL"}, "value": key}]}


def feedback_block(key: str) -> dict[str, Any]:
    return {"type": "context_actions", "block_id": FEEDBACK_BLOCK + key, "elements": [
        {"type": "feedback_buttons", "action_id": FEEDBACK,
         "positive_button": {"text": {"type": "plain_text", "text": "Good answer"}, "value": "good"},
         "negative_button": {"text": {"type": "plain_text", "text": "Wrong answer"}, "value": "bad"}}]}


def code_table(columns: list[str], rows: list[list[Any]], max_rows: int = 20) -> str:
    """A monospaced table in one block: cheap on the 50-block limit; escaped and always within the limit."""
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.2f}"
        return "" if v is None else str(v)

    return _code_table(columns, [[cell(v) for v in r] for r in rows[:max_rows]], total=len(rows))


def _renderer_blocks(answer: Answer) -> list[dict[str, Any]] | None:
    try:
        from assistant.render.slack import to_blocks
    except ImportError:
        return None
    return to_blocks(answer)


def _own_blocks(answer: Answer) -> list[dict[str, Any]]:
    period = answer.period.label or f"{answer.period.start} to {answer.period.end}" if answer.period else ""
    headline = "Answer" if answer.status == "answered" else answer.status.capitalize()
    if answer.status == "answered" and len(answer.rows) == 1 and answer.rows[0]:
        headline = f"{answer.rows[0][-1]} · {period}"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": plain_field(headline)}}, _value_section(answer.text)]
    if answer.columns and answer.rows:
        blocks.append(_mrkdwn(code_table(answer.columns, answer.rows)))
    p = answer.provenance
    if p is not None:
        metrics = ", ".join(f"{m.label} ({m.unit})" for m in p.metrics)
        trust = "verified query" if p.trusted else "not a verified query"
        blocks.append(_context(mrkdwn(f"{metrics} · {p.period}") + f" · {trust} · " + mrkdwn(p.freshness)))
    return blocks


def answer_blocks(answer: Answer, *, key: str, note: str | None = None) -> list[dict[str, Any]]:
    """Blocks for one answer; `key` finds its question and SQL again when a button is clicked."""
    blocks = _renderer_blocks(answer) or _own_blocks(answer)
    out: list[dict[str, Any]] = []
    for block in blocks:
        kinds = {e.get("type") for e in block.get("elements", []) if isinstance(e, dict)}
        ids = {e.get("action_id") for e in block.get("elements", []) if isinstance(e, dict)}
        if "feedback_buttons" in kinds or SHOW_SQL in ids:
            continue  # re-added below with this app's keys
        out.append(block)
    if note:
        out.insert(min(2, len(out)), _context(f":lock: {note}"))
    if answer.sql:
        out.append(sql_button(key))
    if answer.status in ("answered", "clarify", "abstain"):
        out.append(feedback_block(key))
    return out[:MAX_BLOCKS]


def result_blocks(title: str, result: dict[str, Any], *, key: str, note: str | None = None) -> list[dict[str, Any]]:
    """Blocks for a tool's result dict (text, columns, rows, sql, warnings), or the tool's own blocks."""
    if result.get("blocks"):
        own = list(result["blocks"])[: MAX_BLOCKS - 3]
        if note:
            own.insert(min(1, len(own)), _context(f":lock: {note}"))
        return own + ([sql_button(key)] if result.get("sql") else []) + [feedback_block(key)]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": plain_field(title)}},
                                    _value_section(result.get("text") or "")]
    if note:
        blocks.append(_context(f":lock: {note}"))
    if result.get("columns") and result.get("rows"):
        blocks.append(_mrkdwn(code_table(list(result["columns"]), list(result["rows"]))))
    for w in list(result.get("warnings") or [])[:3]:
        blocks.append(_context(":warning: " + mrkdwn_field(w, 1800)))
    if result.get("sql"):
        blocks.append(sql_button(key))
    blocks.append(feedback_block(key))
    return blocks[:MAX_BLOCKS]


def text_blocks(text: str) -> list[dict[str, Any]]:
    """One section of pace's own mrkdwn; values inside it must already be escaped (`mrkdwn`)."""
    return [_mrkdwn(text)]


def error_text(trace_id: str) -> str:
    return (f":warning: Sorry, something went wrong while answering. If it keeps happening, "
            f"tell the pace admins the trace id `{trace_id}`.")


def fallback_text(answer: Answer | str) -> str:
    """The notification text Slack shows where blocks cannot be (and screen readers read): escaped."""
    text = answer if isinstance(answer, str) else (answer.text or answer.status)
    return _fallback(text, 300)
