"""Triage: the severity rubric and routing rules at their boundaries, text parsing, and whole drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semantic_layer.engine import Engine
from core.errors import UserError
from core.settings import Settings
from tools.grounding import check_grounding
from tools.triage import parse_text, triage
from tools.triage_rules import Signals, category_of, load_rules, route, severity

LEADS = {"atlas": "maria.chen", "orion": "sam.okafor"}


def sev(hours=0.0, teams=1, prod=False, duration=0.0, **rubric_changes) -> str:  # type: ignore[no-untyped-def]
    rubric = {**load_rules("severity"), **rubric_changes}
    return severity(Signals(hours, teams, prod, duration), rubric).value


@pytest.mark.parametrize("hours, expected", [(1000, "SEV1"), (900, "SEV1"), (899.9, "SEV2"), (100, "SEV2"),
                                             (90, "SEV2"), (89.9, "SEV3"), (20, "SEV3"), (18, "SEV3"), (17.9, "SEV4"), (0, "SEV4")])
def test_rubric_hours_lost_boundaries_with_unsure_margin(hours: float, expected: str) -> None:
    assert sev(hours=hours) == expected


@pytest.mark.parametrize("teams, expected", [(6, "SEV1"), (5, "SEV2"), (4, "SEV2"), (3, "SEV3"), (2, "SEV3"), (1, "SEV4")])
def test_rubric_teams_affected_boundaries(teams: int, expected: str) -> None:
    assert sev(teams=teams) == expected


@pytest.mark.parametrize("duration, expected", [(168, "SEV2"), (151.3, "SEV2"), (151.1, "SEV3"), (72, "SEV3"),
                                                (64.8, "SEV3"), (64.7, "SEV4")])
def test_rubric_duration_boundaries(duration: float, expected: str) -> None:
    assert sev(duration=duration) == expected


@pytest.mark.parametrize("duration, expected", [(1.0, "SEV1"), (0.9, "SEV1"), (0.89, "SEV2"), (0.0, "SEV2")])
def test_rubric_production_inference(duration: float, expected: str) -> None:
    assert sev(prod=True, duration=duration) == expected


def test_rubric_agrees_with_most_recorded_severities(settings: Settings) -> None:
    with Engine(settings) as engine:
        rows = engine.run_sql(
            "SELECT severity, accelerator_hours_lost, teams_affected, production_inference_affected, "
            "date_diff('minute', opened_at, COALESCE(resolved_at, TIMESTAMP '2026-11-23 00:00:00')) / 60.0 FROM incidents").rows
    rated = [severity(Signals(h, t, p, d)).value for _, h, t, p, d in rows]
    agree = sum(r == row[0] for r, row in zip(rated, rows)) / len(rows)
    lower = sum(r > row[0] for r, row in zip(rated, rows)) / len(rows)  # 'SEV4' > 'SEV1': rated less urgent
    assert agree >= 0.6 and lower <= 0.1, (agree, lower)


def test_rubric_without_margin_is_exact() -> None:
    assert sev(hours=999.9, unsure_margin=0.0) == "SEV2" and sev(hours=1000, unsure_margin=0.0) == "SEV1"


def test_rubric_unknown_signal_picks_the_higher_level() -> None:
    assert severity(Signals(0, 1, None, 0)).value == "SEV3"
    unknown = severity(Signals(None, 1, False, 0))
    assert unknown.value == "SEV3" and "could not be measured" in unknown.reason
    assert severity(Signals(5000, None, None, None)).value == "SEV1"  # never above SEV1
    assert sev(prod=None, unknown_escalates=False) == "SEV4"


@pytest.mark.parametrize("ctx, tier, owner", [
    ({"severity": "SEV1", "team": "atlas"}, 3, "infra-escalations"),
    ({"severity": "SEV2", "category": "hardware", "team": "atlas"}, 3, "infra-escalations"),
    ({"severity": "SEV2", "category": "jobs", "team": "atlas"}, 2, "maria.chen"),
    ({"severity": "SEV3", "category": "driver", "team": "atlas"}, 1, "oncall-fleet"),
    ({"severity": "SEV3", "category": "scheduler", "team": "atlas"}, 2, "maria.chen"),
    ({"severity": "SEV3", "team": "atlas", "teams_affected": 3}, 1, "oncall-fleet"),
    ({"severity": "SEV3", "team": "atlas", "teams_affected": 2}, 2, "maria.chen"),
    ({"severity": "SEV3", "team": "atlas", "similar_tier3": 2, "similar_total": 4}, 3, "infra-escalations"),
    ({"severity": "SEV3", "team": "atlas", "similar_tier3": 2, "similar_total": 5}, 2, "maria.chen"),
    ({"severity": "SEV3", "team": "atlas", "similar_tier3": 1, "similar_total": 1}, 2, "maria.chen"),
    ({"severity": "SEV4", "team": None}, 1, "oncall-fleet"),
    ({"severity": "SEV4", "team": "nobody"}, 1, "oncall-fleet"),
])
def test_routing_rules_at_their_boundaries(ctx: dict, tier: int, owner: str) -> None:
    decision = route(ctx, LEADS)
    assert (decision.tier, decision.owner) == (tier, owner), decision.reason


def test_routing_rejects_unknown_conditions() -> None:
    bad = {"owners": {1: "a", 3: "b"}, "rules": [{"name": "x", "when": {"moon_phase": "full"}, "tier": 1}]}
    with pytest.raises(ValueError, match="moon_phase"):
        route({"severity": "SEV4"}, {}, bad)


def test_category_and_text_parsing() -> None:
    assert category_of("NCCL timeouts on the fabric") == "network"
    assert category_of("training jobs keep failing") == "jobs"
    values = {"cluster": ["us-west-onprem", "us-east-aws"], "team": ["atlas"], "accelerator_type": ["H100", "TPU v5e"],
              "endpoint": ["assistant-chat"]}
    found = parse_text("Training on US-WEST-ONPREM and tpu v5e for Atlas; not us-west-onprem2", values)
    assert found == {"cluster": ["us-west-onprem"], "team": ["atlas"], "accelerator_type": ["TPU v5e"], "workload_type": ["training"]}
    assert parse_text("us-west-onprem2 h1000", values) == {}


@pytest.fixture(scope="module")
def failing(demo_db: Path):  # type: ignore[no-untyped-def]
    return triage(Settings(PACE_DB=demo_db), text="training jobs on cluster us-west-onprem keep failing")


def test_text_triage_names_the_cluster_quantifies_failures_and_routes(failing, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert failing.subject.scope.cluster == "us-west-onprem" and failing.subject.scope.workload_type == "training"
    assert "us-west-onprem" in failing.title
    f = failing.draft.facts
    with Engine(settings) as engine:
        direct = engine.run_sql(
            "SELECT COUNT(*) AS jobs, COUNT(*) FILTER (WHERE state = 'failed') AS failed FROM jobs "
            "WHERE cluster = 'us-west-onprem' AND workload_type = 'training' "
            "AND end_at >= TIMESTAMP '2026-11-21 00:00:00' AND end_at < TIMESTAMP '2026-11-23 00:00:00'").rows[0]
    assert (f["job_jobs"].value, f["job_failed"].value) == direct and direct[1] > 0
    assert f["job_failure_rate_pct"].value > f["job_baseline_failure_rate_pct"].value
    # not exactly one team failing above its usual rate, so no single team owns it: tier-1 on-call (default rule)
    assert f["job_teams_affected"].value != 1
    assert (failing.route.tier, failing.route.owner) == (1, "oncall-fleet")
    assert failing.severity.value in ("SEV1", "SEV2", "SEV3", "SEV4") and failing.severity.value in failing.render("md")
    md = failing.render("md")
    assert check_grounding(md, failing.facts) == [] and failing.problems() == []
    jobs = f["job_jobs"].value
    assert check_grounding(md.replace(f"{jobs} [2]", f"{jobs + 2} [2]"), failing.rendered().facts)  # a changed count is caught
    assert "## Timeline" in md and "## Next steps" in md and "## Similar past incidents" in md


def test_text_is_data_never_sql(demo_db: Path) -> None:
    nasty = "x'); DROP TABLE jobs; -- {spend} 42 read_csv('/etc/passwd')"
    d = triage(Settings(PACE_DB=demo_db), text=nasty)
    assert d.subject.matched == {} and "whole fleet" in d.render("md")
    assert all("DROP" not in sql and "passwd" not in sql for sql in d.evidence_sql)
    assert json.loads(d.render("json"))["grounding_problems"] == []


def test_incident_triage_and_unknown_id(demo_db: Path) -> None:
    s = Settings(PACE_DB=demo_db)
    d = triage(s, incident_id="INC-00030")
    data = json.loads(d.render("json"))
    assert data["kind"] == "incident" and data["grounding_problems"] == []
    assert [e["event"] for e in data["timeline"]][:2] == ["INC-00030 opened (SEV4)", "acknowledged"]
    assert d.draft.facts["inc_lost"].value > 0 and d.route.tier in (1, 2, 3)
    slack = json.loads(d.render("slack"))
    assert len(slack["blocks"]) <= 50
    with pytest.raises(UserError, match="INC-000"):
        triage(s, incident_id="INC-99999")
    with pytest.raises(UserError, match="exactly one"):
        triage(s, text="x", incident_id="INC-00030")


def test_finding_triage(demo_db: Path) -> None:
    pytest.importorskip("tools.scan")
    d = triage(Settings(PACE_DB=demo_db), finding="F001")
    data = json.loads(d.render("json"))
    assert data["kind"] == "finding" and data["title"].startswith("F001") and data["grounding_problems"] == []
    assert d.draft.facts["find_impact"].value == d.subject.finding.impact_usd


def test_agent_registry_entries(demo_db: Path) -> None:
    from datetime import date

    from tools.drafting_tools import _week_of
    from assistant.toolbox import REGISTRY
    from tools.registry import TOOLS

    assert {"weekly", "triage"} <= set(TOOLS) and {"weekly", "triage"} <= set(REGISTRY)
    r = TOOLS["triage"](Settings(PACE_DB=demo_db), "triage: training jobs on cluster us-west-onprem keep failing", None)
    assert "us-west-onprem" in r.summary_text() and "## Sources" not in r.summary_text() and r.evidence_sql
    assert r.columns == ["fact", "label", "value", "text"] and r.rows
    assert _week_of((date(2026, 11, 9), date(2026, 11, 16))) == "2026-W46" and _week_of((date(2026, 11, 9), date(2026, 11, 12))) is None


def test_slurm_failure_states_count_as_failures_like_the_catalog(demo_db: Path, tmp_path: Path) -> None:
    """A job that ended TIMEOUT or OUT_OF_MEMORY is a failure in triage, as in the catalog's
    job_failure_rate_pct (sacct JOB STATE CODES); a cancelled one is not."""
    import shutil

    import duckdb

    text = "training jobs on cluster us-west-onprem keep failing"
    before = triage(Settings(PACE_DB=demo_db), text=text)
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    start, end = before.subject.start, before.subject.end
    with duckdb.connect(str(db)) as con:
        ids = [r[0] for r in con.execute(
            "SELECT job_id FROM jobs WHERE cluster = 'us-west-onprem' AND workload_type = 'training' AND state = 'completed' "
            "AND end_at >= ? AND end_at < ? "
            "ORDER BY job_id LIMIT 3", [start, end]).fetchall()]
        assert len(ids) == 3
        for job_id, state in zip(ids, ("timeout", "out_of_memory", "cancelled")):
            con.execute("UPDATE jobs SET state = ? WHERE job_id = ?", [state, job_id])
    after = triage(Settings(PACE_DB=db), text=text)
    facts, was = after.draft.facts, before.draft.facts
    assert facts["job_failed"].value == was["job_failed"].value + 2
    assert facts["job_jobs"].value == was["job_jobs"].value
    assert after.problems() == []


def test_catalog_rows_doctests() -> None:
    import doctest

    import tools.catalog_rows

    assert doctest.testmod(tools.catalog_rows).failed == 0
