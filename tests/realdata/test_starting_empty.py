"""A user with their own exports starts from an empty warehouse; the way there is named where they hit the wall."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from faces.cli.app import run_app
from tests.realdata import raw


def test_ingest_without_a_warehouse_names_the_empty_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "mine.duckdb"
    assert run_app(["ingest", str(raw.FOCUS), "--format", "focus", "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    assert f"pace seed --empty --db {db}" in err  # not only `pace seed`, which would add generated rows to theirs
    assert not db.exists()


def test_the_named_way_builds_a_warehouse_of_only_their_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "mine.duckdb"
    assert run_app(["seed", "--empty", "--db", str(db)]) == 0
    assert run_app(["ingest", str(raw.FOCUS), "--format", "focus", "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        lines = con.execute("SELECT count(*), count(*) FILTER (WHERE x_source NOT LIKE 'focus:%') FROM cost_daily").fetchone()
        jobs = con.execute("SELECT count(*) FROM jobs").fetchone()[0]
    assert lines == (len(raw.focus()), 0) and jobs == 0  # every line of the file, nothing generated beside it
