"""The weekly narrative: week resolution, every number a cited query result, renderers, the LLM guard."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.errors import UserError
from core.settings import Settings
from tools._warehouse import Warehouse
from tools.grounding import check_grounding, reproduce, visible_text
from tools.weekly import parse_week, resolve_week, weekly_narrative


@pytest.fixture(scope="module")
def report(demo_db: Path):  # type: ignore[no-untyped-def]
    """One full report (with the savings and forecast tools) for the default week."""
    return weekly_narrative(Settings(PACE_DB=demo_db))


def test_week_parsing_and_default() -> None:
    w = parse_week("2026-W47")
    assert (w.start, w.end) == (date(2026, 11, 16), date(2026, 11, 23))
    for bad in ("2026-47", "2026-W7", "W47", "2026-W54"):
        with pytest.raises(UserError):
            parse_week(bad)
    assert resolve_week(None, date(2026, 11, 22), date(2026, 8, 25)).label == "2026-W47"
    assert resolve_week(None, date(2026, 11, 21), date(2026, 8, 25)).label == "2026-W46"
    with pytest.raises(UserError, match="2026-W35 to 2026-W47"):
        resolve_week("2026-W20", date(2026, 11, 22), date(2026, 8, 25))


def test_as_of_picks_the_last_complete_week(demo_db: Path) -> None:
    r = weekly_narrative(Settings(PACE_DB=demo_db, PACE_AS_OF=date(2026, 11, 18)), with_tools=False)
    assert r.week.label == "2026-W46" and r.as_of == date(2026, 11, 18) and r.problems() == []


def test_default_week_and_sections(report) -> None:  # type: ignore[no-untyped-def]
    assert report.week.label == "2026-W47" and report.as_of == date(2026, 11, 22)
    titles = [s.title for s in report.draft.sections]
    assert titles == ["Headline", "Recommended actions", "Data quality", "Accelerator-hours by type", "Top movers",
                      "Savings", "Governance", "Reliability", "Forecast risks"]
    assert len(report.draft.sections[1].bullets) == 3
    assert report.unavailable == []  # savings and forecast tools are installed


def test_every_number_in_markdown_and_html_is_a_cited_query_result(report, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    rendered = report.rendered()
    md, html = report.to_markdown(), report.to_html()
    assert check_grounding(md, rendered.facts) == []
    assert check_grounding(visible_text(html), rendered.facts) == []
    assert len(re.findall(r"\[\d+\]", md.split("## Sources")[0])) >= 60
    for name, fact in zip(rendered.names, rendered.facts):
        assert fact.sql and fact.as_of == "2026-11-22", name
    # a tool's model output (savings, forecast) cites the tool's evidence SQL; every other fact reproduces
    with Warehouse(settings) as wh:
        queried = [f for f in rendered.facts if "tool" not in f.params]
        assert [str(p) for p in reproduce(queried, wh.run)] == []


def test_changed_number_in_rendered_report_is_caught(report) -> None:  # type: ignore[no-untyped-def]
    rendered = report.rendered()
    spend = rendered.facts[0].text()
    assert spend in rendered.body
    tampered = rendered.body.replace(spend, "$1,000,000", 1)
    assert [p.number for p in check_grounding(tampered, rendered.facts)] == ["$1,000,000"]


def test_week_over_week_is_consistent(report) -> None:  # type: ignore[no-untyped-def]
    f = report.draft.facts
    assert f["spend_pct"].value == pytest.approx(100 * (f["spend"].value - f["spend_prev"].value) / f["spend_prev"].value)


def test_html_is_self_contained(report) -> None:  # type: ignore[no-untyped-def]
    html = report.to_html()
    assert html.count('src="data:image/png;base64,') == 2
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert '<section class="sources">' in html and "<style>" in html


def test_slack_and_json(report) -> None:  # type: ignore[no-untyped-def]
    slack = report.to_slack()
    assert 3 < len(slack["blocks"]) <= 50 and slack["blocks"][0]["type"] == "header"
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in slack["blocks"])
    data = json.loads(report.render("json"))
    assert data["week"] == "2026-W47" and data["grounding_problems"] == [] and data["prose_source"] == "template"
    assert data["facts"][0]["footnote"] == 1 and data["facts"][0]["sql"].startswith("SELECT")
    with pytest.raises(UserError):
        report.render("pdf")


def _fake_client(edit):  # type: ignore[no-untyped-def]
    """An OpenAI-shaped client whose reply is the prompt's sections passed through `edit` (no network)."""
    def create(**kwargs):  # type: ignore[no-untyped-def]
        prompt = kwargs["messages"][0]["content"]
        payload = json.loads(prompt[prompt.index("Input:") + len("Input:"):])
        message = SimpleNamespace(content=json.dumps(edit(payload)))
        return SimpleNamespace(choices=[SimpleNamespace(message=message)])
    return SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))


def _edit_headline(fn):  # type: ignore[no-untyped-def]
    def edit(payload):  # type: ignore[no-untyped-def]
        payload["sections"][0]["template"] = fn(payload["sections"][0]["template"])
        return payload
    return edit


def _drop_section(payload):  # type: ignore[no-untyped-def]
    payload["sections"].pop()
    return payload


@pytest.fixture(scope="module")
def w46(demo_db: Path):  # type: ignore[no-untyped-def]
    """A template report for 2026-W46 without the slower tools; each LLM test rewrites a copy of it."""
    return weekly_narrative(Settings(PACE_DB=demo_db), "2026-W46", with_tools=False)


def _rewrite(report, client):  # type: ignore[no-untyped-def]
    from tools.weekly_prose import rewrite_with_llm

    r = copy.deepcopy(report)
    rewrite_with_llm(r, Settings(OPENAI_API_KEY="sk-test"), client)
    return r


@pytest.mark.parametrize("edit, why", [
    (_edit_headline(lambda t: t.replace("{spend}", "$999,999")), "placeholders differ"),
    (_edit_headline(lambda t: t + " Spend rose 12% since August."), "ungrounded"),
    (_drop_section, "section count changed"),
])
def test_llm_draft_that_changes_a_number_is_rejected(w46, edit, why) -> None:  # type: ignore[no-untyped-def]
    r = _rewrite(w46, _fake_client(edit))
    assert r.prose_source == "template" and "rejected" in r.llm_note and why in r.llm_note
    md = r.to_markdown()
    assert r.problems() == [] and check_grounding(md, r.rendered().facts) == []
    assert "$999,999" not in md and "12%" not in md and "rejected by the grounding check" in md


def test_llm_failure_keeps_the_template(w46) -> None:  # type: ignore[no-untyped-def]
    def create(**kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("no network in tests")
    r = _rewrite(w46, SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create))))
    assert r.prose_source == "template" and "ConnectionError" in r.llm_note


def test_llm_rewrite_that_keeps_numbers_is_used(w46) -> None:  # type: ignore[no-untyped-def]
    r = _rewrite(w46, _fake_client(_edit_headline(lambda t: "In short: " + t)))
    assert r.prose_source == "llm" and r.rendered().body.count("In short:") == 1 and r.problems() == []
    assert w46.unavailable == ["savings tool skipped", "forecast tool skipped"]
    assert "not available" in next(s.note for s in w46.draft.sections if s.title == "Savings")


def test_llm_configured_settings_call_the_model(demo_db: Path) -> None:
    calls = []

    def edit(payload):  # type: ignore[no-untyped-def]
        calls.append(payload)
        return payload
    r = weekly_narrative(Settings(PACE_DB=demo_db, OPENAI_API_KEY="sk-test"), "2026-W46", client=_fake_client(edit),
                         with_tools=False)
    assert len(calls) == 1 and r.prose_source == "llm" and r.problems() == []


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")
def test_html_screenshot_in_headless_chromium(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, png = tmp_path / "weekly.html", tmp_path / "weekly.png"
    page.write_text(report.to_html(), encoding="utf-8")
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tempfile.mkdtemp()}",
                    f"--screenshot={png}", "--window-size=1200,2400", page.as_uri()],
                   check=True, capture_output=True, timeout=90)
    assert png.stat().st_size > 50_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.rmtree(tmp_path, ignore_errors=True)
