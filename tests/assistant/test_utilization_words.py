"""Everyday words for how hard accelerators work, each read as the DCGM measure its documentation supports.

'How hard ... working' is SM activity (SM_ACTIVE), 'underused' the lowest utilization, 'sat idle' idle,
'headroom on memory' free framebuffer memory (FB_FREE); words with two readings ('saturated', 'load',
'headroom' alone, 'how many GPUs sat idle') are asked about. A small catalog, two as-of dates.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m

AS_OF = [date(2026, 11, 23), date(2026, 6, 1)]


def catalog() -> MeasuredCatalog:
    ratios = {"utilization_pct": ("Utilization", ["utilization", "how busy"]), "sm_activity_pct": ("SM activity", ["sm activity"]),
              "capacity_allocated_pct": ("Share of installed capacity allocated", ["capacity allocated"])}
    metrics = [_m(n, label, syn, n, "%", kind="ratio") for n, (label, syn) in ratios.items()]
    metrics += [_m("idle_hours", "Idle accelerator-hours", ["idle gpu hours", "idle hours"], "idle", "accelerator-hours"),
                _m("gpus_idle_all_day", "GPU-days idle all day", ["gpus idle all day", "idle all day"], "days_idle", "count"),
                _m("gpu_count", "GPU count", ["gpu count", "number of gpus"], "gpus", "count"),
                _m("avg_memory_free_gib", "Mean free memory per GPU", ["free gpu memory", "free memory"], "free", "GiB", kind="ratio"),
                _m("quota_headroom_hours", "Quota headroom", ["quota headroom"], "qh", "accelerator-hours"),
                _m("avg_memory_used_gb", "Memory used per accelerator", ["memory used", "gpu memory"], "mem", "GiB", kind="ratio")]
    measures = [Measure(m.measure, "facts", "sum") for m in metrics]  # type: ignore[attr-defined]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion", "vega"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]), FakeDimension("time", "Time", kind="time"),
            FakeDimension("accelerator_type", "Accelerator type", ["accelerator", "gpu type", "gpu", "chip"], values=["H100", "A100"])]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


@pytest.fixture(params=AS_OF, ids=lambda d: d.isoformat())
def ask(request: pytest.FixtureRequest):
    cat = catalog()
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)
    return lambda q: plan_offline(q, inp)


def metrics_of(p: PlannerPlan) -> list[str]:
    assert p.kind == "query" and p.query is not None, p.message
    return p.query.metrics


@pytest.mark.parametrize("question", ["how hard were the gpus working last week", "how hard did we push the accelerators last week",
                                      "how hard are our cards being worked last week", "How hard was the fleet running last week?"])
def test_how_hard_the_gpus_work_is_sm_activity_and_says_so(ask, question: str) -> None:
    p = ask(question)
    assert metrics_of(p) == ["sm_activity_pct"]
    assert any("SM_ACTIVE" in n for n in p.notes)


@pytest.mark.parametrize("question,dim", [("which teams underused their gpus last month", "team"),
                                          ("which teams are underutilizing their accelerators last week", "team"),
                                          ("most under-utilised clusters last week", "cluster"),
                                          ("which clusters were least utilized last week", "cluster")])
def test_underused_ranks_the_lowest_utilization_first(ask, question: str, dim: str) -> None:
    p = ask(question)
    assert metrics_of(p) == ["utilization_pct"]
    assert [g.dimension for g in p.query.group_by] == [dim]
    assert p.query.order_by and p.query.order_by[0].descending is False


def test_overused_ranks_the_highest_utilization_first(ask) -> None:
    p = ask("which teams overutilized their gpus last week")
    assert metrics_of(p) == ["utilization_pct"] and p.query.order_by[0].descending is True


@pytest.mark.parametrize("question", ["how many gpu hours sat idle last week", "gpu hours left sitting idle last week",
                                      "how many accelerator hours went unused last week", "gpu-hours that were lying idle last week"])
def test_idle_in_everyday_verbs_is_idle_hours(ask, question: str) -> None:
    assert metrics_of(ask(question)) == ["idle_hours"]


@pytest.mark.parametrize("question", ["how many gpus sat idle all day yesterday", "gpus were sitting idle the whole day yesterday",
                                      "how many accelerators were idle all day yesterday"])
def test_gpus_idle_for_a_whole_day_is_the_catalog_count(ask, question: str) -> None:
    assert metrics_of(ask(question)) == ["gpus_idle_all_day"]


@pytest.mark.parametrize("question", ["how many gpus sat idle yesterday", "how many GPUs were idle last week",
                                      "how many of our accelerators were sitting idle yesterday"])
def test_how_many_gpus_idle_without_how_long_asks(ask, question: str) -> None:
    p = ask(question)
    assert p.kind == "clarify" and p.query is None and len(p.options) == 2


@pytest.mark.parametrize("question", ["how much headroom do we have on gpu memory last week", "spare gpu memory by cluster last week",
                                      "memory left on the gpus last week", "how much room is left in vram last week"])
def test_memory_headroom_is_free_framebuffer_memory(ask, question: str) -> None:
    p = ask(question)
    assert metrics_of(p) == ["avg_memory_free_gib"]
    assert any("FB_FREE" in n for n in p.notes)


@pytest.mark.parametrize("question,word", [("are the gpus saturated?", "saturated"), ("gpu saturation last week", "saturation"),
                                           ("what was the load on the clusters last week", "load"), ("how loaded were the gpus", "loaded"),
                                           ("how much headroom do we have?", "headroom")])
def test_words_with_two_documented_readings_ask_which(ask, question: str, word: str) -> None:
    p = ask(question)
    assert p.kind == "clarify" and p.query is None and word in p.message and len(p.options) >= 2


def test_plain_questions_are_left_alone(ask) -> None:
    assert metrics_of(ask("utilization by team last week")) == ["utilization_pct"]
    assert metrics_of(ask("how busy were the gpus last week")) == ["utilization_pct"]


@pytest.mark.parametrize("question", ["how much memory does an H100 have", "gpu memory capacity by cluster",
                                      "what is the size of the hbm on the A100s", "how much vram do the gpus come with"])
def test_a_memory_size_is_refused_never_the_memory_in_use(ask, question: str) -> None:
    p = ask(question)
    assert p.kind == "abstain" and p.query is None and "memory-capacity" in p.message


@pytest.mark.parametrize("question", ["host memory used last week", "node memory used by team last week", "cpu ram used last week"])
def test_host_memory_is_not_accelerator_memory(ask, question: str) -> None:
    p = ask(question)
    assert p.kind == "abstain" and p.query is None


@pytest.mark.parametrize("question", ["what percent of the time were the gpus busy last week", "share of time the accelerators were busy last week",
                                      "how much of the time were GPUs in use last week"])
def test_the_share_of_time_busy_is_utilization(ask, question: str) -> None:
    p = ask(question)
    assert metrics_of(p) == ["utilization_pct"] and any("busy share" in n for n in p.notes)


def test_most_used_is_not_read_as_utilization(ask) -> None:
    p = ask("which team used the most gpu hours last week")
    assert p.kind != "query" or p.query.metrics != ["utilization_pct"]  # 'most used' may mean the most hours: not rewritten
