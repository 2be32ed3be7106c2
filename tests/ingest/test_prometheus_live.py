"""`pace ingest --prometheus`: the DCGM series pulled from a real Prometheus server answer as the scrape file does.

Debian's prometheus and promtool (installed by `make test`, target `prometheus`) serve the fixture
series: promtool backfills it into blocks (OpenMetrics in), the server starts on 127.0.0.1 on a free
port with its own data folder, nothing else is reached. Skips, saying why, when they are missing.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from assistant.service import answer
from core.errors import UserError
from core.settings import Settings
from telemetry.ingest import ingest
from telemetry.ingest.prometheus import chunks, pull
from telemetry.warehouse import create_empty
from tests.ingest.support import FIXTURES, query

SERIES = FIXTURES.parent / "dcgm_series.prom"
MAPPING = FIXTURES / "dcgm_mapping.yaml"
START, END = datetime(2025, 11, 20), datetime(2025, 11, 20, 2)
STEP = timedelta(minutes=15)  # the fixture's scrape interval
SAMPLE = re.compile(r"^(\S+?)\{(.*)\} (\S+) (\d+)$")

if not (shutil.which("prometheus") and shutil.which("promtool")):
    pytest.skip("live Prometheus test needs Debian's prometheus and promtool (make prometheus, or apt-get install prometheus)",
                allow_module_level=True)


def _openmetrics(src: Path, out: Path) -> None:
    """The fixture's samples as OpenMetrics (families contiguous, timestamps in seconds), for promtool."""
    rows = sorted((m.groups() for m in map(SAMPLE.match, src.read_text().splitlines()) if m), key=lambda r: (r[0], r[1], int(r[3])))
    out.write_text("".join(f"{n}{{{labels}}} {v} {int(ts) / 1000:.3f}\n" for n, labels, v, ts in rows) + "# EOF\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("prometheus")
    _openmetrics(SERIES, root / "series.om")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(root / "series.om"), str(root / "data")],
                   check=True, capture_output=True, timeout=60)
    (root / "prometheus.yml").write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
    port = _free_port()
    log = (root / "prometheus.log").open("w")
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
         "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prometheus did not start: {(root / 'prometheus.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as c:
        yield c


GPU_COLUMNS = ("hour, gpu_uuid, host, gpu_index, cluster, accelerator_type, namespace, pod, team, project, workload_type, "
               "observed_hours, gpu_util_pct, gr_engine_active, sm_active, tensor_active, dram_active, fb_used_mib, "
               "fb_free_mib, power_w, round(energy_kwh, 9), n_samples")


def test_live_pull_answers_as_the_file_does(server: str, client: httpx.Client, tmp_path: Path) -> None:
    from_file = create_empty(tmp_path / "file.duckdb")
    ingest(SERIES, "dcgm", from_file, mapping_file=MAPPING)
    live = create_empty(tmp_path / "live.duckdb")
    s = pull(server, live, start=START, end=END, step=STEP, mapping_file=MAPPING, client=client)
    assert s.file == server and s.loaded > 0 and s.quarantined == 0
    for table, cols in (("gpu_hourly", GPU_COLUMNS), ("utilization_hourly", "*")):
        sql = f"SELECT {cols} FROM {table} ORDER BY ALL"
        assert query(live, sql) == query(from_file, sql), table
    for question in ("idle gpu hours under 5% on 2025-11-20", "mean gpu utilization by team on 2025-11-20",
                     "how many gpus sat idle all day on 2025-11-20", "utilization by team on 2025-11-20"):
        a, b = (answer(question, planner="offline", settings=Settings(PACE_DB=db)) for db in (live, from_file))
        assert a.status == b.status == "answered" and a.rows == b.rows and a.text == b.text, question


def test_rerun_loads_only_new_hours(server: str, client: httpx.Client, tmp_path: Path) -> None:
    db = create_empty(tmp_path / "w.duckdb")
    first = pull(server, db, start=START, end=START + timedelta(hours=1, minutes=40), step=STEP, mapping_file=MAPPING, client=client)
    assert query(db, "SELECT DISTINCT hour FROM gpu_hourly") == [(START,)]  # the unfinished hour waits
    second = pull(server, db, end=END, step=STEP, mapping_file=MAPPING, client=client)  # from the watermark
    again = pull(server, db, end=END, step=STEP, mapping_file=MAPPING, client=client)
    assert first.loaded and second.loaded and again.read == 0
    assert query(db, "SELECT count(*), count(DISTINCT hour) FROM gpu_hourly") == [(10, 2)]


def test_first_pull_needs_a_start_and_bad_servers_are_one_line(server: str, client: httpx.Client, tmp_path: Path) -> None:
    db = create_empty(tmp_path / "w.duckdb")
    with pytest.raises(UserError, match="--from"):
        pull(server, db, end=END, client=client)
    with pytest.raises(UserError, match="cannot reach Prometheus"):
        pull(f"http://127.0.0.1:{_free_port()}", db, start=START, end=END, client=client)


def test_chunks_stay_under_the_points_per_series_limit() -> None:
    step = timedelta(seconds=15)
    windows = chunks(datetime(2025, 1, 1), datetime(2025, 1, 8), step)
    assert windows[0][0] == datetime(2025, 1, 1) and windows[-1][1] == datetime(2025, 1, 8)
    assert all(b == c for (_, b), (c, _) in zip(windows, windows[1:]))
    assert max((b - a) / step for a, b in windows) <= 10_000 < 11_000


def test_cli_pull_and_its_bad_options(server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from faces.cli.app import run_app

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    db = create_empty(tmp_path / "w.duckdb")
    args = ["ingest", "--prometheus", server, "--from", "2025-11-20", "--to", "2025-11-20T02:00", "--step", "15m",
            "--mapping", str(MAPPING), "--db", str(db)]
    assert run_app([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["file"] == server and payload["loaded"] == payload["read"] > 0
    assert run_app([*args[:-2], "--step", "fast", "--db", str(db)]) == 2
    assert capsys.readouterr().err.startswith("error: --step 'fast'")
    assert run_app(["ingest", "--db", str(db)]) == 2
    assert "--prometheus" in capsys.readouterr().err
