"""Eval cases in YAML: each base question with its paraphrases, expected status and hand-written gold SQL.

Gold SQL is written against the warehouse schema, never produced by the compiler. It may use one
placeholder, `{today}`: the as-of date ('today' for relative periods) as YYYY-MM-DD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from core.errors import UserError

QUESTIONS_DIR = Path(__file__).parent / "questions"
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
    def _consistent(self) -> Case:
        if bool(self.questions) == bool(self.turns):
            raise ValueError(f"case {self.id}: give either questions (paraphrases) or turns (a conversation)")
        if self.expect == "answered" and not self.gold_sql and not self.expect_tool:
            raise ValueError(f"case {self.id}: an answerable case needs gold_sql (or expect_tool for a tool answer)")
        if self.questions and len(self.questions) < 3 and self.category not in ("follow_up",):
            raise ValueError(f"case {self.id}: give the base question and at least 2 paraphrases")
        return self

    def gold(self, today: str) -> str | None:
        return self.gold_sql.replace("{today}", today) if self.gold_sql else None


def load_cases(directory: Path = QUESTIONS_DIR) -> list[Case]:
    """Every case from every YAML file, with errors that name the file and the case."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text()) or []
        except yaml.YAMLError as exc:
            raise UserError(f"{path}: not valid YAML ({exc})") from None
        for i, item in enumerate(raw):
            try:
                cases.append(Case(**item, source=path.name))
            except ValidationError as exc:
                why = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
                raise UserError(f"{path.name}: case #{i + 1} ({item.get('id', '?')}): {why}") from None
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"duplicate case ids: {', '.join(dupes)}")
    return cases
