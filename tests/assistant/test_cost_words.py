"""Cost and FinOps questions in the field's own words and in everyday money English (issue 22).

A small catalog of cost metrics and FOCUS dimensions: each rule is proved over several phrasings and
two as-of dates. Money verbs and nouns become the catalog's cost words (a subject's own cost where it
has one), 'cloud' is every provider but on-prem, FOCUS PricingCategory answers to the names people use
for it (reserved, savings plan, on-demand, spot) only where the data holds the value, a GPU-hour's price
is never the busy-hour cost, and what pace cannot answer (spot lines it lacks, a run rate) is said so.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.money import read_money
from assistant.planner.offline import PlannerInputs
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, ask, measured_metric

PROVIDERS = ["aws", "gcp", "azure", "on-prem"]


def _catalog(pricing: list[str]) -> MeasuredCatalog:
    metrics = [
        measured_metric("effective_cost_usd", "Effective cost", ["cost", "spend", "amortized cost"], "effective_cost", "USD"),
        measured_metric("billed_cost_usd", "Billed cost", ["billed cost", "bill", "invoice", "billed", "charged"], "billed_cost", "USD"),
        measured_metric("list_cost_usd", "List cost", ["list cost", "list price"], "list_cost", "USD"),
        measured_metric("savings_usd", "Savings vs list", ["savings", "save", "saved"], "savings", "USD", kind="derived"),
        measured_metric("idle_hours", "Idle accelerator-hours", ["idle hours", "idle"], "idle_hours", "accelerator-hours"),
        measured_metric("idle_cost_usd", "Idle cost", ["idle cost", "cost of idle"], "idle_cost", "USD"),
        measured_metric("allocated_hours", "Allocated accelerator-hours", ["gpu hours", "accelerator hours"], "allocated_hours",
                        "accelerator-hours"),
        measured_metric("cost_per_busy_hour_usd", "Cost per busy accelerator-hour", ["cost per busy hour"], "x", "USD/hour",
                        kind="derived"),
        measured_metric("cost_per_accelerator_hour_usd", "Effective cost per accelerator-hour",
                        ["cost per gpu hour", "cost per accelerator hour", "gpu hour cost"], "x", "USD/hour", kind="ratio"),
    ]
    measures = [Measure("effective_cost", "cost_daily", "sum"), Measure("billed_cost", "cost_daily", "sum"),
                Measure("list_cost", "cost_daily", "sum"), Measure("idle_hours", "utilization_hourly", "sum"),
                Measure("idle_cost", "utilization_hourly", "sum"), Measure("allocated_hours", "utilization_hourly", "sum")]
    dims = [
        FakeDimension("team", "Team", ["teams"], values=["atlas", "orion", "nova"]),
        FakeDimension("accelerator_type", "Accelerator type", ["gpu type", "gpu", "accelerator"], values=["H100", "A100"]),
        FakeDimension("provider", "Provider", ["cloud", "cloud provider"], values=PROVIDERS),
        FakeDimension("pricing_category", "Pricing category", ["pricing model"], values=pricing),
        FakeDimension("time", "Time", ["date"], kind="time"),
    ]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


def _inputs(today: date, pricing: list[str] | None = None) -> PlannerInputs:
    cat = _catalog(pricing if pricing is not None else ["Committed", "Standard"])
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today)


@pytest.fixture(scope="module", params=[date(2026, 11, 23), date(2026, 6, 1)], ids=["pinned", "month-start-monday"])
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    return _inputs(request.param)


def _query(inputs: PlannerInputs, q: str):  # noqa: ANN202
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None, (q, p.kind, p.message)
    return p.query


def _filters(query) -> dict[str, tuple[str, list[str]]]:  # noqa: ANN001
    return {f.dimension: (f.operator, list(f.values)) for f in query.filters}


@pytest.mark.parametrize("q", ["what is idle GPU time costing us last week", "what are idle GPUs costing us last week",
                               "how much are idle accelerators costing the company last week", "idle GPUs cost us what last week"])
def test_a_money_verb_after_a_subject_asks_for_that_subjects_cost(inputs: PlannerInputs, q: str) -> None:
    """Never the idle hours with the verb ignored: the subject's metric in dollars."""
    query = _query(inputs, q)
    assert query.metrics == ["idle_cost_usd"]


@pytest.mark.parametrize("q", ["what did we pay last month", "how much did we pay for H100s last month", "what are we paying for atlas last month",
                               "how much cash did we burn last month", "how many bucks did atlas spend last month",
                               "how much money went to H100s last month", "how many dollars did we spend last month"])
def test_money_verbs_and_nouns_alone_are_spend_never_the_invoice(inputs: PlannerInputs, q: str) -> None:
    """Spend is effective (amortized) cost; the invoice (billed cost) is only answered when it is named."""
    query = _query(inputs, q)
    assert query.metrics == ["effective_cost_usd"]
    assert set(_filters(query)) <= {"team", "accelerator_type"}


def test_a_money_noun_restates_a_named_cost_metric_instead_of_adding_spend(inputs: PlannerInputs) -> None:
    assert _query(inputs, "how many dollars was the bill last month").metrics == ["billed_cost_usd"]
    assert _query(inputs, "how much money did idle GPUs cost last week").metrics == ["idle_cost_usd"]


@pytest.mark.parametrize("q", ["what's our burn rate last month", "burn rate last month", "cash burn rate last month"])
def test_a_burn_rate_is_the_average_spend_per_day_of_the_period(inputs: PlannerInputs, q: str) -> None:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["effective_cost_usd"]
    assert p.query.per == "day" and not p.query.group_by


@pytest.mark.parametrize("q", ["cloud bill for last month", "what's our cloud spend last month", "cloud costs by team last month",
                               "how much did we spend in the cloud last month", "spend on the public cloud last month"])
def test_cloud_as_a_qualifier_is_every_provider_but_on_prem(inputs: PlannerInputs, q: str) -> None:
    query = _query(inputs, q)
    assert _filters(query)["provider"] == ("!=", ["on-prem"])


def test_by_cloud_still_splits_by_provider_without_dropping_on_prem(inputs: PlannerInputs) -> None:
    query = _query(inputs, "spend by cloud last month")
    assert [g.dimension for g in query.group_by] == ["provider"] and not query.filters


def test_cloud_on_a_warehouse_without_on_prem_filters_nothing() -> None:
    cat = _catalog(["Committed"])
    cat.dimensions["provider"].values = ["aws", "gcp"]
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    query = _query(inp, "cloud bill last month")
    assert query.metrics == ["billed_cost_usd"] and not query.filters


@pytest.mark.parametrize(("words", "value"), [("reserved instances", "Committed"), ("savings plans", "Committed"), ("RIs", "Committed"),
                                              ("committed use discounts", "Committed"), ("reservations", "Committed"),
                                              ("on-demand", "Standard"), ("pay as you go", "Standard"), ("on demand", "Standard")])
def test_pricing_words_filter_on_the_focus_pricing_category(inputs: PlannerInputs, words: str, value: str) -> None:
    query = _query(inputs, f"spend on {words} last month")
    assert query.metrics == ["effective_cost_usd"] and _filters(query) == {"pricing_category": ("=", [value])}


@pytest.mark.parametrize("q", ["how much did reserved capacity save us last month", "what did the savings plans save us last month",
                               "savings from reservations last month"])
def test_what_commitments_saved_is_savings_on_committed_lines(inputs: PlannerInputs, q: str) -> None:
    query = _query(inputs, q)
    assert query.metrics == ["savings_usd"] and _filters(query) == {"pricing_category": ("=", ["Committed"])}


def test_on_demand_vs_reserved_answers_both_sides(inputs: PlannerInputs) -> None:
    query = _query(inputs, "on-demand vs reserved spend last month")
    assert sorted(_filters(query)["pricing_category"][1]) == ["Committed", "Standard"]
    assert [g.dimension for g in query.group_by] == ["pricing_category"]


def test_spot_is_a_filter_only_where_the_data_holds_dynamic_pricing() -> None:
    with_spot = _inputs(date(2026, 11, 23), ["Committed", "Standard", "Dynamic"])
    assert _filters(_query(with_spot, "spend on spot instances last month")) == {"pricing_category": ("=", ["Dynamic"])}
    without = ask(_inputs(date(2026, 11, 23)), "spend on spot instances last month")
    assert without.kind == "abstain" and "spot" in without.message and "Dynamic" in without.message


@pytest.mark.parametrize("q", ["what do we pay per GPU hour last month", "cost per GPU-hour last month", "how much is a GPU hour costing us last month"])
def test_the_price_of_a_gpu_hour_is_never_the_busy_hour_cost(inputs: PlannerInputs, q: str) -> None:
    assert _query(inputs, q).metrics == ["cost_per_accelerator_hour_usd"]


@pytest.mark.parametrize("q", ["what's our annual run rate", "annualized spend", "monthly run rate of the bill"])
def test_a_run_rate_is_a_projection_pace_says_it_does_not_make(inputs: PlannerInputs, q: str) -> None:
    p = ask(inputs, q)
    assert p.kind == "abstain" and "run rate" in p.message


@pytest.mark.parametrize(("q", "team"), [("spend excluding atlas last week", "atlas"), ("spend for teams other than orion last week", "orion"),
                                         ("spend except nova last week", "nova")])
def test_a_negated_value_is_placed_as_an_exclusion_not_left_unplaced(inputs: PlannerInputs, q: str, team: str) -> None:
    assert _filters(_query(inputs, q)) == {"team": ("!=", [team])}


def test_the_rewrite_leaves_questions_without_money_idioms_alone(inputs: PlannerInputs) -> None:
    for q in ["idle hours by team last week", "pay as you go spend", "spend in dollars", "cloud providers by spend"]:
        assert read_money(q, inputs.lexicon) == q


@pytest.mark.parametrize("q", ["cloud vs on-prem spend last month", "on-prem versus cloud cost last month", "spend in the cloud and on-prem last month"])
def test_cloud_against_on_prem_shows_every_provider_never_one_side(inputs: PlannerInputs, q: str) -> None:
    query = _query(inputs, q)
    assert [g.dimension for g in query.group_by] == ["provider"] and not query.filters


def test_focus_and_finops_words_name_their_own_cost_column_in_the_real_catalog() -> None:
    """The catalog's own synonyms (cost.yaml): FOCUS and FinOps words for each cost column, never a neighbour."""
    from semantic_layer.catalog import load_catalog

    cat = load_catalog()
    lex = Lexicon.from_catalog(cat)
    inp = PlannerInputs(catalog=cat, lexicon=lex, today=date(2026, 11, 23))
    expected = {"running total of spend last month": "cumulative_effective_cost_usd", "invoice total last month": "billed_cost_usd",
                "amortised cost last month": "effective_cost_usd", "sticker price last month": "list_cost_usd",
                "what did we pay per GPU hour last month": "cost_per_accelerator_hour_usd",
                "cost per busy hour last month": "cost_per_busy_hour_usd", "how much did discounts save us last month": "savings_usd",
                "unused savings plans last month": "unused_commitment_cost_usd", "savings plan utilization last month": "commitment_utilization_pct"}
    for q, metric in expected.items():
        assert _query(inp, q).metrics == [metric], q


@pytest.mark.parametrize(("q", "metric"), [("how much did azure charge us last month", "billed_cost_usd"),
                                           ("what were we charged by aws last month", "billed_cost_usd"),
                                           ("what did the H100 fleet set us back last month", "effective_cost_usd"),
                                           ("what was the net cost after discounts last month", "effective_cost_usd"),
                                           ("what do GPUs cost per hour on aws last month", "cost_per_accelerator_hour_usd")])
def test_money_idioms_name_one_cost_column(inputs: PlannerInputs, q: str, metric: str) -> None:
    """What a provider charges is the invoice; 'after discounts' is the effective cost itself, not cost plus savings."""
    assert _query(inputs, q).metrics == [metric]


@pytest.mark.parametrize("q", ["what's the GPU bill for last month", "what is our accelerator spend last month"])
def test_gpu_before_a_money_noun_describes_the_bill_and_splits_nothing(inputs: PlannerInputs, q: str) -> None:
    query = _query(inputs, q)
    assert not query.group_by and not query.filters
    assert [g.dimension for g in _query(inputs, "which GPU cost the most last month").group_by] == ["accelerator_type"]


@pytest.mark.parametrize(("q", "metric"), [("are we wasting money on idle GPUs last week", "idle_cost_usd"),
                                           ("what were we paying for idle accelerators last week", "idle_cost_usd"),
                                           ("how much did we spend on idle GPUs last week", "idle_cost_usd")])
def test_paying_or_wasting_on_a_subject_with_its_own_cost_is_that_cost(inputs: PlannerInputs, q: str, metric: str) -> None:
    """The object of the money verb names the metric ('idle GPUs' -> idle cost), never spend with the subject dropped."""
    assert _query(inputs, q).metrics == [metric]


@pytest.mark.parametrize(("q", "teams"), [("spend for teams other than atlas and orion last week", ["atlas", "orion"]),
                                          ("spend excluding atlas, orion and nova last week", ["atlas", "orion", "nova"]),
                                          ("spend without atlas or nova last week", ["atlas", "nova"])])
def test_every_value_listed_after_a_negation_is_excluded(inputs: PlannerInputs, q: str, teams: list[str]) -> None:
    """Never the last value of the list kept as '=' (a one-sided, inverted answer)."""
    [f] = _query(inputs, q).filters
    assert (f.dimension, f.operator, sorted(f.values)) == ("team", "not in", sorted(teams))


def test_an_excluded_value_keeps_the_rows_with_no_value(engine) -> None:  # noqa: ANN001
    """'Spend excluding atlas' is the total less atlas: unattributed lines (no team) stay in, as SQL's <> alone would not."""
    from semantic_layer.catalog import load_catalog
    from semantic_layer.query import MetricQuery

    period = {"start": "2026-10-01", "end": "2026-11-01"}
    got = engine.run_query(load_catalog(), MetricQuery(metrics=["effective_cost_usd"], time_range=period,
                                                       filters=[{"dimension": "team", "operator": "!=", "values": ["atlas"]}]))
    total, atlas = engine.run_sql(
        "SELECT sum(EffectiveCost)::DOUBLE, (sum(EffectiveCost) FILTER (WHERE x_team = 'atlas'))::DOUBLE FROM cost_daily "
        "WHERE ChargePeriodStart >= TIMESTAMP '2026-10-01' AND ChargePeriodStart < TIMESTAMP '2026-11-01'").rows[0]
    assert got.rows[0][0] == pytest.approx(total - atlas, rel=1e-9)


@pytest.mark.parametrize("q", ["savings plan coverage last month", "savings from savings plans by cluster last month",
                               "savings plan utilization per cluster last month", "what did we pay for unused savings plans last month"])
def test_a_savings_plan_is_a_commitment_not_a_request_for_the_savings_tool(q: str) -> None:
    """AWS Savings Plans are a FOCUS commitment discount: the name holds 'savings' and 'plan', but nobody asked for a savings hunt."""
    from assistant.intents import classify

    assert classify(q).kind == "metric"
    assert classify("where could we trim gpu spend").kind == "savings"


def test_paying_for_a_money_metric_is_that_metric_alone(inputs: PlannerInputs) -> None:
    """'what did we pay for the bill' is the bill, not spend and the bill side by side."""
    assert _query(inputs, "what did we pay for the invoice last month").metrics == ["billed_cost_usd"]


@pytest.mark.parametrize(("q", "value"), [("what did H100s cost us per hour last month", "H100"), ("what do A100s cost per hour last month", "A100")])
def test_an_accelerator_costing_per_hour_is_its_gpu_hour_price(inputs: PlannerInputs, q: str, value: str) -> None:
    query = _query(inputs, q)
    assert query.metrics == ["cost_per_accelerator_hour_usd"] and _filters(query) == {"accelerator_type": ("=", [value])}


def test_each_cloud_splits_by_provider_and_keeps_the_split(inputs: PlannerInputs) -> None:
    assert [g.dimension for g in _query(inputs, "how much did each cloud cost us last month").group_by] == ["provider"]
