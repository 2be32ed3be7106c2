"""`PlannerPlan`: what a planner hands the graph (a query, model SQL, a clarifying question or an abstention)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from semantic_layer.query import MetricQuery

PlanKind = Literal["query", "sql", "clarify", "abstain", "error"]


class PlannerPlan(BaseModel):
    """A planner's decision; only `query` and `sql` plans go on to validation and execution."""

    kind: PlanKind
    planner: Literal["offline", "llm"] = "offline"
    query: MetricQuery | None = None
    sql: str | None = Field(default=None, description="Model-written SQL; runs only if the validator passes it.")
    confidence: float = 0.0
    message: str = Field(default="", description="Clarifying question, abstention reason or error.")
    options: list[str] = Field(default_factory=list, description="Concrete choices offered by a clarify plan.")
    replaces: str | None = Field(default=None, description="clarify: the word in the question an option replaces.")
    suggestions: list[str] = Field(default_factory=list, description="Answerable questions close to this one.")
    notes: list[str] = Field(default_factory=list, description="Assumptions the answer must state.")
    trusted: bool = Field(default=False, description="Built from a verified query.")
    verified_question: str | None = None
    period_label: str | None = None
    usage: dict[str, int] = Field(default_factory=dict, description="LLM token usage.")
