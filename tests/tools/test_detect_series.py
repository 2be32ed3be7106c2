"""The shape detectors on small synthetic series of each shape: what a stream owner would want flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tools.detect_series import baseline, detect, detect_streams, with_params

HOURS = 24 * 21


def _daily(seed: int = 1, n: int = HOURS) -> np.ndarray:
    """Busy share with a daily cycle and noise, like a training-and-serving pool."""
    t = np.arange(n)
    return 0.5 + 0.2 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(seed).normal(0, 0.03, n)


def _only(runs: pd.DataFrame) -> pd.Series:
    assert len(runs) == 1, runs.to_string()
    return runs.iloc[0]


def test_normal_series_raises_nothing() -> None:
    for seed in (1, 2, 3):
        assert detect(_daily(seed)).empty


def test_sustained_rise() -> None:
    x = _daily()
    x[400:410] += 0.35
    run = _only(detect(x))
    assert run["direction"] == "up" and run["shape"] == "shift_up"
    assert abs(run["start"] - 400) <= 1 and run["end"] == 410
    assert run["observed"] > run["expected"] + 0.3 and run["baseline"] == "seasonal"


def test_sustained_drop_is_a_collapse() -> None:
    x = _daily()
    x[400:410] = x[400:410] * 0.3
    run = _only(detect(x))
    assert (run["direction"], run["shape"]) == ("down", "collapse") and run["start"] == 400


def test_moderate_level_shift_found_by_cusum() -> None:
    x = _daily()
    x[300:] += 0.12  # under the point threshold every hour, there for good
    run = _only(detect(x))
    assert run["shape"] == "shift_up" and run["method"] == "cusum" and abs(run["start"] - 300) <= 2


def test_short_spike_and_its_peak() -> None:
    x = _daily()
    x[350] += 0.45
    run = _only(detect(x))
    assert (run["shape"], run["start"], run["hours"]) == ("spike_up", 350, 1)
    # a 10-minute spike vanishes in the hourly mean; the hour's peak keeps it
    y, peak = _daily(), _daily() + 0.05
    y[350] += 0.05
    peak[350] = 0.99
    assert detect(y).empty
    assert _only(detect(y, peak=peak))["start"] == 350


def test_saturation_and_idling_without_a_recovery_finding() -> None:
    x = np.clip(_daily(), 0, 1)
    x[420:440] = 0.99
    assert _only(detect(x))["shape"] == "saturation"
    x = _daily()
    x[420:440] = 0.01
    run = _only(detect(x))  # the return to normal afterwards is not a second anomaly
    assert run["shape"] == "idling" and (run["start"], run["end"]) == (420, 440)


def test_one_day_of_history_uses_the_trailing_baseline() -> None:
    x = 0.5 + np.random.default_rng(4).normal(0, 0.03, 30)
    x[26] = 0.95
    run = _only(detect(x))
    assert (run["start"], run["shape"], run["baseline"]) == (26, "spike_up", "trailing")
    assert detect(x[:6]).empty  # too little history to test anything


def test_baseline_never_includes_the_point_under_test() -> None:
    x = np.full(48, 0.5)
    x[30] = 100.0
    b = baseline(x)
    assert b.expected[30] == pytest.approx(0.5)  # the outlier cannot pull its own baseline
    assert np.isnan(b.expected[:12]).all()


def test_streams_are_attributed_and_gaps_stay_untested() -> None:
    hours = pd.date_range("2026-11-01", periods=HOURS, freq="h")
    quiet = pd.DataFrame({"team": "atlas", "hour": hours, "value": _daily(1)})
    noisy = pd.DataFrame({"team": "orion", "hour": hours, "value": _daily(2)})
    noisy.loc[400:405, "value"] += 0.4
    frame = pd.concat([quiet, noisy.drop(index=range(100, 130))])  # orion has a 30-hour gap
    runs = detect_streams(frame, ["team"])
    assert list(runs["team"]) == ["orion"]
    assert runs.iloc[0]["window_start"] == hours[400] and runs.iloc[0]["window_end"] == hours[406]


def test_moderate_drop_found_by_cusum() -> None:
    x = _daily()
    x[300:] -= 0.12  # a pool that lost a tenth of its work for good, never far enough in one hour
    run = _only(detect(x))
    assert (run["direction"], run["method"]) == ("down", "cusum") and abs(run["start"] - 300) <= 2


def test_a_recurring_spike_is_a_habit_but_a_new_one_is_news() -> None:
    """The habit rule is off by default (on SMD at the hourly grain it hid true anomalies out of sample);
    where a caller turns it on, it behaves like this."""
    p = with_params(recur_min=4)
    x = 0.3 + np.random.default_rng(5).normal(0, 0.02, 24 * 14)
    x[np.arange(40, len(x), 30)] = 0.8  # a batch job every 30 hours, off the daily cycle
    runs = detect(x, p=p)
    # the first few are news; once it has happened four times in a week it is how the stream behaves
    assert len(runs) and runs["start"].max() < 40 + 30 * 4
    x = 0.3 + np.random.default_rng(5).normal(0, 0.02, 24 * 14)
    x[np.arange(40, len(x), 30)] = 0.45  # a small habit does not hide a far larger excursion
    x[301] = 0.95
    assert 301 in detect(x, p=p)["start"].tolist()
    y = 0.3 + np.random.default_rng(6).normal(0, 0.02, 24 * 14)
    y[[100, 150, 200, 250]] = 0.8  # a few earlier incidents do not hide the next
    assert detect(y, p=p)["start"].tolist() == [100, 150, 200, 250]


def test_a_rise_of_the_mean_counts_even_when_peaks_already_sit_at_full() -> None:
    x = _daily()
    peak = np.full(len(x), 1.0)  # a busy pool: some GPU hits 100% every hour
    x[400:410] += 0.35
    run = _only(detect(x, peak=peak))
    assert (run["direction"], run["shape"]) == ("up", "shift_up") and abs(run["start"] - 400) <= 1
    missing = np.where(np.arange(len(x)) % 2 == 0, np.nan, peak)  # hours without a peak fall back to the mean
    assert _only(detect(x, peak=missing))["direction"] == "up"
