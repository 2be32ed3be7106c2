"""The LLM planner's eval subset (evals/llm_subset.yaml): cases named by id, trimmed to N paraphrases.

Cases keep their gold SQL and expected status from evals/questions/; only the list of questions is
shortened, so the subset is scored exactly as the full suite is.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from evals.cases import Case, load_cases
from core.errors import UserError

SUBSET_PATH = Path(__file__).parent / "llm_subset.yaml"


def load_llm_subset(path: Path = SUBSET_PATH, cases: list[Case] | None = None) -> list[Case]:
    """The subset's cases, in the file's order, each asking its first `paraphrases` questions."""
    raw = yaml.safe_load(path.read_text()) or {}
    n = int(raw.get("paraphrases", 1))
    if n < 1:
        raise UserError(f"{path.name}: paraphrases must be at least 1")
    by_id = {c.id: c for c in (cases if cases is not None else load_cases())}
    out: list[Case] = []
    for entry in raw.get("cases") or []:
        case_id = entry["id"] if isinstance(entry, dict) else str(entry)
        if case_id not in by_id:
            raise UserError(f"{path.name}: unknown case id {case_id!r}")
        case = by_id[case_id]
        out.append(case.model_copy(update={"questions": case.questions[:n]}) if case.questions else case)
    if len({c.id for c in out}) != len(out):
        raise UserError(f"{path.name}: a case is named twice")
    return out
