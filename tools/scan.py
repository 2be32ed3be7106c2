"""`pace scan`: run every anomaly detector in DuckDB SQL, merge what overlaps, price it, name an owner.

Each detector is one SQL query (see detect_util, detect_ops, detect_cost) that computes its own
seasonal baseline and returns one row per anomalous run, so the scan's cost grows with the warehouse,
not with Python loops. Each finding carries the exact SQL, restricted to its entity and window, that
reproduces it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from telemetry import fleet
from core.errors import UserError
from core.settings import Settings
from tools import detect_cost, detect_ops, detect_shape, detect_util, scan_bounds, scan_feedback, scan_grid, scan_sql
from tools._warehouse import Warehouse, run
from tools.findings import UNITS, Finding, fold_symptoms, merge_overlapping, score_against_ground_truth, severity

__all__ = ["KINDS", "ScanResult", "scan", "score_against_ground_truth", "load_ground_truth"]


def _bounds_frame(wh: Warehouse, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """Out-of-bounds figures as scan rows: each carries its own check (as `shape`), unit and evidence SQL."""
    v = scan_bounds.violations(wh.run, start, end)
    return v.rename(columns={"check": "shape"}).assign(impact_usd=0.0)


@dataclass(frozen=True)
class Detector:
    """One kind of anomaly: its SQL builder, which filter keys the builder takes, and how to read a row."""

    kind: str
    entity_type: str  # team | cluster | endpoint
    metric: str
    sql: Callable[..., str]
    filters: tuple[str, ...]  # builder keyword arguments, filled from a finding to rebuild its evidence
    frame: Callable[..., pd.DataFrame] | None = None  # detection outside SQL: (warehouse, start, end) -> runs
    grid: Callable[..., pd.DataFrame] | None = None  # on the shared team-pool-hour grid: (chunk, start, end, prices)


DETECTORS: tuple[Detector, ...] = (
    Detector("idle_allocation", "team", "sm_active", detect_util.idle_allocation_sql, ("team", "cluster", "accelerator_type")),
    Detector("utilization_collapse", "cluster", "busy_share", detect_util.utilization_collapse_sql, ("cluster", "accelerator_type"),
             grid=lambda ph, s, e, p: detect_util.utilization_collapse_grid(ph, s, e, p.per_hour)),
    Detector("cost_spike", "team", "EffectiveCost_usd_per_day", detect_cost.cost_spike_sql, ("team",),
             frame=detect_cost.cost_spike_frame),
    Detector("queue_wait_surge", "cluster", "queue_wait_minutes_median", detect_ops.queue_wait_surge_sql, ("cluster", "accelerator_type")),
    Detector("failure_rate_spike", "team", "failure_rate", detect_ops.failure_rate_spike_sql, ("team", "cluster", "accelerator_type")),
    Detector("quota_breach", "team", "allocated_accelerators", detect_ops.quota_breach_sql, ("team", "cluster", "accelerator_type"),
             grid=lambda ph, s, e, p: detect_ops.quota_breach_grid(ph, s, e, p.quotas, p.per_hour)),
    Detector("latency_spike", "endpoint", "latency_p95_ms", detect_cost.latency_spike_sql, ("endpoint",)),
    Detector("energy_outlier", "cluster", "kwh_per_accelerator_hour", detect_util.energy_outlier_sql, ("cluster", "accelerator_type"),
             grid=lambda ph, s, e, p: detect_util.energy_outlier_grid(ph, s, e, p.per_kwh)),
    Detector("utilization_shift", "team", "busy_share", detect_shape.stream_hours_sql, ("team", "cluster", "accelerator_type"),
             frame=detect_shape.run, grid=lambda ph, s, e, p: detect_shape.run_grid(ph, s, e, p.per_hour, workers=p.workers)),
    Detector("data_quality", "cluster", "physical_bound", scan_bounds.check_sql, (), frame=_bounds_frame),
)
KINDS: tuple[str, ...] = tuple(d.kind for d in DETECTORS)
COLUMNS: tuple[str, ...] = (
    "id", "kind", "entity", "cluster", "accelerator_type", "start", "end", "metric", "observed", "expected",
    "severity", "impact_usd", "owner", "tier",
)


class ScanResult(BaseModel):
    """The scan's findings (most urgent first) and what was scanned."""

    findings: list[Finding]
    start: datetime | None = Field(description="scan window start (inclusive); None = all data")
    end: datetime | None = Field(description="scan window end (exclusive); None = all data")
    kinds: list[str]
    elapsed_ms: float = 0.0
    silenced: list[Finding] = Field(default_factory=list, description="findings marked planned or no earlier")
    timings_ms: dict[str, float] = Field(default_factory=dict, description="wall time per detector")

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[getattr(f, c) for c in COLUMNS] for f in self.findings]

    @property
    def evidence_sql(self) -> list[str]:
        return [f.evidence_sql for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's stable `pace scan --json` shape (extra keys only added, never renamed)."""
        return {
            "findings": [f.contract() for f in self.findings],
            "period": {"start": self.start, "end": self.end},
            "kinds": self.kinds,
            "total_impact_usd": round(sum(f.impact_usd for f in self.findings), 2),
            "silenced": [{"ref": f.ref, "kind": f.kind, "entity": f.entity, "feedback": f.feedback} for f in self.silenced],
        }

    def summary_text(self) -> str:
        period = _describe(self.start, self.end)
        if not self.findings:
            return f"No anomalies found {period} across {len(self.kinds)} detectors ({', '.join(self.kinds)})."
        by_kind: dict[str, int] = {}
        for f in self.findings:
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
        kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1]))
        top = self.findings[0]
        total = sum(f.impact_usd for f in self.findings)
        return (
            f"Found {len(self.findings)} anomalies {period}: {kinds}, with an estimated impact of ${total:,.0f}. "
            f"Most urgent: {top.severity} {top.kind.replace('_', ' ')} on {top.entity}"
            f"{_where(top)} from {top.window} ({top.duration_hours:g} h), {top.metric} {_num(top.observed)} vs "
            f"{_num(top.expected)} expected{_unit(top)} "
            f"(${top.impact_usd:,.0f}); owner {top.owner} (tier {top.tier})."
        )


def _unit(f: Finding) -> str:
    unit = f.unit or UNITS.get(f.metric, "")
    return f" ({unit})" if unit else ""


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _describe(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return "in all data"
    return f"between {start:%Y-%m-%d} and {end:%Y-%m-%d}" if start and end else (
        f"since {start:%Y-%m-%d}" if start else f"before {end:%Y-%m-%d}")


def _where(f: Finding) -> str:
    parts = [p for p in (f.accelerator_type, f.cluster if f.cluster != f.entity else None) if p]
    return f" ({' on '.join(parts)})" if parts else ""


def _as_datetime(value: date | datetime | str | None, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-16") from None


def check_kinds(kinds: list[str] | tuple[str, ...] | None) -> list[str]:
    """The detector kinds to run (all by default); an unknown kind is a UserError listing the valid ones."""
    if not kinds:
        return list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UserError(f"unknown kind {', '.join(map(repr, unknown))}; choose from {', '.join(KINDS)}")
    return list(dict.fromkeys(kinds))


def _owners(wh: Warehouse) -> dict[str, str]:
    df = wh.run("SELECT team, tier2_lead FROM teams ORDER BY team")
    return dict(zip(df["team"], df["tier2_lead"]))


def _endpoint_teams(wh: Warehouse) -> dict[str, str]:
    df = wh.run("SELECT endpoint, team FROM endpoints ORDER BY endpoint")
    return dict(zip(df["endpoint"], df["team"]))


def _to_findings(det: Detector, df: pd.DataFrame, leads: dict[str, str], ep_team: dict[str, str]) -> list[Finding]:
    out = []
    for row in df.to_dict("records"):  # one row per anomalous run, not per telemetry row
        start, end = pd.Timestamp(row["window_start"]).to_pydatetime(), pd.Timestamp(row["window_end"]).to_pydatetime()
        team = row["entity"] if det.entity_type == "team" else ep_team.get(row["entity"]) if det.entity_type == "endpoint" else None
        impact = float(row["impact_usd"] or 0.0)
        sev = severity(impact, production=bool(row.get("production", False)))
        owner, tier = (leads.get(team, fleet.ONCALL_TIER1), 2) if team else (fleet.ONCALL_TIER1, 1)
        if sev == "SEV1":
            tier = 3 if det.entity_type == "cluster" else tier
        values = {"team": row["entity"], "endpoint": row["entity"], "cluster": _none(row.get("cluster")),
                  "accelerator_type": _none(row.get("accelerator_type"))}
        evidence = row.get("evidence_sql") or det.sql(start, end, **{k: values[k] for k in det.filters})
        out.append(Finding(
            kind=det.kind, entity_type=det.entity_type, entity=str(row["entity"]),
            cluster=_none(row.get("cluster")), accelerator_type=_none(row.get("accelerator_type")),
            start=start, end=end, metric=det.metric, observed=float(row["observed"]), expected=float(row["expected"]),
            severity=sev, impact_usd=round(impact, 2), owner=owner, tier=tier, evidence_sql=evidence,
            score=_float(row.get("score")), unit=str(row.get("unit") or UNITS.get(det.metric, "")),
            baseline=str(row.get("baseline") or ""),
            shape=str(row.get("shape") or ""),
            details={k: float(v) for k, v in row.items() if k not in _STANDARD and isinstance(v, (int, float)) and v == v},
        ))
    return out


_STANDARD = {"entity", "cluster", "accelerator_type", "window_start", "window_end", "observed", "expected", "impact_usd",
             "production", "score"}


def _float(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


@dataclass(frozen=True)
class _GridContext:
    """What the grid detectors read besides the grid: prices, and how many cores the scan may use."""

    per_hour: pd.DataFrame  # cluster, accelerator_type, usd_per_hour (catalog rate per pool)
    per_kwh: pd.DataFrame  # cluster, usd_per_kwh
    quotas: pd.DataFrame  # team, accelerator_type, burst_limit, effective_from, effective_to
    workers: int = 1


KWH_SQL = "SELECT cluster, usd_per_kwh FROM clusters"


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(limit: str) -> int:
    """A memory limit as DuckDB writes it ('4GB', '512MiB') in bytes; a UserError when unreadable."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", limit)
    if not m or m.group(2).lower() not in _UNITS:
        raise UserError(f"PACE_SCAN_MEMORY_LIMIT {limit!r} is not a memory size; write it like 4GB or 512MiB")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _grid_pass(wh: Warehouse, dets: list[Detector], s: datetime | None, e: datetime | None,
               timings: dict[str, float], memory: int) -> dict[str, pd.DataFrame]:
    """The detectors that read team-pool-hours, over one shared grid built once per scan run (chunk by
    chunk, so memory stays bounded on all history); the grid's own time is timed as `shared_grid`."""
    since = None if s is None else s - timedelta(days=scan_sql.BASELINE_DAYS)
    prices = _GridContext(per_hour=wh.run(detect_shape.PRICE_SQL), per_kwh=wh.run(KWH_SQL),
                          quotas=wh.run(detect_ops.QUOTAS_SQL, row_limit=1_000_000), workers=wh.settings.threads)
    parts: dict[str, list[pd.DataFrame]] = {d.kind: [] for d in dets}
    t1 = time.perf_counter()
    chunks = scan_grid.chunks(wh, since, e, scan_grid.cell_budget(memory // 3))
    timings["shared_grid"] = (time.perf_counter() - t1) * 1000
    for types in chunks:
        t1 = time.perf_counter()
        ph = scan_grid.load(wh, since, e, types)
        timings["shared_grid"] += (time.perf_counter() - t1) * 1000
        for det in dets:
            t1 = time.perf_counter()
            parts[det.kind].append(det.grid(ph, s, e, prices))  # type: ignore[misc]
            timings[det.kind] = timings.get(det.kind, 0.0) + (time.perf_counter() - t1) * 1000
        del ph
    for k in timings:
        timings[k] = round(timings[k], 1)
    return {k: pd.concat([p for p in v if not p.empty] or v[:1], ignore_index=True) if v else pd.DataFrame()
            for k, v in parts.items()}


def scan(
    settings: Settings,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
    progress: bool = False,
    use_feedback: bool = True,
    shared_grid: bool = True,
) -> ScanResult:
    """Run the chosen detectors over [start, end) (baselines use all data) and return merged findings,
    most urgent (severity, then impact) first. `shared_grid=False` runs each grid detector's own SQL
    instead of the shared team-pool-hour grid (the same findings, slower; tests compare the two)."""
    t0 = time.perf_counter()
    s, e = _as_datetime(start, "--from"), _as_datetime(end, "--to")
    if s and e and s >= e:
        raise UserError(f"--from {s:%Y-%m-%d} must be before --to {e:%Y-%m-%d}")
    chosen = check_kinds(kinds)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    # the scan's own budget: its queries read months of telemetry, an answer's read a few aggregates.
    # PACE_SCAN_MEMORY_LIMIT is for the whole scan: half to DuckDB (which spills beyond it), a third to
    # the shared grid's numpy arrays (chunk size), the rest for everything else.
    budget = memory_bytes(settings.scan_memory_limit)
    scan_settings = settings.model_copy(update={"query_timeout_s": settings.scan_timeout_s,
                                                "memory_limit": f"{budget // 2 // 2**20}MiB"})

    findings: list[Finding] = []
    timings: dict[str, float] = {}
    with Warehouse(scan_settings) as wh, Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=not progress, transient=True) as bar:
        leads, ep_team = _owners(wh), _endpoint_teams(wh)
        task = bar.add_task("scanning", total=len(chosen))
        on_grid = [d for d in DETECTORS if d.kind in chosen and d.grid is not None] if shared_grid else []
        if on_grid:
            bar.update(task, description="scanning " + ", ".join(d.kind for d in on_grid))
            grid_rows = _grid_pass(wh, on_grid, s, e, timings, budget)
        for det in DETECTORS:
            if det.kind not in chosen:
                continue
            bar.update(task, description=f"scanning {det.kind}")
            t1 = time.perf_counter()
            if det in on_grid:
                rows = grid_rows[det.kind]
            else:
                rows = det.frame(wh, s, e) if det.frame else wh.run(det.sql(s, e))
                timings[det.kind] = round((time.perf_counter() - t1) * 1000, 1)
            findings += _to_findings(det, rows, leads, ep_team)
            bar.advance(task)
    merged = fold_symptoms(merge_overlapping(findings))
    merged.sort(key=lambda f: (f.severity, -f.impact_usd, f.start))
    silenced: list[Finding] = []
    if use_feedback:
        merged, silenced = scan_feedback.apply(merged, scan_feedback.latest(settings))
    merged = [f.model_copy(update={"id": f"F{i + 1:03d}"}) for i, f in enumerate(merged)]
    return ScanResult(findings=merged, start=s, end=e, kinds=chosen, silenced=silenced, timings_ms=timings,
                      elapsed_ms=round((time.perf_counter() - t0) * 1000, 1))


def load_ground_truth(settings: Settings) -> list[dict[str, Any]]:
    """The injected anomalies recorded by the generator (empty for ingested warehouses)."""
    df = run(settings, "SELECT kind, entity_type, entity, cluster, accelerator_type, start_at, end_at "
                       "FROM anomaly_ground_truth ORDER BY start_at")
    return [{k: _none(v) if k in ("cluster", "accelerator_type") else v for k, v in r.items()} for r in df.to_dict("records")]
