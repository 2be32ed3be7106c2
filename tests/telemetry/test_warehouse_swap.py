"""Copy-on-write versions: a long-running reader keeps answering across a writer's swap and then sees it."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.semantics import resources_for
from core.settings import Settings
from semantic_layer.engine import Engine
from telemetry.warehouse import open_reader, version, writer


def _jobs(engine: Engine) -> int:
    return engine.run_sql("SELECT count(*) FROM jobs").rows[0][0]


def test_an_engine_reopens_after_a_swap_and_running_requests_finish_on_their_version(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    settings = Settings(PACE_DB=db)
    with Engine(settings) as engine:
        n = _jobs(engine)
        with engine.cursor() as pinned:  # a request in flight on the current version
            v0 = version(db)
            with writer(db) as con:
                con.execute("DELETE FROM jobs WHERE job_id IN (SELECT job_id FROM jobs ORDER BY job_id LIMIT 5)")
                assert _jobs(engine) == n  # readers see the old version until the swap
            assert version(db) != v0
            assert _jobs(engine) == n - 5  # the next request opens the new version
            assert pinned.execute("SELECT count(*) FROM jobs").fetchone()[0] == n  # the pinned one keeps its own
    with open_reader(db) as con:
        assert con.execute("SELECT count(*) FROM jobs").fetchone()[0] == n - 5


def test_the_assistant_resources_follow_the_current_version(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    settings = Settings(PACE_DB=db)
    first = resources_for(settings)
    assert resources_for(settings) is first
    with writer(db) as con:
        con.execute("UPDATE teams SET team = team")
    second = resources_for(settings)
    assert second is not first and second.version == version(db)
    assert second.run_sql("SELECT count(*) FROM teams").rows[0][0] > 0


def test_a_killed_writer_leaves_nothing_that_the_next_one_keeps(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    (tmp_path / ".w.duckdb.next-99999").write_bytes(b"half a version")
    with writer(db) as con:
        con.execute("CREATE TABLE my_notes AS SELECT 1 AS x")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with open_reader(db) as con:
        assert con.execute("SELECT x FROM my_notes").fetchall() == [(1,)]
