"""Eval reports: a rich table per category for the terminal, and a markdown file listing every failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

THRESHOLDS_FILE = Path(__file__).parent / "thresholds.yaml"


SUITE_NOTES = {
    "questions": " (tuned suite: vocabulary was grown while looking at it; a regression suite)",
    "frozen": " (held-out split: never used to tune vocabulary; report-only, no gates)",
}


def load_thresholds() -> dict[str, Any]:
    return yaml.safe_load(THRESHOLDS_FILE.read_text())


def questions_gates(thresholds: dict[str, Any], as_of: str | None) -> dict[str, Any]:
    """The question suite's gates, with the overrides measured for this as-of date (`by_as_of`) applied."""
    base = {k: v for k, v in thresholds["questions"].items() if k != "by_as_of"}
    override = (thresholds["questions"].get("by_as_of") or {}).get(str(as_of), {})
    floors = {**(base.get("category_floors") or {}), **(override.get("category_floors") or {})}
    return {**base, **override, "category_floors": floors}


def gate_problems(result: dict[str, Any], thresholds: dict[str, Any] | None = None) -> list[str]:
    """Which pinned thresholds a suite result breaks (empty when it passes)."""
    t = thresholds or load_thresholds()
    suite = result.get("suite")
    out: list[str] = []
    if suite == "questions":
        q = questions_gates(t, result.get("as_of"))
        if result["execution_accuracy"] < q["execution_accuracy_min"]:
            out.append(f"execution accuracy {result['execution_accuracy']:.3f} < {q['execution_accuracy_min']}")
        if result["confidently_wrong_rate"] > q["confidently_wrong_rate_max"]:
            out.append(f"confidently-wrong rate {result['confidently_wrong_rate']:.3f} > {q['confidently_wrong_rate_max']}")
        hostile = result["by_category"].get("hostile")
        if hostile and hostile["accuracy"] < q["safety_min"]:
            out.append(f"safety (hostile refused, nothing run) {hostile['accuracy']:.3f} < {q['safety_min']}")
        if result.get("tool_n") and result["tool_accuracy"] < q.get("tool_accuracy_min", 1.0):
            out.append(f"tool cases {result['tool_accuracy']:.3f} < {q.get('tool_accuracy_min', 1.0)}")
        floors = q.get("category_floors") or {}
        for cat, floor in floors.items():
            got = result["by_category"].get(cat, {}).get("accuracy", 0.0)
            if got < floor:
                out.append(f"category {cat} accuracy {got:.3f} < {floor}")
        out += [f"category {cat} has no floor in thresholds.yaml" for cat in result["by_category"] if cat not in floors]
    elif suite == "anomalies":
        a = t["anomalies"]
        if result["precision"] < a["precision_min"]:
            out.append(f"anomaly precision {result['precision']:.3f} < {a['precision_min']}")
        if result["recall"] < a["recall_min"]:
            out.append(f"anomaly recall {result['recall']:.3f} < {a['recall_min']}")
        real, smd = result.get("real_data") or {}, t.get("smd") or {}
        if real.get("status") == "measured" and real["f1"] < smd.get("f1_min", 0.0):
            out.append(f"SMD F1 {real['f1']:.3f} < {smd.get('f1_min', 0.0)}")
        if real.get("status") == "measured" and real["f1"] < real["baseline"]["f1"] + smd.get("margin_min", 0.0):
            out.append(f"SMD F1 {real['f1']:.3f} does not beat the robust z baseline {real['baseline']['f1']:.3f} "
                       f"by {smd.get('margin_min', 0.0)}")
        hourly = (real.get("hourly") or {}).get("all") if real.get("status") == "measured" else None
        if hourly and hourly["f1"] < smd.get("hourly_f1_min", 0.0):
            out.append(f"SMD hourly F1 {hourly['f1']:.3f} < {smd.get('hourly_f1_min', 0.0)}")
        if hourly and hourly["f1"] < hourly["baseline"]["f1"] + smd.get("hourly_margin_min", 0.0):
            out.append(f"SMD hourly F1 {hourly['f1']:.3f} does not beat the robust z baseline "
                       f"{hourly['baseline']['f1']:.3f} by {smd.get('hourly_margin_min', 0.0)}")
    elif suite == "narrative":
        if result["grounded_rate"] < t["narrative"]["grounded_rate_min"]:
            out.append(f"narrative grounded rate {result['grounded_rate']:.3f} < {t['narrative']['grounded_rate_min']}")
    return out


def print_result(console: Console, result: dict[str, Any]) -> None:
    suite = result["suite"]
    if suite in ("questions", "frozen"):
        table = Table(title=f"{suite} ({result['planner']} planner): {result['n']} asked over {result['cases']} cases")
        for col in ("category", "n", "accuracy"):
            table.add_column(col, justify="left" if col == "category" else "right")
        for cat, v in result["by_category"].items():
            style = "green" if v["accuracy"] >= 0.9 else "yellow" if v["accuracy"] >= 0.7 else "red"
            table.add_row(cat, str(v["n"]), Text(f"{v['accuracy']:.0%}", style=style))
        console.print(table)
        console.print(
            f"[{result['suite']}{', as of ' + result['as_of'] if result.get('as_of') else ''}] "
            f"execution accuracy [bold]{result['execution_accuracy']:.1%}[/] ({result.get('execution_n', '?')} SQL items), "
            + (f"tool cases {result['tool_accuracy']:.1%} ({result['tool_n']}), " if result.get("tool_n") else "")
            + f"status accuracy {result['status_accuracy']:.1%}, "
            f"confidently wrong {result['confidently_wrong_rate']:.1%}, latency p50 {result['latency_ms']['p50']:.0f} ms "
            f"p95 {result['latency_ms']['p95']:.0f} ms" + (f", {result['pass_k']}" if result.get("pass_k") else ""),
            markup=True,
        )
    elif suite == "anomalies":
        console.print(
            f"anomalies: precision [bold]{result['precision']:.2f}[/], recall [bold]{result['recall']:.2f}[/], "
            f"F1 {result['f1']:.2f} ({result['findings']} findings, {result['injected']} injected)",
            markup=True,
        )
        real = result.get("real_data") or {}
        if real.get("status") == "measured":
            console.print(f"real server metrics (SMD, {len(real['machines'])} machines, a minute read as an hour): window F1 "
                          f"[bold]{real['f1']:.2f}[/] (P {real['precision']:.2f}, R {real['recall']:.2f}) vs robust z "
                          f"baseline {real['baseline']['f1']:.2f}", markup=True)
            hourly = (real.get("hourly") or {}).get("all")
            if hourly:
                console.print(f"  hourly means: F1 [bold]{hourly['f1']:.2f}[/] (P {hourly['precision']:.2f}, "
                              f"R {hourly['recall']:.2f}; {hourly['detector_with_peak']['f1']:.2f} with per-hour peaks) "
                              f"vs baseline {hourly['baseline']['f1']:.2f}", markup=True)
        elif real:
            console.print(f"real server metrics (SMD): {real.get('status')}")
    elif suite == "narrative":
        console.print(f"narrative: {result['drafts']} drafts, grounded {result['grounded_rate']:.0%}")


def markdown_report(results: list[dict[str, Any]]) -> str:
    """Every suite's scores and every failure: question, expected, got, SQL, why."""
    lines = ["# pace eval report", ""]
    for r in results:
        lines.append(f"## {r['suite']}" + SUITE_NOTES.get(r["suite"], ""))
        lines.append("")
        if r["suite"] in ("questions", "frozen"):
            lines += [
                f"- planner: {r['planner']}; as of {r.get('as_of', '?')}; asked {r['n']} over {r['cases']} cases",
                f"- execution accuracy (gold SQL, {r.get('execution_n', '?')} items): {r['execution_accuracy']:.1%}; "
                f"tool cases (right tool, rows): {r['tool_accuracy']:.1%} of {r['tool_n']}"
                if r.get("tool_n") else f"- execution accuracy (gold SQL, {r.get('execution_n', '?')} items): {r['execution_accuracy']:.1%}",
                f"- status accuracy: {r['status_accuracy']:.1%}; confidently wrong: {r['confidently_wrong_rate']:.1%}",
                f"- latency: p50 {r['latency_ms']['p50']:.0f} ms, p95 {r['latency_ms']['p95']:.0f} ms",
                "",
                "| category | n | accuracy |",
                "| --- | ---: | ---: |",
            ]
            lines += [f"| {c} | {v['n']} | {v['accuracy']:.0%} |" for c, v in r["by_category"].items()]
            lines += ["", f"### Failures ({len(r['failures'])})", ""]
            for f in r["failures"]:
                lines += [
                    f"- **{f['id']}** ({f['category']}): {f['question']}",
                    f"  - expected `{f['expected']}`, got `{f['got']}`; why: {f['reason']} {f['detail']}",
                ]
                if f.get("sql"):
                    lines.append(f"  - SQL: `{' '.join(f['sql'].split())[:400]}`")
        else:
            lines += [f"- {k}: {v}" for k, v in r.items() if k not in ("suite", "failures")]
            for f in r.get("failures", []):
                lines.append(f"  - {f}")
        lines.append("")
    return "\n".join(lines)
