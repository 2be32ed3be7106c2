"""Errors of the semantic layer: catalog problems, unknown names, refused SQL. All are the caller's to fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import process

from core.errors import Refused, UserError


@dataclass(frozen=True)
class Issue:
    """One catalog validation finding, pointing at file, line and key, with the fix."""

    level: Literal["error", "warning"]
    message: str
    fix: str
    file: str = "<memory>"
    line: int = 0
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" ({self.key})" if self.key else "")
        return f"{where}: {self.message}; fix: {self.fix}"


class CatalogError(UserError):
    """The definitions do not load or validate; carries every error found (capped in the message)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        shown = [str(i) for i in issues[:10]]
        more = f"\n... and {len(issues) - 10} more" if len(issues) > 10 else ""
        super().__init__("semantic layer definitions are invalid:\n" + "\n".join(shown) + more)


class SQLRefused(Refused):
    """The validator declined a statement; the message says exactly what to change."""


def did_you_mean(name: str, choices: Iterable[str], *, limit: int = 3, cutoff: float = 60) -> str:
    """' did you mean `a` or `b`?' for the closest choices, else ''."""
    pool = sorted(set(choices))
    matches = [m[0] for m in process.extract(name, pool, limit=limit, score_cutoff=cutoff)]
    if not matches:
        return ""
    return " did you mean " + " or ".join(f"`{m}`" for m in matches) + "?"
