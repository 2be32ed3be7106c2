"""Every state a warehouse path can be in gets one `error:` line and exit 2, and the file stays as it was.

Only `pace seed` and `pace demo` create a warehouse; a DuckDB file without pace's metadata is never
written; a bug is one line and exit 1 (the traceback only with PACE_DEBUG=1).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from faces.cli.app import run_app
from telemetry.warehouse import writer
from tests.ingest.support import FIXTURES

SACCT = str(FIXTURES / "sacct_sample.txt")
# Commands that need a warehouse, each with the least it takes to run.
COMMANDS = {
    "ask": ["ask", "effective cost by team last week"],
    "sql": ["sql", "SELECT count(*) FROM jobs"],
    "scan": ["scan"],
    "forecast": ["forecast"],
    "request list": ["request", "list"],
    "ingest": ["ingest", SACCT, "--format", "sacct"],
    "export": ["export", "--format", "parquet", "--out", "{tmp}/parquet"],
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<not a file>"


def _pace(capsys: pytest.CaptureFixture[str], args: list[str], db: Path) -> tuple[int, str]:
    code = run_app([a.replace("{tmp}", str(db.parent)) for a in args] + ["--db", str(db)])
    return code, capsys.readouterr().err


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def pace_db(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "pace.duckdb"
    shutil.copy(demo_db, db)
    return db


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_path_is_refused_and_nothing_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          command: str) -> None:
    db = tmp_path / "typo" / "wharehouse.duckdb"
    code, err = _pace(capsys, COMMANDS[command], db)
    line = _one_error_line(err)
    assert code == 2 and f"no warehouse at {db}" in line and f"pace seed --db {db}" in line and "pace demo" in line
    assert not db.parent.exists()


def _foreign(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE jobs AS SELECT 42 AS my_own_column")
    return path


def _truncated(path: Path, demo_db: Path) -> Path:
    path.write_bytes(demo_db.read_bytes()[:100_000])
    return path


def _corrupt(path: Path, demo_db: Path) -> Path:
    data = bytearray(demo_db.read_bytes())
    data[:4096] = b"\xff" * 4096  # the headers gone
    path.write_bytes(bytes(data))
    return path


STATES = {
    "corrupt": (lambda p, demo: _corrupt(p, demo), "not a readable DuckDB warehouse"),
    "truncated": (lambda p, demo: _truncated(p, demo), "not a readable DuckDB warehouse"),
    "text file": (lambda p, demo: (p.write_text("JobID|User\n1|alice\n"), p)[1], "not a readable DuckDB warehouse"),
    "not pace": (lambda p, demo: _foreign(p), "without pace's metadata"),
    "directory": (lambda p, demo: (p.mkdir(), p)[1], "is not a file"),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("command", ["ask", "sql", "ingest", "request list"])
def test_bad_states_exit_2_with_one_line_and_leave_the_file_alone(demo_db: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   state: str, command: str) -> None:
    make, message = STATES[state]
    db = make(tmp_path / "w.duckdb", demo_db)
    before = _digest(db)
    code, err = _pace(capsys, COMMANDS[command], db)
    assert code == 2 and message in _one_error_line(err)
    assert _digest(db) == before
    assert not list(tmp_path.glob(".w.duckdb.next-*"))


def test_seed_refuses_a_file_that_is_not_a_pace_warehouse_unless_forced(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = _foreign(tmp_path / "theirs.duckdb")
    before = _digest(db)
    for args in (["seed"], ["seed", "--empty"], ["demo"]):
        code, err = _pace(capsys, args, db)
        assert code == 2 and "without pace's metadata" in _one_error_line(err), args
        assert _digest(db) == before
    assert run_app(["seed", "--empty", "--force", "--db", str(db)]) == 0
    kept = list(tmp_path.glob("theirs.duckdb.replaced-*"))
    assert len(kept) == 1 and _digest(kept[0]) == before  # the user's file, byte for byte
    with duckdb.connect(str(kept[0]), read_only=True) as con:
        assert con.execute("SELECT my_own_column FROM jobs").fetchall() == [(42,)]
    assert run_app(["sql", "SELECT count(*) AS n FROM jobs", "--db", str(db), "--json"]) == 0


def test_seed_keeps_tables_it_did_not_create(pace_db: Path) -> None:
    with writer(pace_db) as con:
        con.execute("CREATE TABLE my_notes AS SELECT 'keep me' AS note")
    assert run_app(["seed", "--db", str(pace_db), "--end", "2026-11-23", "--json"]) == 0
    with duckdb.connect(str(pace_db), read_only=True) as con:
        assert con.execute("SELECT note FROM my_notes").fetchall() == [("keep me",)]


def test_a_warehouse_held_by_another_pace_writer_waits_then_names_the_holder(
    pace_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PACE_WRITE_WAIT_S", "0.3")
    before = _digest(pace_db)
    with writer(pace_db, purpose="the holder"):
        code, err = _pace(capsys, COMMANDS["ingest"], pace_db)
        # readers are not writers: questions are answered while the write is under way
        assert _pace(capsys, COMMANDS["sql"], pace_db)[0] == 0
    line = _one_error_line(err)
    assert code == 2 and "another pace process is writing" in line and "the holder" in line and "waited 0.3s" in line
    assert _digest(pace_db) == before


HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write: DuckDB locks the file against other processes
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_file_locked_by_another_program_waits_then_says_so(pace_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("telemetry.warehouse.READ_WAIT_S", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(pace_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = _digest(pace_db)
        code, err = _pace(capsys, COMMANDS["sql"], pace_db)
        line = _one_error_line(err)
        assert code == 2 and "held for writing by another process" in line and "waited 0.3s" in line
        assert _digest(pace_db) == before
    finally:
        holder.kill()
        holder.wait()


def test_an_unwritable_place_is_one_line_and_the_warehouse_is_unchanged(pace_db: Path, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pace.duckdb.lock").mkdir()  # the lock file cannot be created (as permissions would, even for root)
    before = _digest(pace_db)
    code, err = _pace(capsys, COMMANDS["ingest"], pace_db)
    assert code == 2 and "cannot write the warehouse" in _one_error_line(err)
    assert _digest(pace_db) == before
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, err = _pace(capsys, ["seed", "--empty"], blocker / "w.duckdb")  # its folder would be inside a file
    assert code == 2 and "cannot write the warehouse" in _one_error_line(err)


def test_a_failed_ingest_leaves_the_previous_version_in_place(pace_db: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = _digest(pace_db)
    with pytest.raises(RuntimeError, match="disk on fire"), writer(pace_db) as con:
        con.execute("DELETE FROM jobs")
        raise RuntimeError("disk on fire")
    assert _digest(pace_db) == before and not list(tmp_path.glob(".pace.duckdb.next-*"))


def test_a_bug_is_one_line_and_exit_1_with_the_traceback_on_request(pace_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("semantic_layer.engine.Engine.run_sql", boom)
    code, err = _pace(capsys, COMMANDS["sql"], pace_db)
    assert code == 1 and "internal error (RuntimeError: something broke)" in _one_error_line(err)
    monkeypatch.setenv("PACE_DEBUG", "1")
    code, err = _pace(capsys, COMMANDS["sql"], pace_db)
    assert code == 1 and "Traceback" in err
