"""Bad files through the CLI: one `error:` line, exit 2, no traceback or raw bytes; the warehouse is unchanged."""

from __future__ import annotations

import gzip
import hashlib
import pathlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from faces.cli.app import run_app
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SACCT_TEXT = (FIXTURES / "sacct_sample.txt").read_text()
UTIL_HEADER = (FIXTURES / "utilization_sample.csv").read_text().splitlines()[0]


def _binary(p: Path) -> None:
    rng = random.Random(7)
    p.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))


def _binary_without_nul(p: Path) -> None:
    rng = random.Random(7)
    p.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))


# (case, file writer, format, words the one error line must contain)
CASES: list[tuple[str, Callable[[Path], None], str, tuple[str, ...]]] = [
    ("one_megabyte_single_line", lambda p: p.write_text("x" * 1_000_000), "sacct", ("first line is longer than",)),
    ("one_megabyte_header_field", lambda p: p.write_text("JobID|" + "y" * 1_000_000 + "\n1|2\n"), "sacct",
     ("first line is longer than",)),
    ("binary_as_sacct", _binary, "sacct", ("binary file",)),
    ("binary_without_nul_as_sacct", _binary_without_nul, "sacct", ("binary file",)),
    ("utf16_with_bom", lambda p: p.write_bytes(SACCT_TEXT.encode("utf-16")), "sacct", ("UTF-16", "iconv")),
    ("utf16le_without_bom", lambda p: p.write_bytes(SACCT_TEXT.encode("utf-16-le")), "sacct", ("UTF-16LE", "iconv")),
    ("utf16be_csv", lambda p: p.write_bytes(UTIL_HEADER.encode("utf-16-be")), "csv", ("UTF-16BE",)),
    ("gzip_sacct", lambda p: p.write_bytes(gzip.compress(SACCT_TEXT.encode())), "sacct", ("gzip", "gunzip")),
    ("parquet_given_as_focus_csv", lambda p: p.write_bytes(b"PAR1" + b"\x00" * 64), "focus", ("Parquet", "--format parquet")),
    ("text_given_as_parquet", lambda p: p.write_text(SACCT_TEXT), "parquet", ("not a Parquet file",)),
    ("directory", lambda p: p.mkdir(), "sacct", ("is not a file",)),
    ("missing", lambda p: None, "sacct", ("does not exist",)),
]


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def loaded_db(db: Path) -> Path:
    """A warehouse already holding data, so that 'unchanged' means something."""
    ingest(FIXTURES / "utilization_sample.csv", "csv", db, table="utilization_hourly")
    return db


@pytest.mark.parametrize(("make", "fmt", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_is_one_error_line_exit_2_and_warehouse_unchanged(
    loaded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], None], fmt: str, words: tuple[str, ...],
) -> None:
    bad = tmp_path / "bad.data"
    make(bad)
    before, rows = _digest(loaded_db), query(loaded_db, "SELECT count(*) FROM utilization_hourly")
    args = ["ingest", str(bad), "--format", fmt, "--db", str(loaded_db)]
    if fmt in ("csv", "parquet"):
        args += ["--table", "utilization_hourly"]
    code = run_app(args)
    out = capsys.readouterr()
    assert code == 2
    lines = out.err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("error:"), out.err
    assert "Traceback" not in out.err and "internal error" not in out.err
    assert all(ch.isprintable() for ch in lines[0]), "no raw bytes, NULs or escape codes reach the terminal"
    for word in words:
        assert word in lines[0]
    assert out.out == ""
    assert _digest(loaded_db) == before and query(loaded_db, "SELECT count(*) FROM utilization_hourly") == rows


def test_unreadable_file_is_one_error_line(
    loaded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text(SACCT_TEXT)
    real_open = pathlib.Path.open

    def deny(self: Path, *args: object, **kwargs: object):  # root reads a chmod-000 file, so deny it here
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", deny)
    before = _digest(loaded_db)
    assert run_app(["ingest", str(locked), "--format", "sacct", "--db", str(loaded_db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: cannot read") and "Permission denied" in err
    assert _digest(loaded_db) == before


def test_over_long_data_line_is_quarantined_not_fatal(db: Path, tmp_path: Path) -> None:
    """A 3 MB data line (beyond the reader's line limit) is one quarantined row; the rest loads."""
    good = (FIXTURES / "utilization_sample.csv").read_text().splitlines()[1]
    f = tmp_path / "long.csv"
    f.write_text("\n".join([UTIL_HEADER, good.replace("atlas", "a" * 3_000_000), good]) + "\n")
    s = ingest(f, "csv", db, table="utilization_hourly")
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (2, 1, 1, 0)
    assert s.quarantine_reasons == {"csv(LINE SIZE OVER MAXIMUM)": 1}
