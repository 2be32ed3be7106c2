"""The anomaly and narrative suites: scan quality against the generator's ground truth, and grounding
of the drafts (every number in a weekly narrative or triage draft equals a cited query result).

Both call the tools' public entry points, the same ones the CLI and the agent use.
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings


def run_anomalies(settings: Settings) -> dict[str, Any]:
    """Precision, recall and F1 of `pace scan` over the whole warehouse against `anomaly_ground_truth`."""
    from tools.findings import score_against_ground_truth
    from tools.scan import load_ground_truth, scan

    result = scan(settings)
    truth = load_ground_truth(settings)
    precision, recall, f1 = score_against_ground_truth(result.findings, truth)
    return {
        "suite": "anomalies",
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "findings": len(result.findings),
        "injected": len(truth),
        "elapsed_ms": result.elapsed_ms,
        "real_data": _real_data(),
    }


def _real_data() -> dict[str, Any]:
    """The same detectors on real labelled server metrics (SMD), next to the robust z baseline; says so
    when the fixture slice is absent instead of inventing a figure."""
    from evals import smd

    if not smd.machines():
        return {"dataset": "SMD", "status": "no slice in tests/fixtures/smd (see its README)"}
    out = smd.run_smd()
    return {"dataset": "SMD", "status": "measured", "machines": out["machines"], "metric": out["metric"],
            "precision": out["precision"], "recall": out["recall"], "f1": out["f1"],
            "baseline": {k: out["baseline"][k] for k in ("precision", "recall", "f1")}, "splits": out["splits"],
            "hourly": out["hourly"]}


def run_narrative(settings: Settings, weeks: int = 3) -> dict[str, Any]:
    """Weekly narratives for the last `weeks` weeks (body, markdown and HTML) and triage drafts:
    every number must equal a cited query result."""
    from tools.grounding import check_grounding, visible_text
    from tools.weekly import weekly_narrative

    latest = weekly_narrative(settings, with_tools=False)
    reports = [latest] + [weekly_narrative(settings, _previous_week(latest.week, i), with_tools=False) for i in range(1, weeks)]
    drafts: list[dict[str, Any]] = []
    for rep in reports:
        facts = rep.rendered().facts
        for fmt, text in (("body", rep.rendered().body), ("md", rep.to_markdown()), ("html", visible_text(rep.to_html()))):
            problems = check_grounding(text, facts)
            drafts.append({"draft": f"weekly {rep.week.label} ({fmt})", "problems": [str(p) for p in problems]})
    drafts += _triage_drafts(settings)
    grounded = sum(not d["problems"] for d in drafts)
    return {
        "suite": "narrative",
        "drafts": len(drafts),
        "grounded_rate": grounded / max(1, len(drafts)),
        "failures": [d for d in drafts if d["problems"]],
    }


def _previous_week(week: Any, back: int) -> str:
    from datetime import timedelta

    iso = (week.start - timedelta(days=7 * back)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _triage_drafts(settings: Settings) -> list[dict[str, Any]]:
    """Triage drafts for a free-text alert and for the latest incidents, checked the same way."""
    try:
        from tools.grounding import check_grounding
        from tools.triage import triage
    except ImportError:
        return []
    from telemetry.warehouse import open_reader

    with open_reader(settings.db) as con:
        ids = [r[0] for r in con.execute("SELECT incident_id FROM incidents ORDER BY opened_at DESC LIMIT 3").fetchall()]
    out = []
    inputs = [("text", "training jobs on cluster us-west-onprem keep failing")] + [("incident", i) for i in ids]
    for kind, value in inputs:
        draft = triage(settings, text=value) if kind == "text" else triage(settings, incident_id=value)
        problems = check_grounding(draft.render("md"), draft.facts)
        out.append({"draft": f"triage {value}", "problems": [str(p) for p in problems]})
    return out
