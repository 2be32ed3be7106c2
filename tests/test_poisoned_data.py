"""Poisoned data: team names an attacker chose, rendered by every face. Each face exits 0 and none
lets a mention, a link, markup or an escape sequence through."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.settings import Settings

LONG = "long-" + "x" * 4995
POISON = [
    "<!channel> <!here> see <https://evil.example/login|the fix>",
    "[/oops]",
    "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "<script>alert(1)</script>",
    "it's \"quoted\" & 'single'",
    "line one\nline two\r\nthree",
    LONG,
    "[link=https://evil.example]click[/link] [bold]b[/bold]",
]
ESCAPES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
QUESTION = "effective cost by team last week"


@pytest.fixture(scope="module")
def poisoned(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo warehouse whose first teams are renamed to the poison names, everywhere."""
    path = tmp_path_factory.mktemp("poisoned") / "poisoned.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    try:
        # the biggest spenders, so every face that ranks teams shows the poison
        teams = [r[0] for r in con.execute("SELECT x_team FROM cost_daily WHERE x_team IS NOT NULL GROUP BY 1 "
                                           "ORDER BY sum(EffectiveCost) DESC LIMIT ?", [len(POISON)]).fetchall()]
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE column_name IN ('team', 'x_team', "
            "'primary_team') AND table_schema = 'main' AND table_name IN "
            "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')").fetchall()
        for old, new in zip(teams, POISON):
            for table, column in columns:
                con.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?', [new, old])
    finally:
        con.close()
    return path


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _assert_slack_safe(blocks: list[dict[str, Any]], fallback: str | None = None) -> None:
    for text in [*_texts(blocks), *([fallback] if fallback is not None else [])]:
        assert "<!" not in text and "<https:" not in text and "<http:" not in text and "<@" not in text, text[:200]
        assert not ESCAPES.search(text.replace("\n", "")), repr(text[:200])
        assert len(text) <= 3000
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if text.startswith("```"):
            assert text.endswith("```") and text.count("```") == 2 and text.strip("`").strip(), text[:200]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from faces.cli import run_app

    code = run_app(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_terminal_safe(out: str) -> None:
    assert not ESCAPES.search(out.replace("\n", "").replace("\t", "")), repr(ESCAPES.search(out.replace("\n", "")))
    assert "pwned" not in out or "\x1b]0;pwned" not in out
    assert "Traceback" not in out and "MarkupError" not in out


def test_cli_table_json_and_sql_print_the_names_as_text(poisoned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "ask", QUESTION, "--db", str(poisoned))
    assert code == 0, err
    _assert_terminal_safe(out + err)
    assert "[/oops]" in out and "[link=https://evil.example]click[/link]" in out and LONG in out  # shown whole, as text
    code, out, err = _run(capsys, "ask", QUESTION, "--db", str(poisoned), "--json")
    assert code == 0 and "\x1b" not in out
    assert set(POISON) <= {r[0] for r in json.loads(out)["rows"]}
    code, out, err = _run(capsys, "sql", "SELECT team, org FROM teams ORDER BY team", "--db", str(poisoned))
    assert code == 0, err
    _assert_terminal_safe(out + err)
    assert "[/oops]" in out and LONG in out


def test_cli_on_a_narrow_terminal_keeps_every_name_and_no_escape(poisoned: Path) -> None:
    from assistant.render.console import SafeConsole
    from assistant.render.terminal import print_answer
    from assistant.service import answer

    result = answer(QUESTION, settings=Settings(PACE_DB=poisoned), planner="offline")
    buf = io.StringIO()
    console = SafeConsole(file=buf, force_terminal=True, width=80, color_system="truecolor")
    print_answer(result, console)
    out = buf.getvalue()
    assert "\x1b]" not in out and "\x07" not in out and "\x1b[31m" not in out  # only Rich's own styling remains
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "[/oops]" in plain and "<script>alert(1)</script>" in plain


def test_slack_blocks_and_fallback(poisoned: Path) -> None:
    from assistant.render.slack import to_blocks
    from assistant.service import answer
    from faces.slack import blocks as bk

    result = answer(QUESTION, settings=Settings(PACE_DB=poisoned), planner="offline")
    assert result.status == "answered" and set(POISON) & {r[0] for r in result.rows}
    _assert_slack_safe(to_blocks(result))
    _assert_slack_safe(bk.answer_blocks(result, key="k"), bk.fallback_text(result))
    _assert_slack_safe(bk.result_blocks("pace tool", {"text": POISON[0], "columns": result.columns, "rows": result.rows},
                                        key="k"), bk.fallback_text(POISON[0]))
    assert "&lt;!channel&gt;" in json.dumps(to_blocks(result)) or "&lt;!channel&gt;" in bk.fallback_text(POISON[0])
    assert bk.echo(POISON[0]).startswith("&lt;!channel&gt;")


def test_dashboard_html(poisoned: Path) -> None:
    from starlette.testclient import TestClient

    from faces.web import create_app

    with TestClient(create_app(Settings(PACE_DB=poisoned))) as client:
        for url in ("/d/team?range=30d", "/d/fleet?range=7d", "/d/fleet?range=7d&team=%5B%2Foops%5D"):
            r = client.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            assert "<script>alert" not in r.text and "\x1b" not in r.text and "<!channel>" not in r.text
        r = client.get("/api/d/team?range=30d")
        assert r.status_code == 200


def test_weekly_html_and_slack(poisoned: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_html = tmp_path / "weekly.html"
    code, _, err = _run(capsys, "weekly", "--format", "html", "--out", str(out_html), "--db", str(poisoned))
    assert code == 0, err
    page = out_html.read_text()
    assert "<script>alert" not in page and "\x1b" not in page
    code, out, err = _run(capsys, "weekly", "--format", "md", "--db", str(poisoned))
    assert code == 0, err
    _assert_terminal_safe(out)
    code, out, err = _run(capsys, "weekly", "--format", "slack", "--db", str(poisoned))
    assert code == 0, err
    message = json.loads(out)
    _assert_slack_safe(message["blocks"], message.get("text"))


def test_llm_prompt_quotes_the_names_as_capped_clean_data(poisoned: Path) -> None:
    from assistant.planner import llm_context
    from semantic_layer.catalog import load_catalog
    from semantic_layer.engine import Engine

    with Engine(Settings(PACE_DB=poisoned)) as engine:
        catalog = load_catalog().with_values(engine)
    line = llm_context.dimension_line(catalog, "team")
    assert "Values (data): [" in line and not ESCAPES.search(line) and "\n" not in line
    assert LONG not in line and len(line) < 2_000
    assert '"[/oops]"' in line and json.dumps("<!channel> <!here> see <https://evil.example/login|the fix>") in line
