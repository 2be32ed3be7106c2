"""Duration events in the catalog: each duration metric times a declared event, one metric per statistic.

Golden manifest as in test_catalog.py: change one field, expect exactly one error naming file, line and fix.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from semantic_layer.catalog import DEFINITIONS_DIR, build_catalog, load_catalog
from semantic_layer.yaml_loader import load_yaml_file
from tests.semantic_layer.manifest import documents as _documents, errors as _errors, find_item as _item


def test_every_event_has_one_plain_metric_and_each_metric_its_own_statistic() -> None:
    catalog = load_catalog()
    by_event: dict[str, list[tuple[str, str]]] = {}
    for name, m in catalog.metrics.items():
        if m.duration is not None:
            by_event.setdefault(m.duration.event, []).append((catalog.measures[m.measure or ""].agg, name))
    assert set(by_event) == set(catalog.events) == {"approval", "acknowledge", "resolve", "queue", "run"}
    plain = {e: [n for n, m in catalog.metrics.items() if m.duration and m.duration.event == e and m.duration.plain] for e in by_event}
    assert plain == {"approval": ["approval_lead_time_hours"], "acknowledge": ["mtta_minutes"], "resolve": ["mttr_hours"],
                     "queue": ["queue_wait_p50_minutes"], "run": ["job_duration_avg_hours"]}
    assert dict(by_event["resolve"])["avg"] == "mttr_hours" and dict(by_event["acknowledge"])["avg"] == "mtta_minutes"  # means by definition


def _set_metric(name: str, value: Any):
    def change(docs: list) -> str:
        file, item = _item(docs, "metrics", name)
        item["duration"] = value
        return file
    return change


def _set_event(name: str, key: str, value: Any):
    def change(docs: list) -> str:
        file, item = _item(docs, "events", name)
        item[key] = value
        return file
    return change


CASES = [
    ("unknown event", _set_metric("resolve_time_p90_hours", {"event": "resolv"}), "unknown event `resolv`", "metrics", "duration"),
    ("two metrics state one statistic", _set_metric("approval_lead_time_avg_hours", {"event": "queue"}), "both state the avg", "metrics", "duration"),
    ("a second plain metric", _set_metric("resolve_time_p50_hours", {"event": "resolve", "plain": True}), "2 plain metrics", "events", "name"),
    ("a count declared a duration", _set_metric("incidents", {"event": "resolve"}), "no mean, percentile", "metrics", "duration"),
    ("an event word in two events", _set_event("queue", "with_things", ["fix", "wait"]), "`fix` names both", "events", "words"),
    ("a takes-thing outside the things", _set_event("approval", "takes", ["form"]), "not among its things", "events", "takes"),
]


@pytest.mark.parametrize(("title", "change", "fragment", "section", "key"), CASES, ids=[c[0] for c in CASES])
def test_one_change_gives_exactly_one_error(title: str, change: Any, fragment: str, section: str, key: str) -> None:
    docs = copy.deepcopy(_documents())
    file = change(docs)
    errors = _errors(docs)
    assert len(errors) == 1, [str(e) for e in errors]
    error = errors[0]
    assert fragment in error.message and error.line > 0 and error.fix, str(error)
    if section == "metrics":
        assert error.file == file and error.key == key


def test_a_catalog_without_events_still_loads(tmp_path: Path) -> None:
    for p in DEFINITIONS_DIR.glob("*.yaml"):
        text = p.read_text()
        if p.name == "durations.yaml":
            text = text.split("events:\n", 1)[0] + "measures:\n" + text.split("\nmeasures:\n", 1)[1]
        (tmp_path / p.name).write_text(text)
    _, issues = build_catalog([(p.name, load_yaml_file(p)) for p in sorted(tmp_path.glob("*.yaml"))])
    assert any("unknown event" in i.message for i in issues)  # metrics naming an event that is gone are reported, not ignored
