"""Unit and shape words: a share of the total, a rate per day, a unit the metric converts to, "per GPU".

A small catalog with measures (sums, a count, a mean, a ratio), so each test proves the rule for
every metric of a kind rather than one sentence.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m


SUMS = {"cost": ("Effective cost", ["cost", "spend"], "USD"), "gpu_hours": ("Accelerator-hours", ["accelerator hours", "gpu hours"],
        "accelerator-hours"), "energy": ("Energy", ["energy"], "kWh"), "jobs": ("Jobs", ["jobs", "job count"], "count")}


def catalog() -> MeasuredCatalog:
    measures = [Measure(n, "facts", "count" if n == "jobs" else "sum") for n in SUMS]
    measures += [Measure("wait", "jobs", "avg", "queue_wait_minutes"), Measure("busy", "util", "sum")]
    metrics = [_m(n, label, syn, n, unit) for n, (label, syn, unit) in SUMS.items()]
    metrics += [_m("queue_wait_avg_minutes", "Mean queue wait", ["queue wait"], "wait", "minutes"),
                _m("utilization_pct", "Utilization", ["utilization"], "busy", "%", kind="ratio")]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion", "vega"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]), FakeDimension("time", "Time", kind="time")]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


def plan(q: str, today: date = date(2026, 11, 23)) -> PlannerPlan:
    cat = catalog()
    return plan_offline(q, PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today))


SUM_PHRASES = {"cost": "spend", "gpu_hours": "gpu hours", "energy": "energy", "jobs": "jobs"}
SHARE_PHRASES = ["what share of {m} did each team have last month", "{m} by team as a percent of the total last month",
                 "what fraction of {m} went to each team last month", "proportion of {m} per team last month",
                 "percentage of {m} by team last month"]


@pytest.mark.parametrize("metric", SUM_PHRASES)
@pytest.mark.parametrize("phrase", SHARE_PHRASES)
def test_a_share_word_on_a_split_sum_asks_for_each_groups_share_of_the_total(metric: str, phrase: str) -> None:
    p = plan(phrase.format(m=SUM_PHRASES[metric]))
    assert p.kind == "query" and p.query is not None
    assert p.query.metrics == [metric] and p.query.share_of_total
    assert [g.dimension for g in p.query.group_by] == ["team"]
    assert any("Share of the total" in n for n in p.notes)


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2026, 6, 1)])
def test_the_share_of_one_group_is_read_off_the_split_over_every_group(today: date) -> None:
    p = plan("what fraction of gpu hours was atlas last month", today)
    assert p.kind == "query" and p.query is not None and p.query.share_of_total
    assert [g.dimension for g in p.query.group_by] == ["team"]
    assert [(f.dimension, f.values) for f in p.query.filters] == [("team", ["atlas"])]


def test_a_share_of_a_ratio_is_never_composed() -> None:
    p = plan("share of utilization by team last week")
    assert not (p.kind == "query" and p.query is not None and p.query.share_of_total)


@pytest.mark.parametrize("phrase", ["average daily {m} last month", "daily average {m} last month", "{m} per day on average last month",
                                    "mean {m} per day last month"])
@pytest.mark.parametrize("metric", SUM_PHRASES)
def test_an_average_per_day_of_a_sum_is_one_rate_not_a_series(phrase: str, metric: str) -> None:
    p = plan(phrase.format(m=SUM_PHRASES[metric]))
    assert p.kind == "query" and p.query is not None
    assert p.query.metrics == [metric] and p.query.per == "day" and p.query.time_grain() is None


def test_a_plain_per_day_stays_a_series_by_day() -> None:
    p = plan("spend per day last month")
    assert p.kind == "query" and p.query is not None and p.query.time_grain() == "day" and p.query.per is None


@pytest.mark.parametrize("question,unit", [("mean queue wait in hours last week", "hours"), ("queue wait in seconds last week", "seconds"),
                                           ("spend last month in thousands", "thousands"), ("energy in mwh last month", "MWh"),
                                           ("gpu hours in days last month", "days")])
def test_a_unit_the_metric_converts_to_is_shown_as_well(question: str, unit: str) -> None:
    p = plan(question)
    assert p.kind == "query" and p.query is not None
    assert list(p.query.convert.values()) == [unit]
    assert any("also shown in" in n for n in p.notes)


def test_a_unit_of_another_quantity_abstains() -> None:
    assert plan("utilization in hours last week").kind in ("abstain", "clarify")


@pytest.mark.parametrize("question", ["spend per gpu last week", "energy per accelerator last month", "jobs per node last week"])
def test_per_gpu_without_a_defined_ratio_says_so_instead_of_answering_the_total(question: str) -> None:
    p = plan(question)
    assert p.kind == "abstain" and "per" in p.message


def test_per_accelerator_hour_is_not_per_accelerator() -> None:
    p = plan("spend per accelerator hour last week")
    assert not (p.kind == "abstain" and "per accelerator'" in p.message)


def _latency_catalog(with_mean: bool) -> MeasuredCatalog:
    cat = catalog()
    lat = [_m("latency_p95_ms", "p95 latency", ["latency", "p95 latency"], "lat95", "ms", kind="ratio"),
           _m("latency_p50_ms", "p50 latency", ["median latency", "p50 latency"], "lat50", "ms", kind="ratio")]
    if with_mean:
        lat.append(_m("latency_avg_ms", "Mean latency", ["mean latency"], "latavg", "ms", kind="ratio"))
    cat.metrics.update({m.name: m for m in lat})
    return cat


def _plan_on(cat: MeasuredCatalog, q: str) -> PlannerPlan:
    return plan_offline(q, PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23)))


@pytest.mark.parametrize("word", ["average", "mean", "avg"])
def test_a_metric_named_as_one_statistic_is_never_passed_off_as_another(word: str) -> None:
    p = _plan_on(_latency_catalog(with_mean=False), f"{word} latency by team last week")
    assert p.kind == "clarify" and set(p.options) == {"p95 latency", "p50 latency"}


def test_the_statistic_asked_is_answered_by_its_sibling_and_the_answer_says_so() -> None:
    p = _plan_on(_latency_catalog(with_mean=True), "average latency last week")
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["latency_avg_ms"]
    assert any("not p95 latency" in n for n in p.notes)
    q = _plan_on(_latency_catalog(with_mean=False), "typical latency last week")
    assert q.kind == "query" and q.query is not None and q.query.metrics == ["latency_p50_ms"]


def test_a_statistic_named_in_the_metric_phrase_is_the_metric() -> None:
    p = _plan_on(_latency_catalog(with_mean=False), "mean p95 latency last week")
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["latency_p95_ms"]


@pytest.mark.parametrize("verb", ["did each team account for", "went to each team", "belonged to each team", "did each team take up"])
def test_a_verb_of_part_and_whole_belongs_to_the_share(verb: str) -> None:
    p = plan(f"what share of last month's spend {verb}")
    assert p.kind == "query" and p.query is not None and p.query.share_of_total
    assert [g.dimension for g in p.query.group_by] == ["team"]


def test_without_a_share_word_the_same_verb_is_not_ignored() -> None:
    p = plan("spend by account last month")
    assert not (p.kind == "query" and p.query is not None and not p.query.group_by)


@pytest.mark.parametrize("question", ["spend last month in thousands of dollars", "spend last month in millions of usd"])
def test_a_scale_of_money_is_a_unit_too(question: str) -> None:
    p = plan(question)
    assert p.kind == "query" and p.query is not None and list(p.query.convert.values()) in (["thousands"], ["millions"])


@pytest.mark.parametrize("question,per", [("jobs per second last week", "second"), ("energy per minute last week", "minute"),
                                          ("average hourly spend last week", "hour")])
def test_a_rate_finer_than_any_series_is_the_total_over_the_period(question: str, per: str) -> None:
    p = plan(question)
    assert p.kind == "query" and p.query is not None and p.query.per == per and p.query.time_grain() is None


def _clusters(*names: str) -> MeasuredCatalog:
    cat = catalog()
    cat.dimensions["cluster"] = FakeDimension("cluster", "Cluster", ["clusters"], values=list(names))
    return cat


def test_a_short_typo_inside_a_multi_word_name_is_corrected_and_said() -> None:
    p = _plan_on(_clusters("us-east-aws", "us-west-onprem"), "energy on us-est-aws last week")
    assert p.kind == "query" and p.query is not None
    assert [(f.dimension, f.values) for f in p.query.filters] == [("cluster", ["us-east-aws"])]
    assert any("'est'" in n and "'east'" in n for n in p.notes)


def test_a_short_typo_two_names_fit_equally_is_not_guessed() -> None:
    p = _plan_on(_clusters("us-east", "us-west"), "energy on us-est last week")
    assert not (p.kind == "query" and p.query is not None and p.query.filters)


def test_an_amount_in_percent_is_a_share_when_split_and_asks_otherwise() -> None:
    p = plan("spend by team in % last month")
    assert p.kind == "query" and p.query is not None and p.query.share_of_total and not p.query.convert
    assert plan("spend last month as a percentage").kind == "abstain"


def test_how_much_of_a_whole_went_to_a_part_is_its_share_and_its_amount() -> None:
    p = plan("how much of our spend went to atlas last month")
    assert p.kind == "query" and p.query is not None and p.query.share_of_total
    assert [(f.dimension, f.values) for f in p.query.filters] == [("team", ["atlas"])]


def _follow(first: str, then: str) -> PlannerPlan:
    cat = catalog()
    lex = Lexicon.from_catalog(cat)
    prev = plan_offline(first, PlannerInputs(catalog=cat, lexicon=lex, today=date(2026, 11, 23)))
    assert prev.kind == "query" and prev.query is not None
    return plan_offline(then, PlannerInputs(catalog=cat, lexicon=lex, today=date(2026, 11, 23), previous=prev.query))


@pytest.mark.parametrize("then,field,value", [("as a share of the total?", "share_of_total", True), ("and in thousands?", "convert", {"cost": "thousands"}),
                                              ("what percentage is that of the total", "share_of_total", True)])
def test_a_shape_follow_up_reshapes_the_previous_question_and_keeps_everything_else(then: str, field: str, value: object) -> None:
    p = _follow("spend by team last month", then)
    assert p.kind == "query" and p.query is not None and getattr(p.query, field) == value
    assert [g.dimension for g in p.query.group_by] == ["team"] and p.query.time_range is not None
    assert p.query.time_range.start.month == 10


def test_a_rate_follow_up_on_one_total_is_the_rate_and_on_a_ratio_changes_nothing_silently() -> None:
    p = _follow("energy last month", "per day on average?")
    assert p.kind == "query" and p.query is not None and p.query.per == "day" and p.query.time_grain() is None
    q = _follow("queue wait last week", "in hours?")
    assert q.kind == "query" and q.query is not None and q.query.convert == {"queue_wait_avg_minutes": "hours"}
    r = _follow("utilization by team last week", "as a share of the total?")
    assert not (r.kind == "query" and r.query is not None and r.query.share_of_total)


def test_per_a_thing_a_dimension_names_is_that_split_and_per_a_thing_no_dimension_names_abstains() -> None:
    cat = catalog()
    cat.dimensions["accelerator_type"] = FakeDimension("accelerator_type", "Accelerator type", ["accelerator"], values=["H100", "A100"])
    split = _plan_on(cat, "energy per accelerator last week")
    assert split.kind == "query" and split.query is not None
    assert [g.dimension for g in split.query.group_by] == ["accelerator_type"]
    assert _plan_on(cat, "energy per gpu by team last week").kind == "abstain"
    assert _plan_on(cat, "utilization per gpu last week").kind == "abstain"


@pytest.mark.parametrize("noun,unit", [("gpu days", "days"), ("GPU-weeks", "weeks"), ("accelerator minutes", "minutes")])
def test_accelerator_hours_named_in_another_unit_are_shown_in_it(noun: str, unit: str) -> None:
    p = plan(f"{noun} by team last month")
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["gpu_hours"]
    assert p.query.convert == {"gpu_hours": unit}


def test_a_phrase_whose_last_word_begins_a_longer_metric_gives_way_to_the_compound() -> None:
    cat = catalog()
    cat.metrics["gpu_count"] = _m("gpu_count", "GPU count", ["how many gpus", "number of gpus"], "jobs", "count")
    compound = _plan_on(cat, "how many GPU hours did we use last week")
    assert compound.kind == "query" and compound.query is not None and compound.query.metrics == ["gpu_hours"]
    plain = _plan_on(cat, "how many GPUs last week")
    assert plain.kind == "query" and plain.query is not None and plain.query.metrics == ["gpu_count"]
