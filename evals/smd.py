"""The anomaly detectors on real labelled server metrics: the Server Machine Dataset (SMD) published with
OmniAnomaly (NetManAIOps/OmniAnomaly, MIT licence; Su et al., KDD 2019).

Each machine's CPU utilization series (column 0, `cpu_r`, already scaled to 0..1 by the publishers)
becomes one stream shaped like `utilization_hourly` (allocated 1, busy = value) and goes through the
scan's own stream detector (`tools.detect_shape.detect_frame`), at two grains:

- `minute`: each published one-minute step read as one hour (many windows, but a day of the machine
  is 60 "days" here, so its daily cycle is not the detector's);
- `hourly`: the minutes averaged per hour, the shape pace's telemetry really has, after the unlabelled
  first half of the data (`train/`) as history, so both detectors start with a full week behind them.
  The detector is scored on the hourly mean (what the scan sees) and with the hour's peak minute too
  (what it sees where telemetry keeps per-hour peaks).

Scoring is window-based: a labelled anomaly window counts as found when any flagged step falls in
it (recall); every flagged stretch outside the windows is one false alarm (precision = windows found
/ (windows found + false alarms)). Next to it, the robust z-score baseline: flag a step more than
4 robust z-scores (1.4826 x MAD) from the median of the previous 7 x 24 steps (at the hourly grain
exactly "the previous 7 days").

Data: a directory holding, per machine, `<machine>.csv.gz` (or `.csv`) with columns `step,cpu_r,label`
(see tests/fixtures/smd/README.md): tests/fixtures/smd if it holds one, else ../shared/data/smd beside
the checkout. `slice_published` writes such files from the published layout (`test/<machine>.txt`,
`test_label/<machine>.txt`, `train/<machine>.txt`), `slice_processed` from OmniAnomaly's own
preprocessed arrays (`<machine>_test.pkl`, `<machine>_train.pkl`: float32 copies of the same values).

Machines in `DEV` are the ones the detector was developed on; every other machine is held out and
reported on its own, so the figure that matters is never one the detector was tuned to.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tools.detect_series import MAD_SCALE, trailing_windows

REPO = Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO / "tests" / "fixtures" / "smd"
SHARED_DIR = REPO.parent / "shared" / "data" / "smd"
# developed (tuned) on these; never tune on any other machine, and report the others apart
DEV = ("machine-1-2", "machine-1-6", "machine-1-8", "machine-2-1", "machine-2-4", "machine-3-3")
COLUMN = 0  # cpu_r: CPU utilization, the metric that maps to accelerator utilization
COLUMN_NAME = "cpu_r"
BASELINE_Z = 4.0
BASELINE_STEPS = 7 * 24
START = pd.Timestamp("2026-01-05 00:00")  # steps are laid out as hours from here (a Monday)


def _files(root: Path) -> dict[str, Path]:
    return {p.name.split(".")[0]: p for pattern in ("machine-*.csv", "machine-*.csv.gz")
            for p in sorted(Path(root).glob(pattern))}


def data_dir() -> Path:
    """Where the slice is: the fixture folder if it holds one, else the shared data folder beside the
    checkout (the fixture folder when neither does, so callers report it as missing)."""
    return next((d for d in (FIXTURE_DIR, SHARED_DIR) if d.is_dir() and _files(d)), FIXTURE_DIR)


def machines(root: Path | None = None) -> list[str]:
    return sorted(_files(data_dir() if root is None else Path(root)))


def load_history(root: Path, machine: str) -> np.ndarray | None:
    """The machine's unlabelled first half (cpu_r per minute), which precedes its test half; None if absent."""
    path = next((q for q in (Path(root) / "train" / f"{machine}.csv.gz", Path(root) / "train" / f"{machine}.csv")
                 if q.exists()), None)
    return None if path is None else pd.read_csv(path)[COLUMN_NAME].to_numpy(float)


def load(root: Path, machine: str) -> pd.DataFrame:
    """One machine's series: step, value (0..1), label (1 = inside a labelled anomaly window)."""
    df = pd.read_csv(_files(Path(root))[machine])
    return pd.DataFrame({"step": df["step"].astype(int), "value": df[COLUMN_NAME].astype(float),
                         "label": df["label"].astype(int)})


def slice_published(src: Path, dest: Path, names: list[str], steps: int | None = None) -> list[Path]:
    """Write fixture CSVs (step, cpu_r, label) for `names` from the published SMD layout under `src`."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        values = np.loadtxt(Path(src) / "test" / f"{name}.txt", delimiter=",", usecols=[COLUMN])
        labels = np.loadtxt(Path(src) / "test_label" / f"{name}.txt", dtype=int)
        out.append(_write(dest, name, values, labels, steps))
        train = np.loadtxt(Path(src) / "train" / f"{name}.txt", delimiter=",", usecols=[COLUMN])
        out.append(_write_history(dest, name, train))
    return out


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: a pickle from elsewhere must not run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"not a plain numpy array: {module}.{name}")
        return super().find_class(module, name)


def slice_processed(src: Path, labels_dir: Path, dest: Path, names: list[str]) -> list[Path]:
    """Fixture files from OmniAnomaly's preprocessed arrays (`<machine>_test.pkl`, float32, as its
    data_preprocess.py writes them) with the labels from the published `test_label/<machine>.txt`;
    refuses a machine whose row count differs from its published labels."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        arr, train = (_read_array(Path(src) / f"{name}_{part}.pkl") for part in ("test", "train"))
        labels = np.loadtxt(Path(labels_dir) / f"{name}.txt", dtype=int)
        if arr.ndim != 2 or arr.shape[1] != 38 or len(arr) != len(labels) or train.ndim != 2 or train.shape[1] != 38:
            raise ValueError(f"{name}: shape {arr.shape} does not match 38 metrics x {len(labels)} labelled steps")
        out.append(_write(dest, name, arr[:, COLUMN].astype(float), labels))
        out.append(_write_history(dest, name, train[:, COLUMN].astype(float)))
    return out


def _read_array(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        return np.asarray(_ArraysOnly(f, encoding="latin1").load())


def _write_history(dest: Path, name: str, values: np.ndarray) -> Path:
    (dest / "train").mkdir(parents=True, exist_ok=True)
    path = dest / "train" / f"{name}.csv.gz"
    pd.DataFrame({COLUMN_NAME: np.round(values, 6)}).to_csv(
        path, index=False, compression={"method": "gzip", "compresslevel": 9, "mtime": 0})
    return path


def _write(dest: Path, name: str, values: np.ndarray, labels: np.ndarray, steps: int | None = None) -> Path:
    """One machine as `<machine>.csv.gz` (values at the published 6 decimals; gzip without a timestamp,
    so the same data gives the same bytes)."""
    n = len(values) if steps is None else min(steps, len(values))
    frame = pd.DataFrame({"step": np.arange(n), COLUMN_NAME: np.round(values[:n], 6), "label": labels[:n]})
    path = dest / f"{name}.csv.gz"
    frame.to_csv(path, index=False, compression={"method": "gzip", "compresslevel": 9, "mtime": 0})
    return path


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


def hourly(series: pd.DataFrame, history: np.ndarray) -> pd.DataFrame:
    """History then test minutes, per hour: mean, peak minute, labelled (any labelled minute) and
    whether the hour is wholly in the test half (only those are scored)."""
    values = np.concatenate([history, series["value"].to_numpy(float)])
    labels = np.concatenate([np.zeros(len(history), dtype=int), series["label"].to_numpy(int)])
    frame = pd.DataFrame({"hour": np.arange(len(values)) // 60, "value": values, "label": labels,
                          "test": np.arange(len(values)) >= len(history)})
    g = frame.groupby("hour", sort=True)
    return pd.DataFrame({"step": g["value"].size().index.to_numpy(), "value": g["value"].mean().to_numpy(),
                         "peak": g["value"].max().to_numpy(), "label": g["label"].max().to_numpy(),
                         "test": g["test"].min().to_numpy()})


def peak_detector_flags(hours: pd.DataFrame) -> np.ndarray:
    """Per-hour flags from the same stream detector given each hour's peak minute too (upward events
    tested on the peak), minus one-hour events under the scan's `SCORE_MIN`."""
    from tools.detect_series import detect
    from tools.detect_shape import SCORE_MIN

    runs = detect(hours["value"].to_numpy(float), hours["peak"].to_numpy(float))
    flags = np.zeros(len(hours), dtype=bool)
    if runs.empty:
        return flags
    runs = runs[runs["score"].astype(float) >= runs["shape"].map(SCORE_MIN).astype(float).fillna(0.0)]
    for a, b in zip(runs["start"], runs["end"]):  # per run, not per step
        flags[int(a):int(b)] = True
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
    """Windows, windows found (any flagged step inside), alarms and true alarms. Alarms are the flagged
    runs cut at window edges: each window a run touches is one true alarm, each stretch of a run outside
    every window one false alarm. So one run flagged across days cannot claim every window it covers
    for the price of a single alarm."""
    flags, inside = np.asarray(flags, dtype=bool), np.asarray(labels).astype(bool)
    windows = _runs(inside)
    found = sum(bool(flags[a:b].any()) for a, b in windows)
    false_alarms = len(_runs(flags & ~inside))
    return {"windows": len(windows), "found": found, "flagged": found + false_alarms, "true_flagged": found}


def prf(counts: dict[str, int]) -> dict[str, float]:
    precision = counts["true_flagged"] / counts["flagged"] if counts["flagged"] else 0.0
    recall = counts["found"] / counts["windows"] if counts["windows"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _empty_counts() -> dict[str, int]:
    return {"windows": 0, "found": 0, "flagged": 0, "true_flagged": 0}


def run_smd(root: Path | None = None) -> dict[str, Any]:
    """Window-based precision, recall and F1 of the scan's detector and of the baseline over every
    machine in `root` (counts pooled over machines), at the minute grain and, where the history is
    there, the hourly one; each also apart for the development and held-out machines."""
    root = data_dir() if root is None else Path(root)
    names = machines(root)
    minute: dict[str, dict[str, np.ndarray]] = {}
    hour: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        series = load(root, name)
        labels = series["label"].to_numpy()
        minute[name] = {"label": labels, "detector": detector_flags(name, series),
                        "baseline": baseline_flags(series["value"].to_numpy())}
        history = load_history(root, name)
        if history is not None:
            h = hourly(series, history)
            test = h["test"].to_numpy(bool)
            hour[name] = {"label": h["label"].to_numpy()[test],
                          "detector": detector_flags(name, h)[test],
                          "detector_with_peak": peak_detector_flags(h)[test],
                          "baseline": baseline_flags(h["value"].to_numpy())[test]}
    out = _score(minute, ("detector", "baseline"))
    return {"suite": "smd", "source": str(root), "machines": names, "metric": COLUMN_NAME, "grain": "minute",
            **{k: out["all"][k] for k in ("precision", "recall", "f1", "counts", "baseline")},
            "splits": {g: out[g] for g in ("dev", "held_out")},
            "hourly": _score(hour, ("detector", "detector_with_peak", "baseline")) if hour else None,
            "per_machine": {n: {k: window_counts(v[k], v["label"]) for k in ("detector", "baseline")}
                            for n, v in minute.items()}}


def _score(flags: dict[str, dict[str, np.ndarray]], kinds: tuple[str, ...]) -> dict[str, Any]:
    """Pooled counts and P/R/F1 per detector kind, over all machines and per split."""
    out: dict[str, Any] = {}
    for group in ("all", "dev", "held_out"):
        names = [n for n in flags if group == "all" or (n in DEV) == (group == "dev")]
        res: dict[str, Any] = {"machines": names}
        for kind in kinds:
            tot = _empty_counts()
            for n in names:
                for key, v in window_counts(flags[n][kind], flags[n]["label"]).items():
                    tot[key] += v
            res[kind] = {**prf(tot), "counts": tot}
        det = res.pop("detector")
        out[group] = {**res, **{k: det[k] for k in ("precision", "recall", "f1", "counts")}}
    return out


if __name__ == "__main__":
    # python -m evals.smd SRC [MACHINE...]: slice the published layout (SRC/test, SRC/test_label)
    # python -m evals.smd --processed PKL_DIR LABEL_DIR [MACHINE...]: from OmniAnomaly's preprocessed arrays
    import sys

    args = sys.argv[1:]
    default = ["machine-1-2", "machine-1-4", "machine-3-2"]
    if args and args[0] == "--processed":
        written = slice_processed(Path(args[1]), Path(args[2]), FIXTURE_DIR, args[3:] or default)
    else:
        written = slice_published(Path(args[0]), FIXTURE_DIR, args[1:] or default)
    for path in written:
        print(path)
