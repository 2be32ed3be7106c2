"""Eval cases in YAML: each base question with its paraphrases, expected status and hand-written gold SQL.

Gold SQL is written against the warehouse schema, never produced by the compiler, and never holds a
fixed date: it is written relative to the as-of date through placeholders (`placeholders()` lists
them: `{today}`, `{week_start}`, `{last_month_start}`, ...), so the same case is right on any day.
Questions may use the name placeholders (`{last_month_name}`) to say "in October" on any day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from core.errors import UserError
from tools.specs import NAMES as TOOL_NAMES
from tools.specs import specs

QUESTIONS_DIR = Path(__file__).parent / "questions"
FROZEN_DIR = Path(__file__).parent / "frozen"
SUITE_DIRS = {"questions": QUESTIONS_DIR, "frozen": FROZEN_DIR}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
Status = Literal["answered", "clarify", "abstain", "refused"]


class Case(BaseModel):
    """One base question (or a multi-turn conversation whose last turn is scored)."""

    id: str
    category: str
    questions: list[str] = Field(default_factory=list, description="Paraphrases; each is run separately.")
    turns: list[str] = Field(default_factory=list, description="A conversation in one thread; the last turn is scored.")
    expect: Status = "answered"
    gold_sql: str | None = None
    ordered: bool = Field(default=False, description="The question asks for an order (top-N, ranked).")
    expect_tool: str | None = Field(
        default=None, description="Answered by this registry tool instead of gold SQL: that intent, answered, rows."
    )
    source: str = ""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Case:
        if bool(self.questions) == bool(self.turns):
            raise ValueError(f"case {self.id}: give either questions (paraphrases) or turns (a conversation)")
        if self.expect == "answered" and not self.gold_sql and not self.expect_tool:
            raise ValueError(f"case {self.id}: an answerable case needs gold_sql (or expect_tool for a tool answer)")
        if self.expect_tool and self.expect_tool not in TOOL_NAMES:
            raise ValueError(f"case {self.id}: unknown tool {self.expect_tool!r}; the tool specs are {', '.join(TOOL_NAMES)}")
        need = (info.context or {}).get("min_paraphrases", 3)
        if self.questions and len(self.questions) < need and self.category not in ("follow_up",):
            raise ValueError(f"case {self.id}: give the base question and at least {need - 1} paraphrases")
        for text in [self.gold_sql or "", *self.questions, *self.turns]:
            unknown = set(_PLACEHOLDER.findall(text)) - set(PLACEHOLDERS)
            if unknown:
                raise ValueError(f"case {self.id}: unknown placeholder(s) {sorted(unknown)}; known: {', '.join(PLACEHOLDERS)}")
        return self

    def gold(self, today: str) -> str | None:
        """The gold SQL with every placeholder resolved against the as-of date `today` (YYYY-MM-DD)."""
        return fill(self.gold_sql, today) if self.gold_sql else None

    def asked(self, today: str) -> list[list[str]]:
        """What is asked: each paraphrase alone, or the conversation's turns, placeholders resolved."""
        prompts = [[q] for q in self.questions] if self.questions else [self.turns]
        return [[fill(t, today) for t in turns] for turns in prompts]


def tool_cases() -> list[Case]:
    """One routing case per example question of every tool spec (tools/specs.py): that tool answers it."""
    return [Case(id=f"tool_{spec.name}_{i}", category="tool_routing", turns=[example], expect_tool=spec.name,
                 source="tools/specs.py")
            for spec in specs() for i, example in enumerate(spec.examples)]


def placeholders(today: date) -> dict[str, str]:
    """The as-of date and the period boundaries people mean relative to it (weeks start on Monday).

    >>> p = placeholders(date(2026, 6, 1))
    >>> p["last_week_start"], p["week_start"], p["last_month_start"], p["month_start"], p["last_month_name"]
    ('2026-05-25', '2026-06-01', '2026-05-01', '2026-06-01', 'May')
    >>> p["last_quarter_name"], p["last_quarter_start"], p["quarter_start"], placeholders(date(2026, 1, 5))["last_quarter_start"]
    ('Q1', '2026-01-01', '2026-04-01', '2025-10-01')
    """
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    prev_month = (last_month - timedelta(days=1)).replace(day=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter = date(quarter.year - (quarter.month == 1), (quarter.month - 4) % 12 + 1, 1)
    return {
        "today": today.isoformat(),
        "yesterday": (today - timedelta(days=1)).isoformat(),
        "week_start": week.isoformat(),
        "last_week_start": (week - timedelta(days=7)).isoformat(),
        "month_start": month.isoformat(),
        "last_month_start": last_month.isoformat(),
        "last_month_mid": last_month.replace(day=15).isoformat(),
        "prev_month_start": prev_month.isoformat(),
        "quarter_start": quarter.isoformat(),
        "last_quarter_start": last_quarter.isoformat(),
        "year_start": date(today.year, 1, 1).isoformat(),
        "last_month_name": calendar.month_name[last_month.month],
        "last_month_name_lc": calendar.month_name[last_month.month].lower(),
        "last_month_year": str(last_month.year),
        "prev_month_name": calendar.month_name[prev_month.month],
        "last_quarter_name": f"Q{(last_quarter.month - 1) // 3 + 1}",
        "last_quarter_year": str(last_quarter.year),
    }


PLACEHOLDERS = tuple(placeholders(date(2026, 1, 1)))


def fill(text: str, today: str) -> str:
    """`text` with `{name}` placeholders replaced; other braces are left alone."""
    values = placeholders(date.fromisoformat(today))
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def load_cases(directory: Path = QUESTIONS_DIR, *, min_paraphrases: int = 3) -> list[Case]:
    """Every case from every YAML file, with errors that name the file and the case.

    The tuned suite asks each question in at least 3 wordings; the frozen split asks each once, as
    people do (`load_suite`).
    """
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text()) or []
        except yaml.YAMLError as exc:
            raise UserError(f"{path}: not valid YAML ({exc})") from None
        for i, item in enumerate(raw):
            try:
                cases.append(Case.model_validate({**item, "source": path.name}, context={"min_paraphrases": min_paraphrases}))
            except ValidationError as exc:
                why = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
                raise UserError(f"{path.name}: case #{i + 1} ({item.get('id', '?')}): {why}") from None
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"duplicate case ids: {', '.join(dupes)}")
    return cases


def load_suite(name: str) -> list[Case]:
    """The cases of a question suite by name: `questions` (tuned) or `frozen` (held out, never tuned on)."""
    if name not in SUITE_DIRS:
        raise UserError(f"no question suite {name!r}; known: {', '.join(SUITE_DIRS)}")
    return load_cases(SUITE_DIRS[name], min_paraphrases=3 if name == "questions" else 1)
