"""The web app: 200 on every dashboard and every URL in docs/dashboards.md; filters change the tiles;
a failing tile shows its error while the rest render; loopback unless asked; only pace's own assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faces.web import check_host
from core.errors import UserError

DOC = Path(__file__).resolve().parents[2] / "docs" / "dashboards.md"
DOC_URLS = sorted(set(re.findall(r"`(/d/[^`\s]+)`", DOC.read_text())))


def test_docs_list_urls() -> None:
    assert len(DOC_URLS) >= 8


@pytest.mark.parametrize("url", DOC_URLS + ["/d/team", "/d/governance", "/d/reliability", "/d/serving", "/d/anomalies"])
def test_every_documented_view_answers_200(client, url: str) -> None:  # noqa: ANN001
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert 'data-status="error"' not in r.text, re.findall(r'tile-error" role="alert">(.{0,200})', r.text)
    assert "<svg" in r.text or "<table" in r.text


def test_root_redirects_to_the_first_dashboard(client) -> None:  # noqa: ANN001
    r = client.get("/?range=3d", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/d/fleet?range=3d"


def test_filters_live_in_the_url_and_change_tiles(client) -> None:  # noqa: ANN001
    base = client.get("/api/d/fleet?range=7d").json()
    one = client.get("/api/d/fleet?range=7d&cluster=us-east-aws").json()
    assert one["filters"] == {"cluster": "us-east-aws"}
    spend = {t["id"]: t for t in base["tiles"]}["spend"]["rows"][0][0]
    spend_one = {t["id"]: t for t in one["tiles"]}["spend"]["rows"][0][0]
    assert 0 < spend_one < spend
    page = client.get("/d/fleet?range=7d&cluster=us-east-aws").text
    assert '<option value="us-east-aws" selected>' in page
    assert 'href="/d/team?range=7d&amp;cluster=us-east-aws"' in page  # navigation keeps the view


def test_grain_follows_the_range(client) -> None:  # noqa: ANN001
    assert client.get("/api/d/fleet?range=3d").json()["grain"] == "hour"
    assert client.get("/api/d/fleet?range=30d").json()["grain"] == "day"
    assert client.get("/api/d/fleet?range=all").json()["grain"] == "day"
    util = {t["id"]: t for t in client.get("/api/d/fleet?range=24h").json()["tiles"]}["util_by_type"]
    assert "time__hour" in util["columns"]


def test_tile_shows_sql_freshness_and_chat_form(client) -> None:  # noqa: ANN001
    page = client.get("/d/fleet?range=7d&team=atlas").text
    assert "<summary>SQL, freshness and chat form</summary>" in page
    assert "data through 2026-11-22 23:00" in page
    assert "pace ask &quot;Utilization by accelerator type per day for team atlas from 2026-11-16 to 2026-11-22&quot;" in page
    assert "SELECT" in page


def test_bad_filters_are_a_400_with_the_fix(client) -> None:  # noqa: ANN001
    r = client.get("/d/fleet?range=2w")
    assert r.status_code == 400 and "unknown range `2w`" in r.text
    assert client.get("/d/fleet?from=2026-11-10").status_code == 400
    assert client.get("/d/nope").status_code == 404


def test_a_failing_tile_shows_its_error_and_the_rest_render(client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from dashboards import tools

    def boom(ctx, state):  # noqa: ANN001, ANN202
        raise RuntimeError("warehouse on fire")

    monkeypatch.setitem(tools.TOOLS, "hour_of_day_utilization", boom)
    page = client.get("/d/fleet?range=14d").text
    assert page.count('data-status="error"') == 1
    assert "internal error: RuntimeError: warehouse on fire" in page
    assert page.count('data-status="ok"') == 17


def test_only_own_assets_no_cdn(client) -> None:  # noqa: ANN001
    page = client.get("/d/fleet").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert client.get("/static/dashboard.css").status_code == 200
    assert client.get("/static/dashboard.js").status_code == 200


def test_loopback_by_default() -> None:
    check_host("127.0.0.1", False)
    check_host("::1", False)
    with pytest.raises(UserError, match="--allow-remote"):
        check_host("0.0.0.0", False)
    check_host("0.0.0.0", True)


def test_ask_link_answers_the_tile_question(client) -> None:  # noqa: ANN001
    assert client.get("/ask").status_code == 400
    r = client.get("/ask", params={"q": "Utilization by accelerator type from 2026-11-16 to 2026-11-22"})
    assert r.status_code == 200
    assert 'pace ask "Utilization by accelerator type from 2026-11-16 to 2026-11-22"' in r.text
    assert "H100" in r.text and "SELECT" in r.text


def test_a_slow_tile_does_not_hold_the_page(dash_ctx, shipped, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import time
    from datetime import datetime

    from dashboards import tools
    from dashboards.state import FilterState

    monkeypatch.setitem(tools.TOOLS, "hour_of_day_utilization", lambda ctx, state: time.sleep(8))
    monkeypatch.setattr(dash_ctx, "deadline_s", 3.0)
    t0 = time.perf_counter()
    results = {r.tile.id: r for r in dash_ctx.run(shipped["fleet"], FilterState(datetime(2026, 11, 16), datetime(2026, 11, 23)))}
    assert time.perf_counter() - t0 < 7
    assert "still running after 3s" in results["util_heatmap"].error
    assert results["spend"].error is None and results["spend"].rows


def test_adding_a_tile_is_yaml_only(demo_db: Path, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from faces.web import create_app
    from dashboards.loader import DEFINITIONS_DIR, load_dashboards
    from dashboards.runner import base_catalog
    from core.settings import Settings

    text = (DEFINITIONS_DIR / "serving.yaml").read_text() + (
        "      - id: p50_latency\n        title: Latency p50 by endpoint\n        metrics: [latency_p50_ms]\n"
        "        group_by: [endpoint]\n        visual: bar\n")
    (tmp_path / "serving.yaml").write_text(text)
    dashboards = load_dashboards(base_catalog(), tmp_path)
    with TestClient(create_app(Settings(PACE_DB=demo_db), dashboards=dashboards)) as client:
        page = client.get("/d/serving?range=3d").text
    assert 'id="tile-p50_latency" data-tile="p50_latency" data-status="ok"' in page
    assert "Latency p50 by endpoint" in page and "search-rerank" in page


@pytest.mark.parametrize("query", ["team=no-such-team", "cluster=" + "x" * 6_000, "team=%3Cscript%3Ealert(1)%3C/script%3E",
                                   "accelerator_type=H100%00", "workload_type=[/oops]"])
def test_unknown_filter_values_are_a_400_that_does_not_echo_them(client, query: str) -> None:  # noqa: ANN001
    for path in ("/d/fleet", "/api/d/fleet"):
        r = client.get(f"{path}?range=7d&{query}")
        assert r.status_code == 400
        assert len(r.content) < 5_000 and "x" * 40 not in r.text
        assert "<script>" not in r.text or path.startswith("/api")  # HTML escapes it; JSON carries it as a string


def test_filter_values_match_without_case_and_use_the_datas_spelling(client) -> None:  # noqa: ANN001
    r = client.get("/api/d/fleet?range=7d&cluster=US-EAST-AWS")
    assert r.status_code == 200 and r.json()["filters"] == {"cluster": "us-east-aws"}


@pytest.mark.parametrize("dates", ["from=0001-01-01&to=9999-12-31", "from=1970-01-01&to=2026-11-10", "from=2026-11-20&to=2999-01-01"])
def test_dates_past_the_data_are_cut_to_it_and_every_tile_renders(client, dates: str) -> None:  # noqa: ANN001
    r = client.get(f"/api/d/fleet?{dates}")
    assert r.status_code == 200, r.text[:300]
    assert [t["id"] for t in r.json()["tiles"] if t["error"]] == []
    page = client.get(f"/d/fleet?{dates}")
    assert page.status_code == 200 and 'data-status="error"' not in page.text


@pytest.mark.parametrize("dates", ["from=0001-01-01&to=0002-01-01", "from=9998-01-01&to=9999-12-31"])
def test_a_period_that_misses_the_data_is_a_400_naming_the_datas_range(client, dates: str) -> None:  # noqa: ANN001
    r = client.get(f"/api/d/fleet?{dates}")
    assert r.status_code == 400 and "the data covers" in r.json()["error"]


def test_ask_refuses_an_overlong_question_without_echoing_it(client) -> None:  # noqa: ANN001
    r = client.get("/ask", params={"q": "cost by team " + "y" * 5_000})
    assert r.status_code == 400 and "y" * 100 not in r.text and len(r.content) < 5_000
