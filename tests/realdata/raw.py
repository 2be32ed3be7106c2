"""The fixtures read straight from their files with pandas, as a new user would check pace's figures.

Nothing here imports pace: each figure the first-hour tests expect comes from the raw export and the
exporter's documented meaning (FOCUS column definitions, sacct(1) fields, DCGM field identifiers).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOCUS = FIXTURES / "focus" / "focus_sample.csv"
SACCT = (FIXTURES / "sacct" / "states_first_dump.txt", FIXTURES / "sacct" / "states_later_dump.txt")
DCGM = FIXTURES / "dcgm_series.prom"

FAILED = {"FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE"}
"""sacct(1) JOB STATE CODES that mean the job ended without completing for a reason of its own or the node's."""
ENDED = FAILED | {"COMPLETED", "CANCELLED", "PREEMPTED"}


def focus() -> pd.DataFrame:
    """The FOCUS 1.0 export: one row per cost line, nulls written `NULL`, periods as timestamps."""
    d = pd.read_csv(FOCUS, na_values=["NULL"], keep_default_na=False)
    d["ChargePeriodStart"] = pd.to_datetime(d["ChargePeriodStart"])
    return d


def jobs() -> pd.DataFrame:
    """One row per Slurm job (steps such as `2001.batch` dropped), the later dump's state winning."""
    frames = [pd.read_csv(p, sep="|", dtype=str, keep_default_na=False) for p in SACCT]
    d = pd.concat(frames).drop_duplicates("JobID", keep="last")
    d = d[~d["JobID"].str.contains(".", regex=False)].copy()
    d["state"] = d["State"].str.split().str[0]  # 'CANCELLED by 4242' is CANCELLED
    for col in ("Submit", "Start", "End"):
        d[col] = pd.to_datetime(d[col].where(~d[col].isin(["None", "Unknown", ""])), errors="coerce")
    d["gpus"] = d["AllocTRES"].str.extract(r"gres/gpu=(\d+)")[0].astype(float).fillna(0)
    d["elapsed_h"] = d["ElapsedRaw"].astype(float) / 3600
    d["wait_min"] = (d["Start"] - d["Submit"]).dt.total_seconds() / 60
    return d.reset_index(drop=True)


_SAMPLE = re.compile(r'^(\w+)\{(.*)\}\s+(\S+)\s+(\d+)$')


def dcgm() -> pd.DataFrame:
    """Every dcgm-exporter sample: field, labels, value, time (UTC)."""
    rows = []
    for line in DCGM.read_text().splitlines():
        m = _SAMPLE.match(line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            rows.append({"field": m.group(1), **labels, "value": float(m.group(3)),
                         "at": pd.to_datetime(int(m.group(4)), unit="ms")})
    return pd.DataFrame(rows)


def gpu_hours(field: str) -> pd.Series:
    """Mean of one DCGM field per (GPU, hour): the grain a GPU-hour is measured at."""
    d = dcgm()
    d = d[d["field"] == field]
    return d.groupby(["UUID", d["at"].dt.floor("h")])["value"].mean()
