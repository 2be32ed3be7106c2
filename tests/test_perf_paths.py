"""What the fast answer path relies on: one warehouse open per process, one compile and one validation
per answer, dimension values read in one statement equal to the per-dimension reads. Speed itself is
measured in benchmarks/, never here."""

from __future__ import annotations

from pathlib import Path

import pytest

import semantic_layer.compiler as compiler
import semantic_layer.validator as validator
import telemetry.warehouse as warehouse
from assistant import semantics
from assistant.service import answer
from core.settings import load_settings
from semantic_layer import live_requests
from semantic_layer.catalog import _distinct_values, _value_source, load_catalog
from semantic_layer.engine import Engine


@pytest.fixture()
def fresh(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A process with no cached resources for the warehouse, as a new `pace ask` starts."""
    monkeypatch.setattr(semantics, "_CACHE", {})
    return demo_db


def _count(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_cli_ask_opens_the_warehouse_once(fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from faces.cli import run_app

    opens = _count(monkeypatch, warehouse, "open_reader")
    monkeypatch.setattr("semantic_layer.engine.open_reader", warehouse.open_reader)
    code = run_app(["ask", "gpu hours by team last week", "--db", str(fresh)])
    assert code == 0, capsys.readouterr()
    assert "atlas" in capsys.readouterr().out
    assert opens[0] == 1


def test_an_answer_compiles_and_validates_once(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(PACE_DB=fresh)
    semantics.resources_for(settings).catalog  # values read first: their own validated statement
    compiles = _count(monkeypatch, compiler, "compile_query")
    validations = _count(monkeypatch, validator, "validate_sql")
    monkeypatch.setattr("semantic_layer.engine.validate_sql", validator.validate_sql)
    result = answer("gpu hours by team last week", settings=settings, charts=False)
    assert result.status == "answered" and result.rows
    assert (compiles[0], validations[0]) == (1, 1)


def test_sql_the_validator_refuses_never_runs(fresh: Path) -> None:
    res = semantics.resources_for(load_settings(PACE_DB=fresh))
    with pytest.raises(Exception, match="read-only|not allowed|refus"):
        res.run_sql("DELETE FROM teams")
    assert "DELETE FROM teams" not in res._validated


def test_values_in_one_statement_equal_per_dimension_reads(fresh: Path) -> None:
    catalog = load_catalog()
    engine = Engine(load_settings(PACE_DB=fresh))
    valued = catalog.with_values(engine)
    capped = catalog.with_values(engine, max_values=2)
    stored = live_requests.store_values(engine.settings, ["status", "priority"])
    for name, dim in catalog.dimensions.items():
        source = _value_source(catalog, dim)
        if dim.kind != "categorical" or source is None:
            continue
        values = valued.dimensions[name].values
        assert capped.dimensions[name].values == values[:2], name
        if source[0] != live_requests.TABLE:
            assert values == _distinct_values(*source, engine, 500), name
            continue
        # requests: the warehouse's values plus the governance store's, a superset of what questions see
        with live_requests.warehouse_only():
            own = _distinct_values(*source, engine, 500)
        assert values == sorted(set(own) | set(stored.get(source[1], []))), name
        assert set(_distinct_values(*source, engine, 500)) <= set(values), name
    assert valued.dimensions["team"].values and valued.dimensions["resolved_tier"].values == sorted(valued.dimensions["resolved_tier"].values)
    engine.close()


def test_memoryless_turn_runs_the_graphs_own_wiring() -> None:
    """graph/plain.py walks the same nodes and edges as the compiled LangGraph graph."""
    from assistant.graph.graph import build_graph
    from assistant.graph.plain import END, FIRST, START, wiring

    drawn = build_graph().get_graph()
    edges = {(e.source, e.target) for e in drawn.edges}
    table = wiring()
    plain_edges = {(START, FIRST)} | {(node, nxt) for node, (_f, _r, allowed) in table.items() for nxt in allowed}
    assert plain_edges == edges
    assert set(table) == set(drawn.nodes) - {START, END}


def test_memoryless_answer_equals_the_graphs_and_skips_langgraph(fresh: Path) -> None:
    """Same Answer from both runners, and a fresh process answering without a thread never imports LangGraph."""
    import subprocess
    import sys

    from assistant.graph.context import Context
    from assistant.graph.graph import build_graph
    from assistant.graph.plain import run_turn

    settings = load_settings(PACE_DB=fresh)
    for question in ("gpu hours by team last week", "what can you do", "delete all jobs", "cost by team in Octobr"):
        ctx = Context(settings=settings, charts=False)
        plain = run_turn(question, ctx)["answer"]
        graph = build_graph().invoke({"question": question}, config={"configurable": {"thread_id": "t"}}, context=ctx)["answer"]
        for answer_json in (plain, graph):
            answer_json.pop("timings_ms", None)
        assert plain == graph, question

    code = ("import sys; from assistant.service import answer; from core.settings import load_settings; "
            f"a = answer('gpu hours by team last week', settings=load_settings(PACE_DB={str(fresh)!r}), charts=False); "
            "assert a.status == 'answered', a.text; print(sorted(m for m in sys.modules if m.split('.')[0] in ('langgraph', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_values_are_read_once_per_warehouse_version(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later process reuses the values of the same file version; a writer's swap reads them afresh."""
    import shutil

    db = tmp_path / "w.duckdb"
    shutil.copyfile(fresh, db)
    runs = _count(monkeypatch, Engine, "run_sql")
    catalog = load_catalog()

    def values() -> list[str]:
        with Engine(load_settings(PACE_DB=db)) as engine:
            return catalog.with_values(engine).dimensions["team"].values

    first = values()
    assert runs[0] == 1 and first
    assert values() == first and runs[0] == 1  # same version: from the cache, no statement run
    swapped = tmp_path / "next.duckdb"
    shutil.copyfile(fresh, swapped)
    swapped.replace(db)  # what a writer does: a new file renamed over the old one
    assert values() == first and runs[0] == 2
