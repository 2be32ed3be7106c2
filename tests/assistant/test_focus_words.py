"""Words people use for FOCUS and Slurm values and fields, placed as the exporters define them (issue 22).

A small catalog: the planner matches a provider's short name ("EC2", "Azure") or a spoken state
("timed out") as the value the data holds, and the filter carries that value, never a neighbour.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.planner.value_aliases import aliases_for
from tests.assistant.fakes import FakeDimension, ask, fake_catalog

SERVICES = ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "Azure Kubernetes Service", "Virtual Machines"]
PROVIDERS = ["AWS", "Microsoft", "Oracle"]
STATES = ["completed", "failed", "timeout", "out_of_memory", "node_fail", "cancelled"]


def _inputs(today: date) -> PlannerInputs:
    cat = fake_catalog()
    for dim in (
        FakeDimension("service_name", "Service", ["service name", "cloud service"], values=SERVICES),
        FakeDimension("billing_provider", "Billing provider", ["provider name", "billing provider"], values=PROVIDERS),
        FakeDimension("job_state", "Job state", ["state", "job status"], values=STATES),
        FakeDimension("user", "User", ["users", "user name", "username"], values=["alice", "bob"]),
        FakeDimension("partition", "Partition", ["partitions", "slurm partition"], values=["h100", "debug"]),
        FakeDimension("qos", "QOS", ["quality of service", "slurm qos"], values=["normal", "high"]),
    ):
        cat.dimensions[dim.name] = dim
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today)


@pytest.fixture(scope="module", params=[date(2026, 11, 23), date(2027, 3, 1)], ids=["pinned", "month-start-monday"])
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    return _inputs(request.param)


def _filters(inputs: PlannerInputs, q: str) -> list[tuple[str, list[str]]]:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None, (q, p.kind, p.message)
    return [(f.dimension, list(f.values)) for f in p.query.filters]


@pytest.mark.parametrize(
    ("words", "dim", "value"),
    [("EC2", "service_name", "Amazon Elastic Compute Cloud"), ("Amazon EC2", "service_name", "Amazon Elastic Compute Cloud"),
     ("s3", "service_name", "Amazon Simple Storage Service"), ("AKS", "service_name", "Azure Kubernetes Service"),
     ("Azure", "billing_provider", "Microsoft"), ("Microsoft Azure", "billing_provider", "Microsoft"),
     ("OCI", "billing_provider", "Oracle"), ("Amazon Web Services", "billing_provider", "AWS")],
)
def test_a_providers_short_name_filters_on_the_value_the_bill_writes(inputs: PlannerInputs, words: str, dim: str, value: str) -> None:
    assert _filters(inputs, f"effective cost for {words} last week") == [(dim, [value])]


@pytest.mark.parametrize(("words", "value"), [("timed out", "timeout"), ("ran out of memory", "out_of_memory"),
                                              ("had a node failure", "node_fail")])
def test_a_slurm_state_said_as_a_verb_is_that_state(inputs: PlannerInputs, words: str, value: str) -> None:
    assert _filters(inputs, f"how many jobs {words} last week") == [("job_state", [value])]


def test_an_alias_never_applies_when_the_data_lacks_its_value() -> None:
    """'gcp' names FOCUS 'Google Cloud'; a bill without Google Cloud gives 'gcp' no meaning here, so it is not placed."""
    inputs = _inputs(date(2026, 11, 23))
    assert "gcp" not in inputs.lexicon.values
    assert ("billing_provider", "Microsoft") in inputs.lexicon.values["azure"]


def test_aliases_are_looked_up_case_insensitively_and_only_for_text() -> None:
    assert aliases_for("MICROSOFT") == ("azure", "microsoft azure")
    assert aliases_for("Azure") == ("Microsoft", "microsoft azure")  # pace's cluster provider name: the same provider
    assert aliases_for("TIMEOUT") == ("timed out", "time out", "timeouts")
    assert aliases_for(7) == () and aliases_for("atlas") == ()


@pytest.mark.parametrize(("words", "dim"), [("by user", "user"), ("per username", "user"), ("by partition", "partition"),
                                            ("by slurm qos", "qos"), ("by quality of service", "qos")])
def test_sacct_fields_are_groupings(inputs: PlannerInputs, words: str, dim: str) -> None:
    p = ask(inputs, f"effective cost {words} last week")
    assert p.kind == "query" and p.query is not None, p.message
    assert [g.dimension for g in p.query.group_by] == [dim]


def test_jobs_by_user_is_not_a_typo_of_use(inputs: PlannerInputs) -> None:
    p = ask(inputs, "busy hours by user last week")
    assert p.kind == "query", p.message
    assert "use" not in p.options


def test_the_field_vocabulary_makes_no_comparison_word_a_typo() -> None:
    """Words added for FOCUS and Slurm fields must not pull everyday words onto them ('more' is not 'core')."""
    from assistant.planner.typos import correction, vocabulary
    from assistant.planner.words import KNOWN_WORDS
    from semantic_layer.catalog import load_catalog

    vocab = vocabulary(Lexicon.from_catalog(load_catalog()), KNOWN_WORDS)
    for word in ("more", "less", "most", "over", "fewer", "than", "spent", "bill", "paid"):
        assert correction(word, vocab) in (None, word), word
