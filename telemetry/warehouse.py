"""The warehouse file's lifecycle: who may create it, and how readers and writers share it.

The model (docs/data-model.md, "Readers and writers at once"):

- Only `pace seed` / `pace demo` create a warehouse (`writer(path, create=True)`); every other door
  raises `WarehouseError` for a missing path, and nothing writes to a DuckDB file without `pace_meta`.
- Writers serialize on `<db>.lock` (an `flock`, waited for a bounded time), copy the current file to
  `.<name>.next-<pid>` beside it, write there, checkpoint, and `os.replace` it over the warehouse: one
  atomic rename, so the file at the path is always a complete version.
- Readers open the file read-only in their own DuckDB instance (`ATTACH ... READ_ONLY`, the in-memory
  default database detached), so
  a reader keeps the version it opened (its inode) and never takes a lock a writer waits on;
  `version(path)` changes with every swap and tells long-running readers when to reopen. (A plain
  `duckdb.connect(path)` would hand back the process's cached instance of the old version.)
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import duckdb
from sqlglot import exp

from core.errors import WarehouseError
from telemetry.schema import create_schema

ALIAS = "warehouse"
"""Catalog name a reader attaches the file under; its default, the only one (the in-memory one is detached)."""
WRITE_WAIT_S = 60.0
"""How long a writer waits for another pace writer before giving up with the holder's name (PACE_WRITE_WAIT_S)."""
READ_WAIT_S = 5.0
"""How long a reader retries a file some other (non-pace) process holds open for writing."""

Version = tuple[int, int, int]


def _build_hint(path: Path) -> str:
    # a user with their own exports needs the empty one: `pace seed` alone would mix generated rows into theirs
    return (f"build one with `pace seed --db {path}` (or `pace demo`), or an empty one for your own data with "
            f"`pace seed --empty --db {path}` and then `pace ingest`")


def version(path: Path | str) -> Version | None:
    """(inode, size, mtime) of the file now at `path`, None when there is none; changes on every swap."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


# -- readers ---------------------------------------------------------------------------------------


def open_reader(path: Path | str, *, wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the version of the warehouse now at `path` (caller closes it).

    Raises `WarehouseError` when the path is missing, not a file, corrupt or truncated, held for
    writing by another program past `wait_s`, or not a pace warehouse.
    """
    path = Path(path)
    _require_file(path)
    con = duckdb.connect(":memory:")
    try:
        _attach(con, path, READ_WAIT_S if wait_s is None else wait_s)
        con.execute(f"USE {ALIAS}")
        con.execute("DETACH memory")  # the file becomes the instance's default: every cursor reads it, none writes
        if not _has_meta(con):
            raise WarehouseError(
                f"{path} is a DuckDB file without pace's metadata (no pace_meta table), so pace will not use "
                f"or write it; pass the path of a pace warehouse, or {_build_hint(path.with_name('pace.duckdb'))}",
                state="not_pace", path=path,
            )
    except BaseException:
        con.close()
        raise
    return con


def _require_file(path: Path) -> None:
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}; {_build_hint(path)}", state="missing", path=path)
    if not path.is_file():
        raise WarehouseError(f"{path} is not a file; pass the path of a warehouse file, or {_build_hint(path / 'pace.duckdb')}",
                             state="not_a_file", path=path)


def _attach(con: duckdb.DuckDBPyConnection, path: Path, wait_s: float) -> None:
    literal = exp.Literal.string(str(path)).sql("duckdb")  # ATTACH takes no bound parameters
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con.execute(f"ATTACH {literal} AS {ALIAS} (READ_ONLY)")
            return
        except duckdb.IOException as exc:
            text = _first_line(exc)
            if "lock" in text.lower():
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                raise WarehouseError(
                    f"the warehouse {path} is held for writing by another process ({text}); "
                    f"waited {wait_s:g}s; try again when it finishes", state="locked", path=path,
                ) from None
            raise _corrupt(path, text) from None
        except PermissionError as exc:  # no read permission
            raise WarehouseError(f"cannot read the warehouse {path}: {exc.strerror or exc}", state="unwritable",
                                 path=path) from None
        except duckdb.Error as exc:
            raise _corrupt(path, _first_line(exc)) from None


def _corrupt(path: Path, detail: str) -> WarehouseError:
    return WarehouseError(
        f"{path} is not a readable DuckDB warehouse (corrupt, truncated or another format: {detail}); "
        f"restore it from a backup, or rebuild it with `pace seed --db {path} --force` (the old file is kept aside)",
        state="corrupt", path=path,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_name = 'pace_meta'", [ALIAS],
    ).fetchone()
    return bool(row and row[0])


def require_warehouse(path: Path | str) -> Path:
    """`path` when it holds a readable pace warehouse; else a `WarehouseError` naming what to do."""
    path = Path(path)
    open_reader(path).close()
    return path


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The `pace_meta` row as a dict (empty when the warehouse has none)."""
    cur = con.execute("SELECT * FROM pace_meta ORDER BY built_at DESC LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return {}
    return dict(zip([d[0] for d in cur.description], row))


# -- writers ---------------------------------------------------------------------------------------


@contextmanager
def writer(
    path: Path | str,
    *,
    create: bool = False,
    force: bool = False,
    purpose: str = "write",
    wait_s: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the next version of the warehouse; swapped in atomically on success.

    Holds `<db>.lock` throughout (waits up to `wait_s`, default `PACE_WRITE_WAIT_S` or 60 s). The next
    version starts as a copy of the current one (so nothing written earlier is lost) with pace's schema in
    place; on an exception it is deleted and the warehouse is untouched. `create` allows a missing path
    (seed, demo). `force` (seed only) replaces a file that is not a readable pace warehouse, keeping the
    old file beside it as `<name>.replaced-<UTC time>`.
    """
    path = Path(path)
    if create and not path.exists():
        _mkdir(path.parent, path)
    elif not create:
        _require_file(path)  # before the lock file, which would need the folder
    if wait_s is None:
        wait_s = float(os.environ.get("PACE_WRITE_WAIT_S") or WRITE_WAIT_S)
    with _write_lock(path, purpose, wait_s):
        foreign = _check_writable_state(path, create=create, force=force)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.next-*"):  # left by a writer that was killed
            _remove(stale)
        nxt = path.with_name(f".{path.name}.next-{os.getpid()}")
        try:
            if path.exists() and not foreign:
                _copy(path, nxt)
            con = duckdb.connect(str(nxt))
        except OSError as exc:
            _remove(nxt)
            raise _unwritable(path, exc) from None
        except duckdb.Error as exc:
            _remove(nxt)
            raise _unwritable(path, exc) from None
        try:
            try:
                create_schema(con)
                yield con
                con.execute("CHECKPOINT")
            finally:
                con.close()
            _fsync(nxt)
            if foreign:
                _keep_aside(path)
            os.replace(nxt, path)
            _fsync(path.parent)
            _remove(path.with_name(path.name + ".wal"))  # a crashed legacy writer's log, already folded into the copy
        except duckdb.IOException as exc:  # disk full, permissions changed mid-write
            raise _unwritable(path, exc) from None
        finally:
            _remove(nxt)


def create_empty(path: Path | str, *, force: bool = False) -> Path:
    """An empty pace warehouse (schema and an empty `pace_meta`) for real data only: `pace seed --empty`."""
    with writer(path, create=True, force=force, purpose="seed --empty"):
        pass
    return Path(path)


def _check_writable_state(path: Path, *, create: bool, force: bool) -> bool:
    """True when `path` holds a foreign or unreadable file that `force` allows replacing."""
    if not path.exists():
        if create:
            return False
        _require_file(path)
    try:
        require_warehouse(path)
    except WarehouseError as exc:
        if exc.state in ("not_pace", "corrupt") and create and force:
            return True
        if exc.state in ("not_pace", "corrupt") and create:
            what = "a DuckDB file without pace's metadata (no pace_meta table)" if exc.state == "not_pace" else \
                "not a readable DuckDB warehouse (corrupt or truncated)"
            raise WarehouseError(
                f"{path} is {what}; `pace seed` will not write to it: choose another --db path, or pass --force to "
                f"build a warehouse there (the old file is kept as {path.name}.replaced-<time>)",
                state=exc.state, path=path,
            ) from None
        raise
    return False


@contextmanager
def _write_lock(path: Path, purpose: str, wait_s: float) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle: IO[str] = open(lock_path, "a+", encoding="utf-8")
    except OSError as exc:
        raise _unwritable(path, exc) from None
    with handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise WarehouseError(
                        f"another pace process is writing the warehouse {path} ({holder}); waited {wait_s:g}s; "
                        "try again when it finishes (PACE_WRITE_WAIT_S sets the wait)", state="busy", path=path,
                    ) from None
                time.sleep(0.05)
        try:
            handle.seek(0)
            handle.truncate()
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            handle.write(f"pid {os.getpid()}, `{_command(purpose)}`, since {stamp}\n")
            handle.flush()
            yield
        finally:
            with suppress(OSError):
                handle.seek(0)
                handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _command(purpose: str) -> str:
    argv = sys.argv[1:3] if Path(sys.argv[0]).name == "pace" else []
    return " ".join(["pace", *argv]) if argv else purpose


def _copy(src: Path, dst: Path) -> None:
    """Copy the current version (and a leftover write-ahead log, so its commits are kept)."""
    shutil.copyfile(src, dst)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dst.with_name(dst.name + ".wal"))


def _keep_aside(path: Path) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.replaced-{stamp}")
    try:
        os.link(path, aside)  # a second name for the old inode: nothing is copied and nothing is lost
    except OSError:
        shutil.copy2(path, aside)
    print(f"note: the file that was at {path} is kept as {aside}", file=sys.stderr)


def _mkdir(folder: Path, path: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _unwritable(path: Path, exc: BaseException) -> WarehouseError:
    detail = getattr(exc, "strerror", None) or _first_line(exc)
    return WarehouseError(
        f"cannot write the warehouse {path} ({detail}); pace writes the next version beside the file and swaps "
        f"it in, so {path.parent} must be writable with room for a copy; the warehouse is unchanged",
        state="unwritable", path=path,
    )


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path) -> None:
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
