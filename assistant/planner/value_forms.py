"""A dimension value answers to every way it is written, and to the codes its source documents.

Three rules, for the value matcher (`Lexicon.from_catalog`) and the planner:

- **Written forms.** A value is matched by its words however they are joined: `out_of_memory`,
  'out-of-memory' and 'out of memory' are one value (`lexicon.fold` turns underscores and hyphens
  between letters into spaces on both sides of the match).
- **Documented domains.** A dimension whose values come from a documented code set answers to every
  code of the set, not only the ones this warehouse happens to hold: Slurm's job states (sacct(1) and
  squeue(1), JOB STATE CODES). A generated warehouse holds four of them; "how many jobs ran out of
  memory" still means Slurm's OUT_OF_MEMORY, and the answer says that no job here is in that state
  (`absent_values`) rather than abstaining or answering about another state. Only the ended states are
  added: running and pending jobs are counted by the current-state metrics, and 'running' is also a
  time verb (planner.job_times).
- **Codes.** Slurm's compact codes (CA, CD, F, OOM, TO, PR, NF, PD, R, BF, DL, RQ, S; squeue(1) JOB
  STATE CODES) name a state only where the question says it is one ('state PD', 'status=CD', 'ST R'):
  on their own they are English or other abbreviations ('to', 'CA' for California, 'DL' for deep
  learning, 'PR' for a pull request). 'OOM' is read with its verb by planner.job_words ('OOM-killed'
  is OUT_OF_MEMORY, not CANCELLED).

A value named by a word that several dimensions hold ('cancelled': a job state and a request status)
is settled by the metrics the question asks for (`settle_by_reach`): where exactly one of the
dimensions can filter every metric named, that is the one; otherwise the planner asks.
"""

from __future__ import annotations

import re
from typing import Any

from telemetry.schema import ENDED_JOB_STATES

DOMAINS: dict[str, tuple[str, ...]] = {"job_state": ENDED_JOB_STATES}
"""Dimension -> the documented values it answers to even when the data holds none of them."""

SLURM_CODES: dict[str, str] = {
    # squeue(1) JOB STATE CODES, compact form -> pace's state (the long name in lower case; sacct(1) writes the long name)
    "BF": "boot_fail", "CA": "cancelled", "CD": "completed", "DL": "deadline", "F": "failed", "NF": "node_fail",
    "OOM": "out_of_memory", "PR": "preempted", "TO": "timeout", "PD": "pending", "R": "running", "RQ": "requeued",
    "S": "suspended", "RV": "revoked",
}
_STATE_WORD = re.compile(r"(?:\b(?:whose|with|having|in|at|of)\s+(?:a\s+|the\s+)?)?\b(?:job\s+)?(?:state|status|st)\s*(?:=|:|is|of|in)?\s*(" + "|".join(sorted(SLURM_CODES, key=len, reverse=True))
                         + r")\b", re.I)


def domain_values(name: str, dim: Any) -> list[Any]:
    """The values a dimension answers to: those in the data, then its documented domain's others.

    >>> from types import SimpleNamespace as NS
    >>> domain_values("job_state", NS(values=["completed", "failed"]))[:3]
    ['completed', 'failed', 'preempted']
    >>> domain_values("team", NS(values=["atlas"]))
    ['atlas']
    """
    have = list(getattr(dim, "values", []) or [])
    seen = {str(v).lower() for v in have}
    return have + [v for v in DOMAINS.get(name, ()) if v not in seen]


def spelled_codes(question: str) -> tuple[str, list[str]]:
    """The question with each Slurm state code that names a state written as the state, and notes saying so.

    >>> spelled_codes("how many jobs in state PD right now")[0]
    'how many jobs in job state pending right now'
    >>> spelled_codes("jobs whose status=CA last week")[0]
    'jobs in job state cancelled last week'
    >>> spelled_codes("how many DL jobs ran in CA")[0]
    'how many DL jobs ran in CA'
    """
    notes: list[str] = []

    def spell(m: re.Match[str]) -> str:
        code = m.group(1).upper()
        state = SLURM_CODES[code]
        notes.append(f"Read '{m.group(1)}' as Slurm's state code for {state.upper()} (squeue(1) JOB STATE CODES).")
        return "in job state " + state.replace("_", " ")  # 'status' alone is also a request's: the job state it is

    return _STATE_WORD.sub(spell, question), list(dict.fromkeys(notes))


def settle_by_reach(hits: list[Any], metrics: list[str], reach: Any) -> Any | None:
    """The one value hit whose dimension can filter every metric named, else None (the planner asks).

    `hits` name one phrase's candidate (dimension, value) pairs; `reach(metric)` gives the dimensions a
    metric can be filtered by (None: unknown, so nothing is settled).
    """
    if not metrics:
        return None
    reaches = [reach(m) for m in metrics]
    if any(r is None for r in reaches):
        return None
    fits = [h for h in hits if all(h.target in r for r in reaches)]
    return fits[0] if len({(h.target, h.value) for h in fits}) == 1 else None


def absent_values(query: Any, catalog: Any) -> list[str]:
    """Notes for filter values of a documented domain that this warehouse holds no row of.

    The query filters on them all the same (it asks for exactly that state); the note says none are
    recorded and which are, so a zero is read as 'none recorded here', not as a measured zero.
    """
    notes = []
    for f in getattr(query, "filters", []):
        dim = getattr(catalog, "dimensions", {}).get(f.dimension)
        if f.dimension not in DOMAINS or dim is None or not getattr(dim, "values", None):
            continue
        have = {str(v).lower() for v in dim.values}
        missing = [str(v) for v in f.values if str(v).lower() not in have]
        if missing:
            notes.append(f"No job in this warehouse is recorded in Slurm state {', '.join(m.upper() for m in missing)} "
                         f"(the states it holds: {', '.join(sorted(have))}), so none are counted.")
    return notes

