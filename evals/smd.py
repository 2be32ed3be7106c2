"""The anomaly detectors on real labelled server metrics: the Server Machine Dataset (SMD) published with
OmniAnomaly (NetManAIOps/OmniAnomaly, MIT licence; Su et al., KDD 2019).

Each machine's CPU utilization series (column 0, `cpu_r`, already scaled to 0..1 by the publishers)
becomes one stream shaped like `utilization_hourly` (one step = one hour, allocated 1, busy = value)
and goes through the scan's own stream detector (`tools.detect_shape.detect_frame`). Scoring is
window-based: a labelled anomaly window counts as found when any flagged step falls in it; a flagged
run that touches no window is one false positive. Next to it, the robust z-score baseline: flag a step
more than 4 robust z-scores (1.4826 x MAD) from the median of the previous 7 x 24 steps.

Data: a fixture directory holding, per machine, `<machine>.csv` with columns `step,cpu_r,label`
(see tests/fixtures/smd/README.md), or the published layout (`test/<machine>.txt`,
`test_label/<machine>.txt`), from which `slice_published` writes such a fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tools.detect_series import MAD_SCALE, trailing_windows

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "smd"
COLUMN = 0  # cpu_r: CPU utilization, the metric that maps to accelerator utilization
COLUMN_NAME = "cpu_r"
BASELINE_Z = 4.0
BASELINE_STEPS = 7 * 24
START = pd.Timestamp("2026-01-05 00:00")  # steps are laid out as hours from here (a Monday)


def machines(root: Path = FIXTURE_DIR) -> list[str]:
    return sorted(p.stem for p in Path(root).glob("machine-*.csv"))


def load(root: Path, machine: str) -> pd.DataFrame:
    """One machine's series: step, value (0..1), label (1 = inside a labelled anomaly window)."""
    df = pd.read_csv(Path(root) / f"{machine}.csv")
    return pd.DataFrame({"step": df["step"].astype(int), "value": df[COLUMN_NAME].astype(float),
                         "label": df["label"].astype(int)})


def slice_published(src: Path, dest: Path, names: list[str], steps: int | None = None) -> list[Path]:
    """Write fixture CSVs (step, cpu_r, label) for `names` from the published SMD layout under `src`."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        values = np.loadtxt(Path(src) / "test" / f"{name}.txt", delimiter=",", usecols=[COLUMN])
        labels = np.loadtxt(Path(src) / "test_label" / f"{name}.txt", dtype=int)
        n = len(values) if steps is None else min(steps, len(values))
        frame = pd.DataFrame({"step": np.arange(n), COLUMN_NAME: np.round(values[:n], 6), "label": labels[:n]})
        path = dest / f"{name}.csv"
        frame.to_csv(path, index=False)
        out.append(path)
    return out


def as_stream_hours(machine: str, series: pd.DataFrame) -> pd.DataFrame:
    """The series in the shape `utilization_hourly` aggregates to per stream and hour."""
    return pd.DataFrame({
        "team": machine, "cluster": "smd", "accelerator_type": "cpu",
        "hour": START + pd.to_timedelta(series["step"], unit="h"),
        "busy_share": series["value"].to_numpy(float), "allocated_hours": 1.0,
    })


def detector_flags(machine: str, series: pd.DataFrame) -> np.ndarray:
    """Per-step flags from the scan's stream detector."""
    from tools.detect_shape import detect_frame

    runs = detect_frame(as_stream_hours(machine, series))
    flags = np.zeros(len(series), dtype=bool)
    first = START
    for a, b in zip(runs.get("window_start", []), runs.get("window_end", [])):  # per run, not per step
        i, j = int((a - first) / pd.Timedelta(hours=1)), int((b - first) / pd.Timedelta(hours=1))
        flags[i:j] = True
    return flags


def baseline_flags(values: np.ndarray, z: float = BASELINE_Z, steps: int = BASELINE_STEPS) -> np.ndarray:
    """The reference detector: |x - median(previous steps)| > z x 1.4826 x MAD(previous steps)."""
    win = trailing_windows(np.asarray(values, dtype=float), steps)
    full = np.sum(~np.isnan(win), axis=1) >= steps // 2
    med = np.full(len(values), np.nan)
    mad = np.full(len(values), np.nan)
    med[full] = np.nanmedian(win[full], axis=1)
    mad[full] = MAD_SCALE * np.nanmedian(np.abs(win[full] - med[full, None]), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.abs(values - med) / np.where(mad > 0, mad, np.nan)
    score = np.where((mad == 0) & (values != med) & full, np.inf, score)
    return np.nan_to_num(score, nan=0.0) > z


def _runs(flag: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def window_counts(flags: np.ndarray, labels: np.ndarray) -> dict[str, int]:
    """Labelled windows found, windows, flagged runs inside some window, flagged runs."""
    windows = _runs(labels.astype(bool))
    flagged = _runs(flags)
    found = sum(bool(flags[a:b].any()) for a, b in windows)
    true_runs = sum(bool(labels[a:b].any()) for a, b in flagged)
    return {"windows": len(windows), "found": found, "flagged": len(flagged), "true_flagged": true_runs}


def prf(counts: dict[str, int]) -> dict[str, float]:
    precision = counts["true_flagged"] / counts["flagged"] if counts["flagged"] else 0.0
    recall = counts["found"] / counts["windows"] if counts["windows"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run_smd(root: Path = FIXTURE_DIR) -> dict[str, Any]:
    """Window-based precision, recall and F1 of the scan's detector and of the baseline, over every
    machine in `root` (counts pooled over machines)."""
    names = machines(root)
    totals = {k: {"windows": 0, "found": 0, "flagged": 0, "true_flagged": 0} for k in ("detector", "baseline")}
    per_machine = {}
    for name in names:
        series = load(root, name)
        labels = series["label"].to_numpy()
        got = {"detector": detector_flags(name, series), "baseline": baseline_flags(series["value"].to_numpy())}
        per_machine[name] = {}
        for k, flags in got.items():
            c = window_counts(flags, labels)
            per_machine[name][k] = c
            for key in c:
                totals[k][key] += c[key]
    return {"suite": "smd", "machines": names, "metric": COLUMN_NAME, **prf(totals["detector"]),
            "counts": totals["detector"], "baseline": {**prf(totals["baseline"]), "counts": totals["baseline"]},
            "per_machine": per_machine}


if __name__ == "__main__":  # python -m evals.smd SRC [MACHINE...]: slice the published data into the fixture
    import sys

    src, *names = sys.argv[1:]
    for path in slice_published(Path(src), FIXTURE_DIR, names or ["machine-1-1", "machine-2-1", "machine-3-2"]):
        print(path)
