"""DCGM series pulled from a Prometheus server (`pace ingest --prometheus URL`), loaded as DCGM ingest loads a file.

Platform teams keep dcgm-exporter metrics in Prometheus, not in scrape files. This asks Prometheus's
HTTP API (`GET /api/v1/query_range`) for the DCGM fields pace reads, in chunks that stay under the
server's limit of 11,000 points per series, turns the JSON into exposition text inside DuckDB (no
Python loop over samples) and hands that text to the DCGM ingest, so the fields keep the same
meanings, gates and quarantine as a file.

Only whole hours are pulled (the end is cut back to the hour), because pace's per-GPU rows are
hourly: a later pull never splits an hour that an earlier one loaded. The end of each pull is kept
per server in `ingest_watermarks`, so running it again without `--from` loads only new hours.
Prometheus answers a range query by evaluating at every `step`, returning the latest sample within
its 5-minute lookback: pick `step` equal to the exporter's scrape interval (dcgm-exporter: 30 s).
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx

from core.errors import UserError
from telemetry.ingest.dcgm import FIELDS
from telemetry.ingest.runner import ingest
from telemetry.ingest.summary import IngestSummary
from telemetry.warehouse import writer

MAX_POINTS = 11_000
"""Prometheus refuses a range query that would return more points than this per series."""
CHUNK_POINTS = 10_000
QUERY = '{__name__=~"' + "|".join(FIELDS) + '"}'
TIMEOUT_S = 60.0


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def chunks(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    """Half-open [a, b) windows covering [start, end), each at most CHUNK_POINTS steps.

    >>> [(a.hour, b.hour) for a, b in chunks(datetime(2025, 1, 1), datetime(2025, 1, 1, 5), timedelta(hours=2) / 10_000)]
    [(0, 2), (2, 4), (4, 5)]
    """
    span = step * CHUNK_POINTS
    out, a = [], start
    while a < end:
        b = min(a + span, end)
        out.append((a, b))
        a = b
    return out


def pull(
    url: str,
    db: Path,
    *,
    end: datetime,
    start: datetime | None = None,
    step: timedelta = timedelta(seconds=30),
    mapping_file: Path | None = None,
    client: httpx.Client | None = None,
) -> IngestSummary:
    """Load the DCGM samples of [start, end) (whole hours, UTC) from Prometheus at `url` into `db`.

    Without `start`, the pull continues from where the last pull from this server ended.
    """
    source = url.rstrip("/")
    if step <= timedelta(0):
        raise UserError("--step must be positive, e.g. 30s (the exporter's scrape interval)")
    end = floor_hour(end)
    begin = floor_hour(start) if start is not None else watermark(db, source)
    if begin is None:
        raise UserError(f"no earlier pull from {source}; pass --from (e.g. --from 2025-11-20) for the first one")
    if begin >= end:
        return IngestSummary(file=source, format="dcgm", table="utilization_hourly")
    with tempfile.TemporaryDirectory(prefix="pace-prometheus-") as tmp:
        folder = Path(tmp)
        own = client is None
        http = client or httpx.Client(timeout=TIMEOUT_S)
        try:
            files = [_fetch(http, source, a, b, step, folder / f"chunk-{i:05d}.json")
                     for i, (a, b) in enumerate(chunks(begin, end, step))]
        finally:
            if own:
                http.close()
        text = folder / f"prometheus-{begin:%Y%m%dT%H}-{end:%Y%m%dT%H}.prom"
        lines = to_exposition(files, text)
        if lines:
            summary = ingest(text, "dcgm", db, mapping_file=mapping_file)
        else:
            summary = IngestSummary(file=source, format="dcgm", table="utilization_hourly")
    _remember(db, source, end)
    return summary.model_copy(update={"file": source})


def _fetch(http: httpx.Client, source: str, a: datetime, b: datetime, step: timedelta, out: Path) -> Path:
    """One query_range call for [a, b): Prometheus includes both ends, so the last point asked is b - step."""
    last = b - step if b - step >= a else a
    params = {"query": QUERY, "start": _ts(a), "end": _ts(last), "step": f"{step.total_seconds():g}s"}
    try:
        resp = http.get(f"{source}/api/v1/query_range", params=params)
    except httpx.HTTPError as exc:
        raise UserError(f"cannot reach Prometheus at {source}: {type(exc).__name__}: {exc}") from None
    if resp.status_code != 200:
        try:
            why = resp.json().get("error", "")
        except ValueError:
            why = resp.text[:200]
        raise UserError(f"Prometheus at {source} refused the query ({resp.status_code}): {why}")
    out.write_bytes(resp.content)
    return out


def _ts(t: datetime) -> str:
    return f"{t.timestamp():.3f}" if t.tzinfo else f"{(t - datetime(1970, 1, 1)).total_seconds():.3f}"


def to_exposition(files: list[Path], out: Path) -> int:
    """Write the matrices of query_range answers as `name{labels} value timestamp_ms` lines; return the count.

    Prometheus's own labels (`instance`, `job`) stay with the exporter's; `__name__` becomes the name.
    """
    with duckdb.connect() as con:
        con.execute(
            """CREATE TEMP TABLE series AS
            SELECT s ->> '$.metric.__name__' AS name,
                array_to_string(list_transform(list_sort(list_filter(json_keys(s -> 'metric'), lambda k: k <> '__name__')),
                    lambda k: k || '="' || json_extract_string(s -> 'metric', '$."' || k || '"') || '"'), ',') AS labels,
                from_json(s -> 'values', '[["VARCHAR"]]') AS vals
            FROM (SELECT unnest(from_json(content -> '$.data.result', '["JSON"]')) AS s
                  FROM read_text($files) WHERE content ->> '$.status' = 'success')""",
            {"files": [str(f) for f in files]},
        )
        con.execute(
            """CREATE TEMP TABLE lines AS
            SELECT name || '{' || labels || '} ' || v[2] || ' ' || CAST(round(CAST(v[1] AS DOUBLE) * 1000) AS BIGINT) AS line
            FROM (SELECT name, labels, unnest(vals) AS v FROM series)"""
        )
        n = con.execute("SELECT count(*) FROM lines").fetchone()[0]
        con.execute("COPY lines TO $out (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')", {"out": str(out)})
    return int(n)


def watermark(db: Path, source: str) -> datetime | None:
    """Where the last pull from `source` ended (exclusive), or None."""
    if not Path(db).exists():
        return None
    with duckdb.connect(str(db), read_only=True) as con:
        known = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_watermarks'").fetchone()[0]
        if not known:
            return None
        row = con.execute("SELECT watermark FROM ingest_watermarks WHERE source = ?", [source]).fetchone()
    return row[0] if row else None


def _remember(db: Path, source: str, end: datetime) -> None:
    with writer(db, purpose=f"ingest watermark {source}") as con:
        con.execute(
            """INSERT INTO ingest_watermarks VALUES (?, ?, now()::TIMESTAMP) ON CONFLICT (source)
            DO UPDATE SET watermark = greatest(ingest_watermarks.watermark, excluded.watermark), updated_at = excluded.updated_at""",
            [source, end],
        )
