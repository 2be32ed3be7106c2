"""`pace platform-review TYPE`: how a newly introduced accelerator type does against the incumbents.

The window starts when the type was introduced (the catalog's `introduced_on`), or at `since`, or 90
days before the data's end for a type that has always been there. Incumbents are the other types
running the same workload types in that window; every rate is compared workload by workload and
weighted by the new type's own mix, so a type that only runs evaluations is not judged on training.

The recommendation is rule-based and says which rule fired:
fix first - an open SEV1/SEV2; a job failure or preemption rate 1.5x the incumbents' and 2 points
            above (and more than 2 standard errors, so a handful of jobs cannot trip it); or more
            incidents than the incumbents' rate per accelerator-hour makes likely (Poisson p < 0.05);
expand    - otherwise, when throughput per $ is at least the incumbents', last week's busy share is
            at least 90% of theirs, and more than one team uses it;
hold      - everything else (the reasons name the criterion that is missing).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel

from core.errors import UserError
from core.settings import Settings
from tools import placement_sql as psql
from tools import platform_review_sql as q
from tools._warehouse import Warehouse
from tools.placement import data_end, known_type

DEFAULT_DAYS = 90
COLUMNS: tuple[str, ...] = ("accelerator_type", "workload", "role", "accelerator_hours", "busy_pct", "jobs",
                            "failure_pct", "preemption_pct", "work_unit", "work_per_accelerator_hour",
                            "usd_per_accelerator_hour", "work_per_usd", "work_per_kwh")


class PlatformReview(BaseModel):
    """Adoption, ramp, reliability, efficiency and incidents of one type, and what to do next."""

    accelerator_type: str
    since: datetime
    end: datetime
    introduced_on: date | None
    workloads: list[str]
    incumbents: list[str]
    adoption: list[dict[str, Any]]
    comparison: list[dict[str, Any]]
    measures: dict[str, float | None]
    incidents: list[dict[str, Any]]
    open_issues: list[dict[str, Any]]
    recommendation: str
    reasons: list[str]
    evidence: list[str]

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[r["accelerator_type"], r["workload_type"], r["role"], round(r["accelerator_hours"], 1),
                 _pct(r["busy_share"]), r["jobs"], _pct(r["failure_rate"]), _pct(r["preemption_rate"]), r["work_unit"],
                 _round(r["work_per_accelerator_hour"]), _round(r["usd_per_accelerator_hour"], 3),
                 _round(r["work_per_usd"]), _round(r["work_per_kwh"])] for r in self.comparison]

    @property
    def evidence_sql(self) -> list[str]:
        return list(self.evidence)

    def to_json(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", exclude={"evidence"})
        out["summary"] = self.summary_text()
        out["evidence_sql"] = self.evidence_sql
        return out

    def summary_text(self) -> str:
        acc, m = self.accelerator_type, self.measures
        days = (self.end - self.since).days
        if not self.adoption:
            return f"{acc} has no allocated accelerator-hours since {self.since:%Y-%m-%d}; nothing to review. Recommendation: hold."
        first, last = self.adoption[0], self.adoption[-1]
        parts = [
            f"{acc} since {self.since:%Y-%m-%d} ({days} days, {', '.join(self.workloads)} against "
            f"{', '.join(self.incumbents) or 'no incumbents'}): {last['accelerator_hours']:,.0f} accelerator-hours and "
            f"{last['teams']} teams in the week of {last['week']:%Y-%m-%d}, from {first['accelerator_hours']:,.0f} and "
            f"{first['teams']} in its first week; busy share {_p(first['busy_share'])} -> {_p(last['busy_share'])} "
            f"(incumbents {_p(m['busy_incumbents'])}).",
            f"Job failures {_p(m['failure_new'])} vs {_p(m['failure_incumbents'])} for the incumbents on the same work, "
            f"preemptions {_p(m['preemption_new'])} vs {_p(m['preemption_incumbents'])}; throughput per $ "
            f"{_x(m['per_usd_ratio'])} and per kWh {_x(m['per_kwh_ratio'])} the incumbents'.",
            f"{m['incidents_new']:.0f} incidents ({m['major_new']:.0f} SEV1/SEV2, {m['open_new']:.0f} open): "
            f"{m['incident_rate_new']:.3f} per 1,000 accelerator-hours vs {m['incident_rate_incumbents']:.3f}; "
            f"{m['pending_requests']:.0f} pending compute requests.",
            f"Recommendation: {self.recommendation} ({'; '.join(self.reasons)}).",
        ]
        return " ".join(parts)


def _pct(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v) * 100, 1)


def _round(v: Any, digits: int = 1) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), digits)


def _p(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def _x(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def review_platform(settings: Settings, accelerator_type: str, since: date | datetime | str | None = None) -> PlatformReview:
    """Review `accelerator_type` from `since` (default: its introduction) to the data's end."""
    with Warehouse(settings) as wh:
        end = data_end(wh, settings)
        catalog = wh.run(psql.catalog_sql())
        acc = known_type(accelerator_type, list(catalog["accelerator_type"]))
        intro = catalog.loc[catalog["accelerator_type"] == acc, "introduced_on"].iloc[0]
        intro = None if pd.isna(intro) else pd.Timestamp(intro).date()
        start = _start(since, intro, end)
        queries = {"compare": q.compare_sql(acc, start, end), "incidents": q.incidents_sql(start, end),
                   "open": q.open_issues_sql(acc, start, end), "teams": q.adoption_teams_sql(acc, start, end)}
        frames = {k: wh.run(v) for k, v in queries.items()}
        frames["adoption"], queries["adoption"] = _adoption(wh, acc, start, end, frames.pop("teams"))
    comp = frames["compare"].copy()
    comp["role"] = ["new" if t == acc else "incumbent" for t in comp["accelerator_type"]]
    comp["work_per_usd"] = comp["work_per_accelerator_hour"] / comp["usd_per_accelerator_hour"]
    comp["work_per_kwh"] = comp["work_per_accelerator_hour"] / comp["kw_per_accelerator"]
    comp = comp.astype(object).where(comp.notna(), None)
    measures = _measures(acc, comp, frames["incidents"], frames["open"])
    rec, reasons = _recommend(measures, frames["adoption"])
    adoption = [{**r, "week": pd.Timestamp(r["week"]).to_pydatetime()} for r in frames["adoption"].to_dict("records")]
    return PlatformReview(
        accelerator_type=acc, since=start, end=end, introduced_on=intro,
        workloads=sorted(set(comp.loc[comp["role"] == "new", "workload_type"])),
        incumbents=sorted(set(comp.loc[comp["role"] == "incumbent", "accelerator_type"])),
        adoption=adoption, comparison=comp.to_dict("records"), measures=measures,
        incidents=frames["incidents"].to_dict("records"),
        open_issues=[{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in frames["open"].to_dict("records")],
        recommendation=rec, reasons=reasons, evidence=list(queries.values()))


def _start(since: date | datetime | str | None, intro: date | None, end: datetime) -> datetime:
    if since is None:
        start = datetime.combine(intro, datetime.min.time()) if intro else end - timedelta(days=DEFAULT_DAYS)
    elif isinstance(since, str):
        try:
            start = datetime.fromisoformat(since.strip())
        except ValueError:
            raise UserError(f"cannot read the date {since!r}; write it as YYYY-MM-DD") from None
    else:
        start = since if isinstance(since, datetime) else datetime.combine(since, datetime.min.time())
    if start >= end:
        raise UserError(f"--since {start:%Y-%m-%d} is not before the data's end ({end:%Y-%m-%d})")
    return start


def _weighted(comp: pd.DataFrame, acc: str, column: str) -> tuple[float | None, float | None]:
    """(new type's rate, incumbents' rate on the new type's mix): per workload, weighted by the new type's hours."""
    new = comp[comp["role"] == "new"]
    num_new = num_inc = den = 0.0
    for r in new.itertuples():
        inc = comp[(comp["role"] == "incumbent") & (comp["workload_type"] == r.workload_type)]
        inc = inc[inc[column].notna()]
        value = getattr(r, column)
        if value is None or inc.empty:
            continue
        w = float(r.accelerator_hours)
        inc_rate = float((inc[column].astype(float) * inc["accelerator_hours"].astype(float)).sum() / inc["accelerator_hours"].astype(float).sum())
        num_new, num_inc, den = num_new + w * float(value), num_inc + w * inc_rate, den + w
    return (num_new / den, num_inc / den) if den else (None, None)


def _ratio(comp: pd.DataFrame, acc: str, column: str) -> float | None:
    """Geometric mean over the new type's workloads of its `column` / the incumbents', weighted by its hours."""
    new = comp[comp["role"] == "new"]
    logs = weights = 0.0
    for r in new.itertuples():
        inc = comp[(comp["role"] == "incumbent") & (comp["workload_type"] == r.workload_type)]
        inc = inc[inc[column].notna()]
        value = getattr(r, column)
        if value is None or inc.empty or not value > 0:
            continue
        base = float((inc[column].astype(float) * inc["accelerator_hours"].astype(float)).sum() / inc["accelerator_hours"].astype(float).sum())
        logs += float(r.accelerator_hours) * math.log(float(value) / base)
        weights += float(r.accelerator_hours)
    return math.exp(logs / weights) if weights else None


def _measures(acc: str, comp: pd.DataFrame, inc: pd.DataFrame, issues: pd.DataFrame) -> dict[str, float | None]:
    fail_new, fail_inc = _weighted(comp, acc, "failure_rate")
    pre_new, pre_inc = _weighted(comp, acc, "preemption_rate")
    busy_new, busy_inc = _weighted(comp, acc, "busy_share")
    incumbents = set(comp.loc[comp["role"] == "incumbent", "accelerator_type"])
    mine, theirs = inc[inc["accelerator_type"] == acc], inc[inc["accelerator_type"].isin(incumbents)]

    def rate(frame: pd.DataFrame) -> float:
        hours = float(frame["accelerator_hours"].sum())
        return float(frame["incidents"].sum()) / hours * 1000 if hours else 0.0

    open_major = issues[(issues["kind"] == "incident") & issues["open"] & issues["detail"].isin(["SEV1", "SEV2"])]
    return {
        "failure_new": fail_new, "failure_incumbents": fail_inc, "preemption_new": pre_new, "preemption_incumbents": pre_inc,
        "busy_new": busy_new, "busy_incumbents": busy_inc,
        "per_usd_ratio": _ratio(comp, acc, "work_per_usd"), "per_kwh_ratio": _ratio(comp, acc, "work_per_kwh"),
        "incidents_new": float(mine["incidents"].sum()), "major_new": float(mine["major"].sum()),
        "open_new": float(mine["open_incidents"].sum()), "open_major_new": float(len(open_major)),
        "incident_rate_new": rate(mine), "incident_rate_incumbents": rate(theirs),
        "pending_requests": float((issues["kind"] == "request").sum()),
        "jobs_new": float(pd.to_numeric(comp.loc[comp["role"] == "new", "jobs"]).fillna(0).sum()),
        "hours_new": float(mine["accelerator_hours"].sum()),
    }


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam).

    >>> round(poisson_tail(3, 1.0), 3)
    0.08
    """
    if lam <= 0:
        return 0.0 if k > 0 else 1.0
    return max(0.0, 1.0 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k)))


def _adoption(wh: Warehouse, acc: str, start: datetime, end: datetime, teams: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Weekly adoption from the catalog's metrics (busy and SM shares as 0-1) joined to the teams count."""
    df, sql = wh.query(q.adoption_query(acc, start, end))
    df = df.rename(columns={"time__week": "week", "allocated_hours": "accelerator_hours"})
    df["busy_share"] = df.pop("utilization_pct") / 100
    df["sm_active"] = df.pop("sm_activity_pct") / 100
    df = df.merge(teams, on="week", how="left")
    df["teams"] = df["teams"].fillna(0).astype(int)
    df = df[["week", "accelerator_hours", "teams", "busy_share", "sm_active"]]
    return df.astype(object).where(df.notna(), None), sql


def _recommend(m: dict[str, float | None], adoption: pd.DataFrame) -> tuple[str, list[str]]:
    fix: list[str] = []
    if m["open_major_new"]:
        fix.append(f"{m['open_major_new']:.0f} open SEV1/SEV2 incidents")
    for what in ("failure", "preemption"):
        new, inc, n = m[f"{what}_new"], m[f"{what}_incumbents"], m["jobs_new"] or 0.0
        if new is None or inc is None or not n:
            continue
        se = math.sqrt(max(inc * (1 - inc), 1e-6) / n)
        if new > max(1.5 * inc, inc + 0.02) and new - inc > 2 * se:
            fix.append(f"job {what} rate {new:.1%} vs {inc:.1%} for the incumbents over {n:,.0f} jobs")
    expected = (m["incident_rate_incumbents"] or 0.0) * (m["hours_new"] or 0.0) / 1000
    seen = int(m["incidents_new"] or 0)
    if seen >= 2 and poisson_tail(seen, expected) < 0.05:
        fix.append(f"{seen} incidents where the incumbents' rate predicts {expected:.1f} "
                   f"({m['incident_rate_new']:.3f} vs {m['incident_rate_incumbents']:.3f} per 1,000 accelerator-hours)")
    if fix:
        return "fix first", fix
    last = adoption.iloc[-1] if len(adoption) else None
    busy_last = float(last["busy_share"]) if last is not None and pd.notna(last["busy_share"]) else None
    teams = int(last["teams"]) if last is not None else 0
    checks = [
        (m["per_usd_ratio"] is not None and m["per_usd_ratio"] >= 1.0, f"throughput per $ {_x(m['per_usd_ratio'])} the incumbents'"),
        (busy_last is not None and m["busy_incumbents"] is not None and busy_last >= 0.9 * m["busy_incumbents"],
         f"last week's busy share {_p(busy_last)} vs {_p(m['busy_incumbents'])} for the incumbents"),
        (teams >= 2, f"{teams} teams using it last week"),
    ]
    if all(ok for ok, _ in checks):
        return "expand", [w for _, w in checks] + ["no reliability flag"]
    return "hold", [f"not yet: {w}" for ok, w in checks if not ok] + [f"met: {w}" for ok, w in checks if ok]
