"""`pace forecast`: weekly accelerator demand for the next N weeks against capacity and quotas.

Demand is the weekly peak (p90 of hourly allocated accelerators) per accelerator type, and the weekly
mean per team and type (what quotas are sized against). Each series gets an ETS model (additive
error, damped additive trend; statsmodels' ETSModel) with 90% prediction intervals. The first week
whose central (or upper) forecast exceeds the installed capacity answers "when do we run out?".
The model is backtested: refit without the last `holdout` weeks, forecast them, report MAPE.
Team outlooks cover the `MAX_TEAM_SERIES` team x type series closest to their burst quota.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from core.errors import UserError
from core.settings import Settings
from tools._warehouse import Warehouse, bind

ALPHA = 0.10  # 90% prediction intervals
MIN_WEEKS = 6
HISTORY_WEEKS = 52  # fit on the last year: long enough for a trend, short enough to reflect today's fleet
MAX_TEAM_SERIES = 40  # team x type series closest to their burst quota (peak weekly demand / burst limit)
PEAK_QUANTILE = 0.9
COLUMNS: tuple[str, ...] = ("accelerator_type", "week", "demand", "lower", "upper", "capacity", "quota_burst")


class TypeOutlook(BaseModel):
    """One accelerator type: history, forecast, supply, and when demand crosses it."""

    accelerator_type: str
    capacity: float
    quota_guaranteed: float
    quota_burst: float
    history: list[dict[str, Any]] = Field(description="[{week, demand}] complete ISO weeks")
    forecast: list[dict[str, Any]] = Field(description="[{week, demand, lower, upper}]")
    runs_out_week: str | None = Field(description="first week the central forecast exceeds capacity")
    runs_out_week_upper: str | None = Field(description="first week the upper 90% bound exceeds capacity")
    backtest_mape: float | None
    model: str


class TeamOutlook(BaseModel):
    """A team's mean weekly demand for one type against its quota."""

    team: str
    accelerator_type: str
    last_week: float
    forecast_end: float
    upper_end: float
    guaranteed: float | None
    burst_limit: float | None
    exceeds_burst_week: str | None


class Forecast(BaseModel):
    """Demand outlook per accelerator type (and team), with the backtest error."""

    weeks: int
    as_of: datetime
    types: list[TypeOutlook]
    teams: list[TeamOutlook]
    backtest_weeks: int
    backtest_mape: float | None = Field(description="mean absolute percentage error on held-back weeks, all types")
    evidence: list[str]

    @property
    def columns(self) -> list[str]:
        return list(COLUMNS)

    @property
    def rows(self) -> list[list[Any]]:
        return [[t.accelerator_type, f["week"], f["demand"], f["lower"], f["upper"], t.capacity, t.quota_burst]
                for t in self.types for f in t.forecast]

    @property
    def evidence_sql(self) -> list[str]:
        return list(self.evidence)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def outlook(self, accelerator_type: str) -> TypeOutlook | None:
        return next((t for t in self.types if t.accelerator_type.lower() == accelerator_type.lower()), None)

    def summary_text(self, accelerator_type: str = "H100") -> str:
        t = self.outlook(accelerator_type) or (self.types[0] if self.types else None)
        if t is None:
            return "No accelerator type has enough complete weeks of history to forecast."
        last = t.forecast[-1] if t.forecast else None
        now = t.history[-1]["demand"] if t.history else 0.0
        headroom = t.capacity - max(f["upper"] for f in t.forecast) if t.forecast else t.capacity
        when = (f"the central forecast exceeds its capacity of {t.capacity:,.0f} in the week of {t.runs_out_week}"
                if t.runs_out_week else
                f"the forecast stays under its capacity of {t.capacity:,.0f} for the next {self.weeks} weeks "
                f"({headroom:,.0f} accelerators of headroom above the upper bound)"
                + (f", though the upper 90% bound crosses it in the week of {t.runs_out_week_upper}" if t.runs_out_week_upper else ""))
        over = [f"{o.team} ({o.accelerator_type}, week of {o.exceeds_burst_week})" for o in self.teams if o.exceeds_burst_week]
        mape = f"{self.backtest_mape:.1%}" if self.backtest_mape is not None else "n/a"
        return (
            f"{t.accelerator_type} weekly peak demand (p90 of hourly allocation) is {now:,.0f} accelerators and forecast at {last['demand']:,.0f} "
            f"(90% interval {last['lower']:,.0f}-{last['upper']:,.0f}) by the week of {last['week']}; {when}. "
            + (f"Teams forecast above their burst quota: {', '.join(over[:4])}. " if over else "No team is forecast above its burst quota. ")
            + f"Backtest on the last {self.backtest_weeks} held-back weeks: MAPE {mape} across types"
            + (f", {t.backtest_mape:.1%} for {t.accelerator_type}" if t.backtest_mape is not None else "") + f" ({t.model})."
        )


def fit_forecast(y: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(mean, lower, upper, model name) for `steps` ahead; ETS with damped trend, naive drift if too short."""
    if len(y) >= MIN_WEEKS and np.std(y) > 0:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
        from threadpoolctl import threadpool_limits

        try:  # one BLAS thread: these are tiny problems, and thread start-up costs 20x the fit itself
            with warnings.catch_warnings(), threadpool_limits(limits=1):
                warnings.simplefilter("ignore")
                res = ETSModel(pd.Series(y, dtype=float), error="add", trend="add", damped_trend=True).fit(disp=False)
                frame = res.get_prediction(start=len(y), end=len(y) + steps - 1).summary_frame(alpha=ALPHA)
            return (frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy(),
                    "ETS(A,Ad,N)")
        except (ValueError, np.linalg.LinAlgError):
            pass
    drift = (y[-1] - y[0]) / max(len(y) - 1, 1) if len(y) > 1 else 0.0
    sd = float(np.std(np.diff(y))) if len(y) > 2 else 0.0
    h = np.arange(1, steps + 1)
    mean = y[-1] + drift * h
    return mean, mean - 1.645 * sd * np.sqrt(h), mean + 1.645 * sd * np.sqrt(h), "naive drift"


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error over the points with non-zero actuals."""
    mask = actual != 0
    return float(np.mean(np.abs((actual[mask] - predicted[mask]) / actual[mask]))) if mask.any() else float("nan")


QUOTAS = """SELECT team, accelerator_type, guaranteed, burst_limit FROM quotas
WHERE effective_from < :stop AND (effective_to IS NULL OR effective_to >= :stop)"""
TEMPLATES = {
    "types": """WITH h AS (
    SELECT accelerator_type, hour, sum(allocated_hours) AS alloc FROM utilization_hourly
    WHERE hour >= :since AND hour < :stop GROUP BY accelerator_type, hour
)
SELECT accelerator_type, date_trunc('week', hour) AS week, quantile_cont(alloc, :peak_quantile) AS demand, count(*) AS hours
FROM h GROUP BY accelerator_type, date_trunc('week', hour) HAVING count(*) >= 160
ORDER BY accelerator_type, week""",
    "teams": """WITH w AS (
    SELECT team, accelerator_type, date_trunc('week', hour) AS week, sum(allocated_hours) / 168 AS demand
    FROM utilization_hourly WHERE hour >= :since AND hour < :stop
    GROUP BY team, accelerator_type, date_trunc('week', hour) HAVING count(DISTINCT hour) >= 160
), q AS (""" + QUOTAS + """
), pick AS (
    SELECT w.team, w.accelerator_type, max(w.demand) / nullif(any_value(q.burst_limit), 0) AS pressure
    FROM w LEFT JOIN q ON q.team = w.team AND q.accelerator_type = w.accelerator_type
    GROUP BY w.team, w.accelerator_type
    ORDER BY pressure DESC NULLS LAST, w.team, w.accelerator_type LIMIT :max_series
)
SELECT w.team, w.accelerator_type, w.week, w.demand FROM w JOIN pick p ON p.team = w.team AND p.accelerator_type = w.accelerator_type
ORDER BY w.team, w.accelerator_type, w.week""",
    "capacity": """SELECT accelerator_type, sum(accelerators) AS capacity FROM (
    SELECT cluster, accelerator_type, arg_max(accelerators, effective_from) AS accelerators
    FROM cluster_capacity WHERE effective_from < :stop GROUP BY cluster, accelerator_type
) GROUP BY accelerator_type ORDER BY accelerator_type""",
    "quotas": QUOTAS + "\nORDER BY team, accelerator_type",
}


def _sql(end: datetime) -> dict[str, str]:
    """The forecast's queries over the history before `end`, values bound by sqlglot."""
    values = {"stop": end, "since": end - timedelta(days=HISTORY_WEEKS * 7), "peak_quantile": PEAK_QUANTILE,
              "max_series": MAX_TEAM_SERIES}
    return {name: bind(t, **values) for name, t in TEMPLATES.items()}


def forecast_capacity(settings: Settings, weeks: int = 8, holdout: int = 3, end: datetime | None = None) -> Forecast:
    """Forecast `weeks` ahead from the complete weeks before `end` (default: the data's end)."""
    if not 1 <= weeks <= 52:
        raise UserError(f"--weeks {weeks} is out of range; forecast 1 to 52 weeks ahead")
    with Warehouse(settings) as wh:
        if end is None:
            last = wh.run("SELECT max(hour) AS h FROM utilization_hourly")["h"][0]
            if pd.isna(last):
                raise UserError("the warehouse has no utilization data; build one with `pace seed`")
            end = pd.Timestamp(last).to_pydatetime() + timedelta(hours=1)
        queries = _sql(end)
        frames = {k: wh.run(q) for k, q in queries.items()}
    cap = dict(zip(frames["capacity"]["accelerator_type"], frames["capacity"]["capacity"].astype(float)))
    quotas = frames["quotas"]
    q_type = quotas.groupby("accelerator_type")[["guaranteed", "burst_limit"]].sum()
    types, errors = [], []
    for acc, g in frames["types"].groupby("accelerator_type", sort=True):  # one fit per type, not per row
        y = g["demand"].to_numpy(dtype=float)
        last_week = pd.Timestamp(g["week"].iloc[-1]).to_pydatetime()
        mean, lo, hi, model = fit_forecast(y, weeks)
        bt = None
        if len(y) - holdout >= MIN_WEEKS:
            pred = fit_forecast(y[:-holdout], holdout)[0]
            bt = mape(y[-holdout:], pred)
            errors.append(bt)
        wk = [(last_week + timedelta(weeks=i + 1)).date().isoformat() for i in range(weeks)]
        capacity = cap.get(acc, 0.0)
        types.append(TypeOutlook(
            accelerator_type=str(acc), capacity=capacity,
            quota_guaranteed=float(q_type["guaranteed"].get(acc, 0)), quota_burst=float(q_type["burst_limit"].get(acc, 0)),
            history=[{"week": pd.Timestamp(w).date().isoformat(), "demand": round(float(d), 1)} for w, d in zip(g["week"], y)],
            forecast=[{"week": w, "demand": round(float(m), 1), "lower": round(float(max(lo_, 0)), 1), "upper": round(float(h), 1)}
                      for w, m, lo_, h in zip(wk, mean, lo, hi)],
            runs_out_week=next((w for w, m in zip(wk, mean) if m > capacity), None),
            runs_out_week_upper=next((w for w, h in zip(wk, hi) if h > capacity), None),
            backtest_mape=None if bt is None else round(bt, 4), model=model,
        ))
    teams = _team_outlooks(frames["teams"], quotas, weeks)
    return Forecast(weeks=weeks, as_of=end, types=types, teams=teams, backtest_weeks=holdout,
                    backtest_mape=round(float(np.mean(errors)), 4) if errors else None, evidence=list(queries.values()))


def _team_outlooks(df: pd.DataFrame, quotas: pd.DataFrame, weeks: int) -> list[TeamOutlook]:
    q = {(r.team, r.accelerator_type): (float(r.guaranteed), float(r.burst_limit)) for r in quotas.itertuples()}
    out = []
    for (team, acc), g in df.groupby(["team", "accelerator_type"], sort=True):  # one fit per team and type
        y = g["demand"].to_numpy(dtype=float)
        mean, _, hi, _ = fit_forecast(y, weeks)
        guaranteed, burst = q.get((team, acc), (None, None))
        last_week = pd.Timestamp(g["week"].iloc[-1]).to_pydatetime()
        cross = next((i for i, m in enumerate(mean) if burst is not None and m > burst), None)
        out.append(TeamOutlook(
            team=str(team), accelerator_type=str(acc), last_week=round(float(y[-1]), 1),
            forecast_end=round(float(mean[-1]), 1), upper_end=round(float(hi[-1]), 1),
            guaranteed=guaranteed, burst_limit=burst,
            exceeds_burst_week=None if cross is None else (last_week + timedelta(weeks=cross + 1)).date().isoformat(),
        ))
    return out


def type_in_question(question: str, forecast: Forecast) -> str:
    """The accelerator type a question names (case-insensitive), default H100."""
    text = question.lower()
    named = [t.accelerator_type for t in forecast.types if t.accelerator_type.lower() in text]
    return max(named, key=len) if named else "H100"


