"""'Total power draw': all allocated accelerators together, never one accelerator's mean with 'total' ignored.

DCGM_FI_DEV_POWER_USAGE is one GPU's draw, so `mean_power_w` is per accelerator. A total asks for the
draw of the fleet (or a team, a cluster) at once: the energy of the period over its length, kWh per
hour, which is kW. That is the energy metric with the per-hour rate (semantic_layer.derived), so the
answer stays the vetted energy definition; the note says how it was read.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.lexicon import mask
from assistant.planner.plan import PlannerPlan
from assistant.planner.units import UNIT_ASK, asked_unit

POWER_METRIC, ENERGY_METRIC = "mean_power_w", "energy_kwh"
_POWER_IN_KW = {"kW": 1.0, "W": 1000.0, "MW": 0.001}
"""Power units a fleet total may be asked in, and how many of each one kW is."""
_TOTAL = re.compile(r"(?<![\w-])(?:total|sum of|sum|combined|overall|aggregate|fleet[- ]wide|altogether|all together)(?![\w-])")


def total_power(parsed: Any, metrics: list[str], catalog: Any) -> tuple[list[str], list[str]] | PlannerPlan | None:
    """Mean power asked as a total -> energy per hour of the period (kW), with the note; None when it does not apply.

    A time series ('total power by day') has no single period to divide by, so it is a clarifying question.
    """
    if metrics != [POWER_METRIC] or ENERGY_METRIC not in getattr(catalog, "metrics", {}):
        return None
    found = _TOTAL.search(parsed.rest)
    if found is None:
        return None
    if parsed.grain is not None:
        said = next((h.phrase for h in parsed.metric_hits if h.target == POWER_METRIC), "power")
        both = f"{found.group(0)} {said}"
        return PlannerPlan(kind="clarify", replaces=both if both in parsed.text else said, options=["energy", "average power draw"],
                           message=(f"'{both}' over time: the energy of each bucket (kWh), or the mean draw of one accelerator "
                                    "(W)? A total draw in kW needs one period."))
    spans, notes = [found.span()], [f"'{found.group(0)} power': the draw of all allocated accelerators together, read as energy "
                                    f"per hour of the period (kWh per hour = kW); the mean per accelerator is `{POWER_METRIC}`."]
    unit = next((u for u in UNIT_ASK.finditer(parsed.rest) if asked_unit(u) in _POWER_IN_KW), None)
    if unit is not None:  # 'total power draw in MW': a power unit asked of the rate, which is in kW
        spans.append(unit.span())
        wanted = asked_unit(unit)
        if wanted != "kW":
            notes.append(f"Shown in kW, not {wanted} as asked: 1 kW = {_POWER_IN_KW[wanted]:g} {wanted}.")
    parsed.rest = mask(parsed.rest, spans)
    parsed.leftover = [w for w in parsed.rest.split() if w]
    parsed.per = "hour"
    return [ENERGY_METRIC], notes
