"""What running a query returns, shared by the DuckDB and Spark engines (its own module, so neither
engine imports the other for it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from semantic_layer.compiler import CompiledQuery


@dataclass
class QueryResult:
    """Rows and columns of one run, with the SQL that ran, timings and result-check warnings."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    elapsed_ms: float
    sql: str
    warnings: list[str] = field(default_factory=list)
    compiled: CompiledQuery | None = None

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]
