"""Measures people name that pace does not hold: say which one is missing and what is closest, never substitute.

The names come from the field's documents (NVIDIA DCGM field identifiers and dcgm-exporter's counters,
Slurm's sacct fields, the FinOps Foundation's FOCUS and sustainability terms), not from failed
questions; docs/field-measures.md lists each with its source. A question that names one of them gets
"pace has no X; the closest is Y" (an abstention with the closest catalog metrics as suggestions)
instead of a generic "could not place" or, worse, a nearby metric answered with full confidence.
Only words the catalog left unplaced count, so a catalog that gains the measure answers it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.planner.governance_words import GAPS as GOVERNANCE_GAPS
from assistant.planner.plan import PlannerPlan


@dataclass(frozen=True)
class Missing:
    """One measure the warehouse lacks: how people say it, what it is in its source, what pace has nearby."""

    pattern: re.Pattern[str]
    what: str
    source: str
    closest: tuple[str, ...]
    spelled: tuple[str, ...] = ()
    """Its long words, which a misspelling ('temprature') within edit distance 2 still names."""


def _p(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])")


MISSING: tuple[Missing, ...] = (
    Missing(_p(r"(?:gpu |memory |hbm |core )?(?:temperature|temp)s?|thermals?|overheat\w*|degrees? (?:c|celsius)|celsius"),
            "GPU temperature", "DCGM_FI_DEV_GPU_TEMP and DCGM_FI_DEV_MEMORY_TEMP (degrees C) are not among the fields pace ingests",
            ("mean_power_w", "peak_power_w"), ("temperature", "thermal", "celsius")),
    Missing(_p(r"(?:sm|gpu|memory|mem|core|graphics|boost) clocks?|clock (?:speed|rate|frequenc\w*)s?|clocks|mhz"),
            "clock frequency", "DCGM_FI_DEV_SM_CLOCK and DCGM_FI_DEV_MEM_CLOCK (MHz) are not among the fields pace ingests",
            ("gpu_sm_activity_pct", "sm_activity_pct")),
    Missing(_p(r"throttl\w*|clock events?|power cap\w*|power limit\w*"),
            "clock throttling", "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS (clock event reasons) is not among the fields pace ingests",
            ("peak_power_w", "mean_power_w"), ("throttling", "throttled")),
    Missing(_p(r"xids?(?: errors?)?|ecc(?: errors?)?|double[- ]bit(?: errors?)?|single[- ]bit(?: errors?)?|retired pages?|"
               r"row remap\w*|(?:gpu|hardware) (?:errors?|faults?)"),
            "GPU hardware errors (XID, ECC)",
            "DCGM_FI_DEV_XID_ERRORS and the ECC counters (DCGM_FI_DEV_ECC_*_VOL_TOTAL) are not among the fields pace ingests",
            ("incidents", "failed_jobs")),
    Missing(_p(r"pcie?(?: (?:bandwidth|traffic|throughput))?|pci-e|nvlink(?: (?:bandwidth|traffic|throughput))?|interconnect"),
            "PCIe or NVLink traffic",
            "DCGM_FI_PROF_PCIE_TX_BYTES / RX_BYTES and DCGM_FI_PROF_NVLINK_TX_BYTES / RX_BYTES are not among the fields pace ingests",
            ("gpu_dram_activity_pct",)),
    Missing(_p(r"sm occupancy|occupancy|warp occupancy"),
            "SM occupancy", "DCGM_FI_PROF_SM_OCCUPANCY is not among the fields pace ingests",
            ("gpu_sm_activity_pct", "sm_activity_pct"), ("occupancy",)),
    Missing(_p(r"fp64|fp32|fp16|double precision|single precision|half precision"),
            "per-precision pipe activity", "DCGM_FI_PROF_PIPE_FP64_ACTIVE / FP32 / FP16 are not among the fields pace ingests",
            ("gpu_tensor_activity_pct", "mfu_pct")),
    Missing(_p(r"cpu (?:time|hours?|seconds|usage|utili[sz]ation|efficiency)|cpus?|cpu cores?|vcpus?|totalcpu|cputime"),
            "CPU time", "Slurm's CPUTime and TotalCPU (sacct) are not loaded: pace keeps accelerators per job, not CPUs",
            ("job_accelerator_hours", "job_duration_avg_hours")),
    Missing(_p(r"(?:host|system|cpu|node) (?:memory|ram)|maxrss|max rss|resident (?:set|memory)|reqmem"),
            "host (CPU) memory", "Slurm's MaxRSS and ReqMem (sacct) are not loaded: pace keeps accelerator memory only",
            ("avg_memory_used_gb", "memory_used_pct")),
    Missing(_p(r"carbon(?: footprint| emissions?| intensity)?|co2e?|emissions?|greenhouse gas\w*|ghg"),
            "carbon emissions", "pace holds no grid carbon intensity, so energy cannot be turned into emissions",
            ("energy_kwh",), ("emissions", "footprint")),
    Missing(_p(r"pue|power usage effectiveness|facility power|cooling (?:power|energy|cost)"),
            "facility power (PUE)", "PUE needs facility meter readings (cooling, distribution); pace holds accelerator energy only",
            ("energy_kwh", "mean_power_w")),
    Missing(_p(r"fan speeds?|fans?"),
            "fan speed", "DCGM_FI_DEV_FAN_SPEED is not among the fields pace ingests",
            ("mean_power_w", "peak_power_w")),
    Missing(_p(r"blended(?: costs?| rates?)?"),
            "blended cost", "blended rates are an AWS Cost and Usage Report notion with no FOCUS column (FOCUS BilledCost is the "
            "unblended invoice cost)", ("billed_cost_usd", "effective_cost_usd")),
    Missing(_p(r"credits?|refunds?|taxe?s?|vat"),
            "credit, refund or tax lines", "none are in the loaded cost data (FOCUS ChargeCategory Credit, Tax, Adjustment)",
            ("billed_cost_usd", "effective_cost_usd")),
    Missing(_p(r"purchases?|upfront (?:fees?|payments?)|one-time (?:fees?|charges?)"),
            "purchase lines", "none are in the loaded cost data (FOCUS ChargeCategory Purchase: upfront and one-time fees)",
            ("billed_cost_usd", "effective_cost_usd")),
    Missing(_p(r"spot(?: instances?| vms?| pricing| capacity| market)?"),
            "spot-priced cost lines", "none are in the loaded cost data (FOCUS PricingCategory Dynamic is how a bill marks "
            "spot usage)", ("effective_cost_usd",)),
    Missing(_p(r"(?:annual(?:i[sz]ed)?|yearly|monthly|current)?\s*run[- ]rates?|annuali[sz]ed (?:spend|cost|bill|run)"),
            "run rate", "a run rate extrapolates recent spend to a month or a year (FinOps), a projection the catalog does not "
            "make; it measures what was spent, and 'average daily spend' gives the pace to extrapolate from",
            ("effective_cost_usd", "cumulative_effective_cost_usd"), ("annualized",)),
    Missing(_p(r"budgets?|budgeted|over budget|under budget"),
            "budgets", "no budget is loaded (FOCUS cost data carries no budget)",
            ("effective_cost_usd", "cumulative_effective_cost_usd")),
)


MISSING += tuple(Missing(_p(words), what, why, closest) for words, what, why, closest in GOVERNANCE_GAPS)


def missing_measure(text: str, leftover: list[str]) -> Missing | None:
    """The missing measure a folded question names with a word the catalog left unplaced, else None.

    >>> missing_measure("gpu temperature by cluster", ["temperature"]).what
    'GPU temperature'
    >>> missing_measure("wall clock time of jobs", ["wall"]) is None
    True
    """
    left = set(leftover)
    for entry in MISSING:
        for m in entry.pattern.finditer(text):
            if left & set(m.group(0).split()):
                return entry
    return None


def misspelled_missing(unknown: list[str]) -> Missing | None:
    """The missing measure an unplaced word misspells ('temprature'), same first letter and within edit distance 2.

    Only for a question that is abstaining anyway: the answer then says what pace lacks instead of "could not place".

    >>> misspelled_missing(["gpu", "temprature"]).what
    'GPU temperature'
    >>> misspelled_missing(["temporary"]) is None
    True
    """
    from rapidfuzz.distance import Levenshtein

    for word in (w for w in unknown if len(w) >= 6):
        for entry in MISSING:
            if any(word[0] == k[0] and Levenshtein.distance(word, k, score_cutoff=2) <= 2 for k in entry.spelled):
                return entry
    return None


def missing_abstain(entry: Missing, catalog: Any, period_words: str = "last week") -> PlannerPlan:
    """'pace has no X (why); the closest is Y': an abstention whose suggestions ask for Y, naming only metrics that exist."""
    metrics = getattr(catalog, "metrics", {})
    near = [name for name in entry.closest if name in metrics]
    labels = [f"{getattr(metrics[n], 'label', n)} (`{n}`)" for n in near]
    closest = f" The closest it has: {' or '.join(labels)}." if labels else " Nothing in the catalog measures it."
    return PlannerPlan(kind="abstain", confidence=0.0, message=f"pace has no {entry.what}: {entry.source}.{closest}",
                       suggestions=[f"{getattr(metrics[n], 'label', n)} {period_words}" for n in near])


__all__ = ["MISSING", "Missing", "misspelled_missing", "missing_abstain", "missing_measure"]
