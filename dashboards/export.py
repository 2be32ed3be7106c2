"""`pace dashboard NAME --out FILE.html [--png]`: one self-contained file (charts are inline SVG,
the stylesheet inlined, no script), and optionally an image of it taken by headless Chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dashboards.page import render_page
from dashboards.runner import DashboardContext
from core.errors import UserError
from core.settings import Settings

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def export_html(settings: Settings, name: str, params: dict[str, str], out: Path,
                ctx: DashboardContext | None = None) -> dict[str, object]:
    """Render one dashboard view to `out` (reusing `ctx` when given); returns what was written."""
    own = ctx is None
    ctx = ctx or DashboardContext(settings)
    try:
        dashboards = ctx.dashboards()
        if name not in dashboards:
            raise UserError(f"no dashboard `{name}`; choose one of {', '.join(dashboards)}")
        dash = dashboards[name]
        state = ctx.state(params, dash)
        results = ctx.run(dash, state)
        html = render_page(ctx, dash, state, results, dashboards, mode="export")
    finally:
        if own:
            ctx.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return {"file": str(out), "dashboard": name, "bytes": len(html.encode()), "tiles": len(results),
            "failed_tiles": [r.tile.id for r in results if r.error], "period": state.describe()}


def chromium_path() -> str | None:
    """Debian's chromium (or another installed Chrome); pace never downloads a browser."""
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


def export_png(html: Path, png: Path, *, width: int = 1400) -> Path:
    """A full-page screenshot of an exported file, with every non-file request blocked."""
    exe = chromium_path()
    if exe is None:
        raise UserError("--png needs Chromium: install it (Debian: apt-get install chromium), then retry")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return _png_with_cli(exe, html, png, width)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())
            page.goto(Path(html).resolve().as_uri())
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
    return Path(png)


def _png_with_cli(exe: str, html: Path, png: Path, width: int) -> Path:
    """Without playwright: Chromium's own --screenshot (a fixed, tall window instead of the full page)."""
    import subprocess

    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={Path(png).resolve()}",
           f"--window-size={width},2600", Path(html).resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not Path(png).exists():
        raise UserError(f"chromium could not take the screenshot ({done.stderr.strip().splitlines()[-1:]}); "
                        "install playwright (pip install 'pace[browser]') and retry")
    return Path(png)
