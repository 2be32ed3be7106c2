"""A real headless browser (Debian's chromium driven by playwright; nothing is downloaded) opens every
dashboard from the served app and from the exported file with every non-loopback request blocked and
counted, changes a filter, sees the tiles change, and records console errors.

Screenshots go to a temp dir; set DASHBOARD_SCREENSHOTS=docs/screenshots to refresh the ones in docs/
(they carry the warehouse build time, so they are not rewritten on every run).
Skips, saying why, when /usr/bin/chromium or playwright is missing (`pip install 'pace[browser]'`).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser test needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser test needs playwright: pip install 'pace[browser]'")

DASHBOARDS = ["fleet", "team", "governance", "reliability", "serving", "anomalies"]
VIEWS = {"team": "?team=atlas"}  # the team dashboard is about one team
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[str]:
    """uvicorn on an ephemeral loopback port, in a thread."""
    import uvicorn

    from faces.web import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(PACE_DB=demo_db)), log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("DASHBOARD_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Watch:
    """Blocks and counts every request that is not loopback, file: or data:; records console errors."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        parsed = urlparse(url)
        if parsed.scheme in ("file", "data") or parsed.hostname in LOOPBACK:
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.blocked.append(url)
            route.abort()  # type: ignore[attr-defined]

    def console(self, msg: object) -> None:
        if msg.type == "error":  # type: ignore[attr-defined]
            self.errors.append(msg.text)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def _page(browser: object, watch: Watch) -> object:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    return page


def test_served_dashboards(browser, server: str, shots: Path) -> None:  # noqa: ANN001
    watch = Watch()
    page = _page(browser, watch)
    for name in DASHBOARDS:
        page.goto(f"{server}/d/{name}{VIEWS.get(name, '')}", wait_until="load", timeout=60_000)
        assert page.locator("section.tile").count() >= 4, name
        assert page.locator('section.tile[data-status="error"]').count() == 0, name
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    # change a filter in the fleet overview: the URL carries it and the tiles change
    page.goto(f"{server}/d/fleet", wait_until="load")
    before = page.locator("#tile-spend .stat-value").inner_text()
    with page.expect_navigation():
        page.select_option("select[name=cluster]", "us-east-aws")
    assert "cluster=us-east-aws" in page.url
    after = page.locator("#tile-spend .stat-value").inner_text()
    assert after != before
    with page.expect_navigation():
        page.select_option("select[name=range]", "3d")
    assert "range=3d" in page.url and "cluster=us-east-aws" in page.url
    assert "hourly grain" in page.locator("p.period").inner_text()
    page.screenshot(path=str(shots / "fleet-us-east-aws-3d.png"), full_page=True)
    page.locator("#tile-util_by_type details summary").click()
    assert "SELECT" in page.locator("#tile-util_by_type details pre").inner_text()
    page.locator("#tile-util_by_type").screenshot(path=str(shots / "fleet-tile-sql.png"))
    assert watch.blocked == []
    assert watch.errors == []


def test_exported_files(browser, dash_ctx, demo_db: Path, tmp_path: Path, shots: Path) -> None:  # noqa: ANN001
    from dashboards.export import export_html

    watch = Watch()
    page = _page(browser, watch)
    for name in DASHBOARDS:
        out = tmp_path / f"{name}.html"
        params = {"team": "atlas"} if name == "team" else {}
        info = export_html(Settings(PACE_DB=demo_db), name, params, out, ctx=dash_ctx)
        assert info["failed_tiles"] == []
        page.goto(out.as_uri(), wait_until="load")
        assert page.locator("section.tile").count() >= 4
        if name == "fleet":
            page.screenshot(path=str(shots / "fleet-export.png"), full_page=True)
    assert watch.blocked == []
    assert watch.errors == []
