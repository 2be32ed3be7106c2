"""The catalog: contents the issue asks for, values from the warehouse, and golden-manifest validation
(change one field, expect exactly one error that names file, line, key and fix)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest

from semantic_layer.catalog import DEFINITIONS_DIR, Catalog, build_catalog, load_catalog
from semantic_layer.errors import CatalogError
from semantic_layer.yaml_loader import load_yaml
from tests.semantic_layer.manifest import documents as _documents, errors as _errors, find_item as _find

REQUIRED_DIMENSIONS = {
    "time", "team", "org", "project", "cluster", "region", "provider", "accelerator_type", "accelerator_kind",
    "vendor", "workload_type", "endpoint", "model", "severity", "category", "job_state", "request_status",
    "priority", "resolved_tier",
}
AREAS = {
    "utilization": {"allocated_hours", "busy_hours", "idle_hours", "utilization_pct", "sm_activity_pct", "memory_used_pct"},
    "quota": {"quota_accelerator_hours", "quota_used_pct", "over_quota_hours"},
    "cost": {"effective_cost_usd", "list_cost_usd", "idle_cost_usd", "cost_per_busy_hour_usd", "commitment_coverage_pct"},
    "governance": {"requests_submitted", "requests_approved", "requests_denied", "requests_pending", "approval_lead_time_hours"},
    "jobs": {"jobs", "job_failure_rate_pct", "preemptions", "queue_wait_p50_minutes", "queue_wait_p95_minutes",
             "training_throughput_tokens_per_hour", "mfu_pct", "goodput_pct"},
    "serving": {"inference_requests", "inference_tokens", "latency_p95_ms", "inference_error_rate_pct", "cost_per_1m_tokens_usd"},
    "energy": {"energy_kwh", "energy_cost_usd"},
    "support": {"incidents", "mtta_minutes", "mttr_hours", "tier3_escalation_rate_pct", "sla_breaches"},
}


def test_catalog_has_what_the_issue_asks(catalog: Catalog) -> None:
    assert len(catalog.metrics) >= 35
    assert len(catalog.verified_queries) >= 40
    assert {m.kind for m in catalog.metrics.values()} == {"simple", "ratio", "derived", "cumulative"}
    assert REQUIRED_DIMENSIONS <= set(catalog.dimensions)
    for area, names in AREAS.items():
        assert names <= set(catalog.metrics), area
    for m in catalog.metrics.values():
        assert m.label and m.description and m.unit and m.format and m.synonyms and m.default_time_dimension == "time", m.name
    assert catalog.dimensions["time"].grains == ["hour", "day", "week", "month", "quarter"]


def test_definitions_remember_file_and_line(catalog: Catalog) -> None:
    metric = catalog.metrics["utilization_pct"]
    lines = (DEFINITIONS_DIR / metric.loc.file).read_text().splitlines()
    assert lines[metric.loc.line - 1].strip() == "- name: utilization_pct"
    assert "numerator: busy_hours" in lines[metric.loc.key_lines["numerator"] - 1]


def test_yaml_keys_stay_text() -> None:
    data = load_yaml("joins:\n  - {to: teams, on: {team: team}}\n")
    assert data["joins"][0]["on"] == {"team": "team"}
    assert data.line == 1 and data["joins"][0].line == 2


def test_with_values_reads_categorical_values(valued_catalog: Catalog) -> None:
    assert "atlas" in valued_catalog.dimensions["team"].values
    assert "H100" in valued_catalog.dimensions["accelerator_type"].values
    assert set(valued_catalog.dimensions["severity"].values) <= {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert valued_catalog.dimensions["time"].values == []


def test_dimensions_for_follow_declared_joins(catalog: Catalog) -> None:
    assert "endpoint" in catalog.dimensions_for("latency_p95_ms")
    assert "endpoint" not in catalog.dimensions_for("effective_cost_usd")
    assert "org" in catalog.dimensions_for("cost_per_busy_hour_usd")
    assert "severity" not in catalog.dimensions_for("cost_per_busy_hour_usd")


# --- golden manifest: change one field, expect exactly one error -------------------------------------------



def test_golden_manifest_is_clean() -> None:
    assert _errors(_documents()) == []


def _set(section: str, name: str, key: str, value: Any) -> Callable[[list], str]:
    def change(docs: list) -> str:
        file, item = _find(docs, section, name)
        item[key] = value
        return file
    return change


def _append(section: str, name: str, key: str, value: Any) -> Callable[[list], str]:
    def change(docs: list) -> str:
        file, item = _find(docs, section, name)
        item[key] = list(item[key]) + [value]
        return file
    return change


CASES = [
    ("unknown column in a measure", _set("measures", "busy_hours", "expr", "busy_hourz"), "column `busy_hourz` does not exist", "expr"),
    ("unknown metric in a derived expression", _set("metrics", "savings_usd", "expr", "list_cost_usd - effective_cost"), "unknown metric `effective_cost`", "expr"),
    ("a cycle", _set("metrics", "savings_usd", "expr", "list_cost_usd - savings_usd"), "cycle", "expr"),
    ("duplicate synonym across metrics", _append("metrics", "list_cost_usd", "synonyms", "spend"), "synonym `spend`", "synonyms"),
    ("unknown measure", _set("metrics", "jobs", "measure", "job_cnt"), "unknown measure `job_cnt`", "measure"),
    ("unknown unit", _set("metrics", "jobs", "unit", "widgets"), "unit", "unit"),
    ("unknown field", _set("metrics", "jobs", "colour", "red"), "colour", "colour"),
    ("bad join column", _set("entities", "teams", "joins", [{"to": "orgs", "on": {"orgg": "org"}}]), "column `orgg` does not exist", "joins"),
    ("unknown dimension column", _set("dimensions", "region", "sources", [{"entity": "clusters", "column": "regoin"}]), "column `regoin`", "sources"),
    ("unknown time column", _set("entities", "jobs", "time_column", "submitted"), "column `submitted` does not exist", "time_column"),
]


@pytest.mark.parametrize(("title", "change", "fragment", "key"), CASES, ids=[c[0] for c in CASES])
def test_one_change_gives_exactly_one_error(title: str, change: Callable, fragment: str, key: str) -> None:
    docs = copy.deepcopy(_documents())
    file = change(docs)
    errors = _errors(docs)
    assert len(errors) == 1, [str(e) for e in errors]
    error = errors[0]
    assert fragment in error.message and error.file == file and error.line > 0 and error.fix
    assert error.key.split(".")[0] == key


def test_verified_query_with_unknown_dimension_is_one_error() -> None:
    docs = copy.deepcopy(_documents())
    file, data = next((f, d) for f, d in docs if "verified_queries" in d)
    data["verified_queries"][0]["query"]["group_by"] = [{"dimension": "teem"}]
    errors = _errors(docs)
    assert len(errors) == 1 and "did you mean `team`" in errors[0].message and errors[0].file == file


def test_load_catalog_raises_naming_file_line_and_fix(tmp_path: Path) -> None:
    for p in DEFINITIONS_DIR.glob("*.yaml"):
        (tmp_path / p.name).write_text(p.read_text())
    path = tmp_path / "jobs.yaml"
    path.write_text(path.read_text().replace("measure: preempted_job_count", "measure: preempted_jobs_count"))
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "preempted_jobs_count" in text)
    assert f"jobs.yaml:{line} (measure)" in str(info.value) and "did you mean `preempted_job_count`" in str(info.value)


def test_yaml_syntax_error_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("metrics: [\n")
    with pytest.raises(CatalogError, match="broken.yaml"):
        load_catalog(tmp_path)


def test_docs_example_metric_loads_and_compiles() -> None:
    """The 'Adding a metric' example in docs/semantic-layer.md is valid as written."""
    import re
    import textwrap

    from semantic_layer.compiler import compile_query
    from semantic_layer.query import MetricQuery

    doc = (Path(__file__).resolve().parents[2] / "docs" / "semantic-layer.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert block is not None
    example = load_yaml(textwrap.dedent(block.group(1)))
    catalog, issues = build_catalog(_documents() + [("example.yaml", example)])
    assert [i for i in issues if i.level == "error"] == []
    assert compile_query(catalog, MetricQuery(metrics=["cancellation_rate_pct"], group_by=[{"dimension": "team"}])).columns == ["team", "cancellation_rate_pct"]


def test_catalog_cache_is_invalidated_when_a_definition_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from semantic_layer import catalog_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    defs = tmp_path / "defs"
    defs.mkdir()
    for p in DEFINITIONS_DIR.glob("*.yaml"):
        (defs / p.name).write_text(p.read_text())
    first = load_catalog(defs)
    assert len(list(catalog_cache.cache_dir().glob("*.pickle"))) == 1
    assert load_catalog(defs).metrics.keys() == first.metrics.keys()  # served from the cache
    jobs = defs / "jobs.yaml"
    jobs.write_text(jobs.read_text().replace("measure: preempted_job_count", "measure: preempted_jobs_count"))
    with pytest.raises(CatalogError, match="preempted_jobs_count"):
        load_catalog(defs)  # the edit is seen: a new digest, validated afresh, never the stale cache
    assert len(list(catalog_cache.cache_dir().glob("*.pickle"))) == 1, "an invalid catalog is never cached"
