"""The detectors on real labelled server metrics (SMD, see tests/fixtures/smd/README.md), scored by window,
next to the robust z-score baseline; and the scoring rules themselves on hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evals import smd
from evals.report import load_thresholds


def test_window_scoring_counts_windows_found_and_runs_outside() -> None:
    labels = np.zeros(40, dtype=int)
    labels[5:10] = 1
    labels[20:25] = 1
    flags = np.zeros(40, dtype=bool)
    flags[7:9] = True  # inside the first window: found
    flags[30] = True  # outside every window: one false alarm
    counts = smd.window_counts(flags, labels)
    assert counts == {"windows": 2, "found": 1, "flagged": 2, "true_flagged": 1}
    assert smd.prf(counts) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    # one run across everything finds both windows but raises three false alarms (before, between, after)
    counts = smd.window_counts(np.ones(40, dtype=bool), labels)
    assert counts == {"windows": 2, "found": 2, "flagged": 5, "true_flagged": 2}


def test_baseline_flags_points_far_from_the_previous_week() -> None:
    x = 0.5 + np.random.default_rng(3).normal(0, 0.02, 400)
    x[300] = 0.9
    assert np.flatnonzero(smd.baseline_flags(x)).tolist() == [300]


def test_a_machine_maps_to_one_utilization_stream(tmp_path: Path) -> None:
    # a made-up series in the fixture's file format, to pin the loader and the mapping
    steps = np.arange(24 * 10)
    value = 0.4 + 0.1 * np.sin(2 * np.pi * steps / 24)
    value[200:206] = 0.98
    label = np.zeros(len(steps), dtype=int)
    label[200:206] = 1
    pd.DataFrame({"step": steps, "cpu_r": value, "label": label}).to_csv(tmp_path / "machine-9-9.csv", index=False)
    series = smd.load(tmp_path, "machine-9-9")
    hours = smd.as_stream_hours("machine-9-9", series)
    assert (hours["hour"].diff().dropna() == pd.Timedelta(hours=1)).all() and hours["team"].nunique() == 1
    result = smd.run_smd(tmp_path)
    assert result["counts"] == {"windows": 1, "found": 1, "flagged": 1, "true_flagged": 1}


@pytest.mark.skipif(not smd.machines(), reason="no SMD slice in tests/fixtures/smd (see its README for how to add one)")
def test_real_smd_slice_beats_the_robust_z_baseline() -> None:
    result = smd.run_smd()
    pinned = load_thresholds()["smd"]
    assert result["f1"] >= pinned["f1_min"], result
    assert result["f1"] >= result["baseline"]["f1"] + pinned["margin_min"], result
    held_out = result["splits"]["held_out"]
    if held_out["machines"]:  # machines never tuned on: the detector must still beat the baseline there
        assert held_out["f1"] > held_out["baseline"]["f1"], held_out
    hourly = result["hourly"]
    if hourly is not None:  # the shape pace's telemetry has: hourly means after a history
        assert hourly["all"]["f1"] >= pinned["hourly_f1_min"], hourly["all"]
        assert hourly["all"]["f1"] >= hourly["all"]["baseline"]["f1"] + pinned["hourly_margin_min"], hourly["all"]


def test_splits_keep_development_machines_apart(tmp_path: Path) -> None:
    steps = np.arange(24 * 10)
    for name in ("machine-1-2", "machine-7-7"):  # one development machine, one held out
        pd.DataFrame({"step": steps, "cpu_r": 0.4, "label": 0}).to_csv(tmp_path / f"{name}.csv", index=False)
    result = smd.run_smd(tmp_path)
    assert result["splits"]["dev"]["machines"] == ["machine-1-2"]
    assert result["splits"]["held_out"]["machines"] == ["machine-7-7"]
    assert result["hourly"] is None  # no history given: no hourly view, rather than one without a baseline


def test_hourly_view_scores_only_test_hours_after_the_history(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    history = 0.3 + rng.normal(0, 0.01, 60 * 24 * 8)  # eight days of minutes, unlabelled
    value = 0.3 + rng.normal(0, 0.01, 60 * 24 * 3)
    label = np.zeros(len(value), dtype=int)
    value[60 * 30: 60 * 33] = 0.9  # a three-hour rise on the second test day, labelled
    label[60 * 30: 60 * 33] = 1
    pd.DataFrame({"step": np.arange(len(value)), "cpu_r": value, "label": label}).to_csv(tmp_path / "machine-9-9.csv", index=False)
    (tmp_path / "train").mkdir()
    pd.DataFrame({"cpu_r": history}).to_csv(tmp_path / "train" / "machine-9-9.csv", index=False)
    hours = smd.hourly(smd.load(tmp_path, "machine-9-9"), smd.load_history(tmp_path, "machine-9-9"))
    assert len(hours) == 24 * 11 and int(hours["test"].sum()) == 24 * 3 and hours["peak"].max() == pytest.approx(0.9)
    hourly = smd.run_smd(tmp_path)["hourly"]["all"]
    assert hourly["counts"] == {"windows": 1, "found": 1, "flagged": 1, "true_flagged": 1}
