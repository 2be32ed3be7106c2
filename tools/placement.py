"""`pace placement`: which accelerator type should run a workload, at what count, cost, time and energy.

Every catalog type that can hold the model (memory of the count used, sharded as frameworks shard;
on-device work only on on-device types) is costed from observed throughput where the fleet's jobs
give enough history (median MFU of completed jobs of the same workload type on that type) and from
the catalog otherwise (peak TFLOP/s x a typical MFU), and the answer says which it used. Capacity is
the installed pool minus its recent p90 allocation; quota is the team's burst limit minus its own.
The arithmetic lives in `placement_model`, the SQL in `placement_sql`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from core.errors import UserError
from core.settings import Settings
from tools import placement_model as pm
from tools import placement_sql as q
from tools._warehouse import Warehouse

MIN_JOBS = 30  # fewer completed jobs than this is thin history: use the catalog
MIN_HOURS = 100.0
DEFAULT_POWER = 0.6  # share of TDP drawn when the type has no energy history
COLUMNS: tuple[str, ...] = ("rank", "accelerator", "count", "cluster", "hours", "cost_usd", "usd_per_1m_tokens",
                            "energy_kwh", "basis", "confidence", "fits_quota", "fits_capacity", "meets_deadline")


class Candidate(BaseModel):
    """One accelerator type that can run the workload, with the estimate and its reasons."""

    accelerator: str
    count: int
    cost_usd: float
    hours: float = Field(description="wall-clock hours to finish at this count")
    energy_kwh: float
    basis: str = Field(description="'observed' (jobs' MFU) or 'catalog' (peak x typical MFU)")
    fits_quota: bool | None = Field(description="None when no team was given")
    fits_capacity: bool
    why: str
    accelerator_hours: float
    cluster: str | None
    min_count: int
    mfu: float
    confidence: str
    sample_jobs: int
    tokens_per_hour: float = Field(description="tokens per accelerator-hour for this model size")
    usd_per_hour: float
    price_basis: str
    usd_per_1m_tokens: float
    meets_deadline: bool | None
    evidence_sql: list[str]


class Placement(BaseModel):
    """The ranked candidates (feasible first, then cheapest) and the types that cannot run it."""

    workload: str
    model_params: float
    params_given: bool = True
    tokens: float
    work_basis: str
    team: str | None
    deadline_days: float | None
    reference: str | None
    as_of: datetime
    candidates: list[Candidate]
    excluded: list[dict[str, str]]
    evidence: list[str]
    compare: list[str] = Field(default_factory=list, description="two types the summary compares head to head")

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[i + 1, c.accelerator, c.count, c.cluster, round(c.hours, 1), round(c.cost_usd, 2),
                 round(c.usd_per_1m_tokens, 4), round(c.energy_kwh, 1), c.basis, c.confidence, c.fits_quota,
                 c.fits_capacity, c.meets_deadline] for i, c in enumerate(self.candidates)]

    @property
    def evidence_sql(self) -> list[str]:
        return list(self.evidence)

    def candidate(self, accelerator: str) -> Candidate | None:
        return next((c for c in self.candidates if c.accelerator.lower() == accelerator.lower()), None)

    def to_json(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", exclude={"evidence", "compare"})
        out["summary"] = self.summary_text()
        out["evidence_sql"] = self.evidence_sql
        return out

    def summary_text(self, compare: list[str] | None = None) -> str:
        size = f"{_size(self.model_params)}-parameter{'' if self.params_given else ' (assumed)'} {self.workload}"
        work = f"{_size(self.tokens)} tokens ({self.work_basis})"
        if not self.candidates:
            sized = sorted((e for e in self.excluded if e["why"].startswith("needs")), key=lambda e: int(e["why"].split()[1]))
            closest = f" Closest: {sized[0]['accelerator']} {sized[0]['why']}." if sized else ""
            return (f"No accelerator in the catalog can run a {size} job on {work}: no type's largest pool holds "
                    f"its memory.{closest} Shrink the model (fewer parameters, LoRA, or 8/4-bit weights) or add capacity.")
        best = self.candidates[0]
        lead = (f"For a {size} job on {work}, the best placement is {best.count} x {best.accelerator}"
                f"{f' on {best.cluster}' if best.cluster else ''}: ${best.cost_usd:,.0f} "
                f"(${best.usd_per_1m_tokens:.3f} per 1M tokens), {best.hours:,.1f} h to finish, "
                f"{best.energy_kwh:,.0f} kWh; {best.basis} throughput, {best.confidence} confidence.")
        if best.fits_capacity is False or best.fits_quota is False or best.meets_deadline is False:
            lead += " No type meets every constraint: " + _blockers(best) + "."
        named = [c for c in (self.candidate(n) for n in (compare or self.compare)) if c is not None]
        if len(named) >= 2:
            a, b = named[0], named[1]
            diff = a.usd_per_1m_tokens / b.usd_per_1m_tokens - 1
            basis = f"{a.basis} throughput on both" if a.basis == b.basis else f"{a.basis} vs {b.basis} throughput"
            ratio = pm.ratio_words(a.accelerator, b.accelerator, a.tokens_per_hour, b.tokens_per_hour,
                                   a.usd_per_hour, b.usd_per_hour).split(": ")[1]
            lead = (f"{a.accelerator} costs ${a.usd_per_1m_tokens:.3f} per 1M tokens against ${b.usd_per_1m_tokens:.3f} on "
                    f"{b.accelerator}, {abs(diff):.0%} {'cheaper' if diff < 0 else 'dearer'}: {ratio} ({basis}). " + lead)
        others = "; ".join(c.why.split(". ")[0] + ("" if _feasible(c) else f" ({_blockers(c)})")
                           for c in self.candidates[1:3] if c.accelerator not in {n.accelerator for n in named})
        out = lead + (f" Next: {others}." if others else "")
        held = [e["accelerator"] for e in self.excluded if e["why"].startswith("needs")]
        if held:
            out += " Too small to hold it: " + ", ".join(held) + "."
        return out


def _size(n: float) -> str:
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:,.3g}{unit}"
    return f"{n:,.0f}"


def _blockers(c: Candidate) -> str:
    out = []
    if not c.fits_capacity:
        out.append("not enough free capacity")
    if c.fits_quota is False:
        out.append("over the team's quota")
    if c.meets_deadline is False:
        out.append("misses the deadline")
    return f"{c.accelerator} is " + " and ".join(out)


def place_workload(
    settings: Settings, workload: str, model_params: str | float | None = None, tokens: str | float | None = None,
    accelerator_hours: float | None = None, on_type: str | None = None, deadline_days: float | None = None,
    team: str | None = None,
) -> Placement:
    """Rank every catalog type that can run the workload; `on_type` alone names the reference to compare with."""
    wl = pm.workload_name(workload)
    params = pm.parse_params(model_params) if model_params is not None else pm.DEFAULT_PARAMS[wl]
    if tokens is not None and accelerator_hours is not None:
        raise UserError("give either --tokens or --accelerator-hours with --on, not both")
    if accelerator_hours is not None and (on_type is None or not accelerator_hours > 0):
        raise UserError("--accelerator-hours needs a positive number and --on TYPE (the type those hours are on)")
    if deadline_days is not None and not deadline_days > 0:
        raise UserError(f"--deadline must be a positive number of days, got {deadline_days}")
    amount = pm.parse_amount(tokens) if tokens is not None else None
    with Warehouse(settings) as wh:
        end = data_end(wh, settings)
        catalog = wh.run(q.catalog_sql())
        known = list(catalog["accelerator_type"])
        ref = known_type(on_type, known) if on_type else None
        if team is not None:
            teams = list(wh.run(q.TEAMS_SQL)["team"])
            if team not in teams:
                raise UserError(f"unknown team {team!r}; known teams: {', '.join(teams)}")
        queries = {"throughput": q.throughput_sql(wl, end), "catalog": q.catalog_sql(), "power": q.power_sql(wl, end),
                   "pools": q.pools_sql(end)} | ({"quota": q.quota_sql(team, end)} if team else {})
        frames = {k: (catalog if k == "catalog" else wh.run(v)) for k, v in queries.items()}
    rates = {row.accelerator_type: _rate(row, frames["throughput"], params, wl) for row in catalog.itertuples()}
    if amount is not None:
        work, basis = amount, "given"
    elif accelerator_hours is not None:
        work = accelerator_hours * rates[ref]["tph"]
        basis = f"{accelerator_hours:,.0f} accelerator-hours on {ref} at {rates[ref]['tph']:,.0f} tokens/h"
    else:
        work, basis = pm.DEFAULT_TOKENS, "no amount given: costed per 1B tokens"
    cands, excluded = [], []
    for row in catalog.itertuples():
        c = _candidate(row, wl, params, work, rates[row.accelerator_type], frames, deadline_days, team, queries, end)
        if isinstance(c, str):
            excluded.append({"accelerator": row.accelerator_type, "why": c})
        else:
            cands.append(c)
    cands.sort(key=lambda c: (not _feasible(c), c.cost_usd, c.hours))
    reference = ref if ref and any(c.accelerator == ref for c in cands) else (
        "H100" if any(c.accelerator == "H100" for c in cands) else (cands[0].accelerator if cands else None))
    _explain(cands, reference)
    return Placement(workload=wl, model_params=params, params_given=model_params is not None, tokens=work, work_basis=basis, team=team,
                     deadline_days=deadline_days, reference=reference, as_of=end, candidates=cands,
                     excluded=excluded, evidence=list(queries.values()))


def data_end(wh: Warehouse, settings: Settings) -> datetime:
    """The exclusive end of 'now': the day after PACE_AS_OF, else the hour after the last utilization row."""
    if settings.as_of is not None:
        return datetime(settings.as_of.year, settings.as_of.month, settings.as_of.day) + timedelta(days=1)
    last = wh.run(q.END_SQL)["last_hour"][0]
    if pd.isna(last):
        raise UserError("the warehouse has no utilization data; build one with `pace seed`")
    return pd.Timestamp(last).to_pydatetime() + timedelta(hours=1)


def known_type(name: str, known: list[str]) -> str:
    """The catalog spelling of a type named in any case; unknown names list the known ones."""
    match = next((k for k in known if k.lower() == name.strip().lower()), None)
    if match is None:
        raise UserError(f"unknown accelerator type {name!r}; known types: {', '.join(known)}")
    return match


def _rate(row: Any, tp: pd.DataFrame, params: float, wl: str) -> dict[str, Any]:
    """MFU, basis and confidence for one type: observed when its history is thick enough."""
    obs = tp[tp["accelerator_type"] == row.accelerator_type]
    jobs = int(obs["jobs"].iloc[0]) if len(obs) else 0
    hours = float(obs["accelerator_hours"].iloc[0]) if len(obs) else 0.0
    if jobs >= MIN_JOBS and hours >= MIN_HOURS:
        r = obs.iloc[0]
        mfu, lo, hi = float(r.mfu_median), float(r.mfu_p25), float(r.mfu_p75)
        spread = (hi - lo) / mfu if mfu else 1.0
        conf = "high" if jobs >= 200 and spread <= 0.35 else "medium"
        words = f"median MFU {mfu:.2f} (IQR {lo:.2f}-{hi:.2f}) over {jobs:,} completed {wl} jobs, {hours:,.0f} accelerator-hours"
        basis = "observed"
    else:
        mfu, conf, basis = pm.TYPICAL_MFU[wl], "low", "catalog"
        why = f"only {jobs} completed {wl} jobs in {q.HISTORY_DAYS} days" if jobs else f"no {wl} jobs with MFU in {q.HISTORY_DAYS} days"
        words = f"catalog peak {row.peak_bf16_tflops:g} TFLOP/s x typical {wl} MFU {mfu:.2f} ({why})"
    return {"mfu": mfu, "basis": basis, "confidence": conf, "jobs": jobs, "words": words,
            "tph": pm.tokens_per_hour(row.peak_bf16_tflops, mfu, params, wl)}


def _candidate(row: Any, wl: str, params: float, work: float, rate: dict[str, Any], frames: dict[str, pd.DataFrame],
               deadline: float | None, team: str | None, queries: dict[str, str], end: datetime) -> Candidate | str:
    """A costed candidate, or the reason this type cannot run the workload."""
    acc = row.accelerator_type
    if bool(row.on_device) != (wl == "on-device"):
        return "on-device hardware" if row.on_device else "on-device work runs only on on-device types"
    need = pm.min_count(params, wl, row.memory_gb)
    pools = frames["pools"][frames["pools"]["accelerator_type"] == acc]
    largest = int(pools["capacity"].max()) if len(pools) else 0
    if not largest:
        return "no installed capacity in any cluster"
    if need > largest:
        return (f"needs {need} accelerators to hold the model ({pm.memory_words(params, wl, row.memory_gb, need)}); "
                f"its largest pool has {largest}")
    acc_hours = work / rate["tph"]
    target = math.ceil(acc_hours / (deadline * 24)) if deadline else pm.TYPICAL_COUNT[wl]
    count = max(need, pm.round_count(target))
    pool = pools.sort_values(["free", "unused_commitment_per_day"], ascending=False).iloc[0]
    free = float(pool["free"])
    headroom = math.inf
    if team:
        qt = frames["quota"][frames["quota"]["accelerator_type"] == acc]
        headroom = float(qt["headroom"].iloc[0]) if len(qt) else 0.0
    limit = min(free, headroom)
    if count > limit >= need:
        count = max(need, _round_down(limit))
    hours = acc_hours / count
    price, price_words = pm.blended_price(row.on_demand_usd_per_hour, row.committed_usd_per_hour,
                                          float(pool["unused_commitment_per_day"]), min(count * 24.0, acc_hours),
                                          bool(pool["is_on_prem"]))
    cost = acc_hours * price
    power = frames["power"][frames["power"]["accelerator_type"] == acc]
    kw = next((float(v) for v in (power[["kw_workload", "kw_all"]].iloc[0] if len(power) else []) if pd.notna(v)), None)
    util = kw * 1000 / row.tdp_watts if kw else DEFAULT_POWER
    energy = row.tdp_watts / 1000 * util * acc_hours
    fits_capacity = count <= free
    fits_quota = None if not team else count <= headroom
    meets = None if not deadline else hours <= deadline * 24
    why = (f"{rate['tph']:,.0f} tokens per accelerator-hour ({rate['words']}); ${price:.2f}/h ({price_words}); "
           f"{count} x {acc} on {pool['cluster']} ({int(free)} free of {int(pool['capacity'])}"
           + (f"; team quota headroom {headroom:,.0f}" if team else "") + f"); memory: "
           + pm.memory_words(params, wl, row.memory_gb, count))
    evidence = [q.throughput_sql(wl, end, acc) if rate["basis"] == "observed" else q.catalog_sql(acc), q.pools_sql(end, acc)]
    return Candidate(accelerator=acc, count=count, cost_usd=round(cost, 2), hours=round(hours, 2),
                     energy_kwh=round(energy, 1), basis=rate["basis"], fits_quota=fits_quota, fits_capacity=fits_capacity,
                     why=why, accelerator_hours=round(acc_hours, 1), cluster=str(pool["cluster"]), min_count=need,
                     mfu=round(rate["mfu"], 4), confidence=rate["confidence"], sample_jobs=rate["jobs"],
                     tokens_per_hour=round(rate["tph"], 1), usd_per_hour=round(price, 4), price_basis=price_words,
                     usd_per_1m_tokens=price / rate["tph"] * 1e6, meets_deadline=meets, evidence_sql=evidence)


def _round_down(limit: float) -> int:
    n = int(limit)
    if n >= 8:
        return 8 * (n // 8)
    return 1 << (n.bit_length() - 1) if n >= 1 else 1


def _feasible(c: Candidate) -> bool:
    return c.fits_capacity and c.fits_quota is not False and c.meets_deadline is not False


def _explain(cands: list[Candidate], reference: str | None) -> None:
    """Lead each candidate's `why` with its arithmetic against the reference type."""
    ref = next((c for c in cands if c.accelerator == reference), None)
    for c in cands:
        if ref is None or c is ref:
            head = f"{c.accelerator} (reference): {c.tokens_per_hour:,.0f} tokens/h at ${c.usd_per_hour:.2f}/h = ${c.usd_per_1m_tokens:.3f} per 1M tokens"
        else:
            head = pm.ratio_words(c.accelerator, ref.accelerator, c.tokens_per_hour, ref.tokens_per_hour,
                                  c.usd_per_hour, ref.usd_per_hour)
        c.why = f"{head}. {c.why}"
