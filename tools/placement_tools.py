"""Placement and platform review in the agent's registry shape: `(settings, question, time_range) -> result`
with `.summary_text()`, `.columns`, `.rows` and `.evidence_sql` (see tools/registry.py).

The question's details are read by `placement_question` against the names the warehouse holds.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from core.errors import UserError
from core.settings import Settings
from tools import placement_sql as q
from tools._warehouse import Warehouse
from tools.placement import Placement, place_workload
from tools.placement_question import named_types, read_question
from tools.platform_review import PlatformReview, review_platform

_PER_TOKEN = re.compile(r"\bper\b.{0,16}\btokens?\b|\binference\b", re.IGNORECASE)


def _catalog(settings: Settings) -> tuple[pd.DataFrame, list[str]]:
    with Warehouse(settings) as wh:
        return wh.run(q.catalog_sql()), list(wh.run(q.TEAMS_SQL)["team"])


def _rows(catalog: pd.DataFrame) -> list[tuple[str, str, bool]]:
    return [(str(r.accelerator_type), str(r.kind), bool(r.on_device)) for r in catalog.itertuples()]


def placement_tool(settings: Settings, question: str, time_range: Any = None) -> Placement:
    """Where to run the workload the question describes; two named types are compared head to head."""
    catalog, teams = _catalog(settings)
    ask = read_question(question, _rows(catalog), teams)
    workload = ask.workload or ("batch-inference" if _PER_TOKEN.search(question[:2000]) else "training")
    reference = ask.reference or (ask.types[0] if len(ask.types) == 1 else None)
    result = place_workload(settings, workload, model_params=ask.model_params, tokens=ask.tokens, on_type=reference,
                            deadline_days=ask.deadline_days, team=ask.team)
    others = [t for t in ask.types if t != reference]
    if others and reference:
        result.compare = [others[0], reference]
    return result


def platform_review_tool(settings: Settings, question: str, time_range: Any = None) -> PlatformReview:
    """Review the type the question names ('the TPU pilot'), else the most recently introduced one."""
    catalog, _ = _catalog(settings)
    types = named_types(question[:2000], _rows(catalog))
    if types:
        acc = types[0]
    else:
        newest = catalog.dropna(subset=["introduced_on"]).sort_values("introduced_on")
        if newest.empty:
            raise UserError("no accelerator type was introduced recently; name the type to review, e.g. 'how is H200 doing?'")
        acc = str(newest["accelerator_type"].iloc[-1])
    since = None
    if time_range is not None:
        since = time_range[0] if isinstance(time_range, (tuple, list)) else getattr(time_range, "start", None)
    return review_platform(settings, acc, since=since)
