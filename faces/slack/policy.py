"""Cost visibility: answers shown where cost is not allowed lose their cost columns, dollar figures and
cost charts, and gain a note saying why (so nobody mistakes a redacted answer for a complete one)."""

from __future__ import annotations

import re
from typing import Any

from assistant.models import Answer

MONEY = re.compile(r"(?:US)?\$\s?-?[\d][\d,]*(?:\.\d+)?\s?(?:[kKmMbB]\b|million|billion|thousand)?")
COST_NAME = re.compile(r"(cost|usd|spend|price|billed|savings|dollar|budget|invoice)", re.IGNORECASE)
NOTE = ("Cost figures are hidden here: this channel and user are not on pace's cost access list "
        "(PACE_SLACK_COST_CHANNELS / PACE_SLACK_COST_USERS). Ask in a cost channel or ask an admin.")


def is_cost_column(name: str, cost_metrics: set[str] | None = None) -> bool:
    """A column holds money when its metric's unit is USD or its name says so."""
    return name in (cost_metrics or set()) or bool(COST_NAME.search(name))


def redact_text(text: str) -> str:
    """Replace every dollar amount with a placeholder."""
    return MONEY.sub("$[hidden]", text)


def _cost_metrics(answer: Answer) -> set[str]:
    p = answer.provenance
    return {m.name for m in (p.metrics if p else []) if m.unit.upper() in ("USD", "$")}


def redact_table(columns: list[str], rows: list[list[Any]], cost_metrics: set[str] | None = None) -> tuple[list[str], list[list[Any]], bool]:
    """Drop money columns; returns (columns, rows, whether anything was dropped)."""
    keep = [i for i, c in enumerate(columns) if not is_cost_column(c, cost_metrics)]
    if len(keep) == len(columns):
        return columns, rows, False
    return [columns[i] for i in keep], [[r[i] for i in keep] for r in rows], True


def redact_answer(answer: Answer) -> tuple[Answer, bool]:
    """A copy of the answer without cost figures, and whether anything was hidden."""
    cost_metrics = _cost_metrics(answer)
    columns, rows, dropped = redact_table(answer.columns, answer.rows, cost_metrics)
    text = redact_text(answer.text)
    changed = dropped or text != answer.text or bool(cost_metrics)
    if not changed:
        return answer, False
    out = answer.model_copy(deep=True)
    out.columns, out.rows, out.text = columns, rows, text
    if cost_metrics:
        out.chart = None  # a cost chart shows the figures as bar lengths
    if not out.columns:
        out.rows = []
    return out, True


def redact_result(result: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The same for a tool's dict result (text, columns, rows, chart)."""
    columns, rows, dropped = redact_table(list(result.get("columns") or []), list(result.get("rows") or []))
    text = redact_text(str(result.get("text") or ""))
    changed = dropped or text != str(result.get("text") or "")
    blocks = redact_blocks(result["blocks"]) if result.get("blocks") else None
    changed = changed or blocks != result.get("blocks")
    if not changed:
        return result, False
    out = dict(result, columns=columns, rows=rows, text=text, blocks=blocks)
    if dropped or blocks:
        out["chart"] = None
    return out, True


def redact_blocks(value: Any) -> Any:
    """Every text string inside Block Kit JSON, with dollar amounts hidden."""
    if isinstance(value, dict):
        return {k: (redact_text(v) if k == "text" and isinstance(v, str) else redact_blocks(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_blocks(v) for v in value]
    return value
