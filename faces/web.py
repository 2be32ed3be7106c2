"""The dashboards web app (ASGI, starlette): `create_app(settings)`, served by uvicorn in `pace dashboard --serve`.

Routes: `/` (to the first dashboard), `/d/{name}?range=7d&team=...` (the page; filters live in the URL),
`/api/d/{name}` (the tiles as JSON), `/ask?q=...` (the tile's question answered by the assistant),
`/static/...` (pace's own stylesheet and script; nothing comes from elsewhere).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from core.safe_text import html_text as escape  # control characters out, then html.escape
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dashboards.page import STATIC_DIR, render_page
from dashboards.runner import DashboardContext
from dashboards.spec import Dashboard
from core.errors import PaceError, UserError
from core.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_QUESTION = 2_000
"""Longest `/ask?q=` question answered (and so the most of it a page repeats)."""


def create_app(settings: Settings, *, dashboards: dict[str, Dashboard] | None = None, warm: bool = True) -> Starlette:
    """Build the app; the warehouse is opened (read-only) at server start-up (or first request), not here."""
    holder: dict[str, Any] = {}
    lock = threading.Lock()

    def context() -> tuple[DashboardContext, dict[str, Dashboard]]:
        with lock:
            if "ctx" not in holder:
                ctx = DashboardContext(settings)
                holder["dash"] = dashboards if dashboards is not None else ctx.dashboards()
                holder["ctx"] = ctx
                # What start-up built (modules, catalog, dashboards, sqlglot's tables) lives as long as the
                # server: out of the collector's sight, a full pass over a view's garbage costs ~10-60 ms, not ~130.
                gc.collect()
                gc.freeze()
            return holder["ctx"], holder["dash"]

    def index(request: Request) -> Response:
        _, dash = context()
        first = next(iter(dash))
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/d/{first}{query}", status_code=307)

    def page(request: Request) -> Response:
        ctx, dash = context()
        name = request.path_params["name"]
        if name not in dash:
            return _problem(404, f"no dashboard `{name}`; choose one of {', '.join(dash)}")
        try:
            state = ctx.state(dict(request.query_params), dash[name])
        except UserError as exc:
            return _problem(400, str(exc))
        results = ctx.run(dash[name], state)
        return HTMLResponse(render_page(ctx, dash[name], state, results, dash))

    def api(request: Request) -> Response:
        ctx, dash = context()
        name = request.path_params["name"]
        if name not in dash:
            return JSONResponse({"error": f"no dashboard `{name}`"}, status_code=404)
        try:
            state = ctx.state(dict(request.query_params), dash[name])
        except UserError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        results = ctx.run(dash[name], state)
        return JSONResponse(_json_safe({
            "dashboard": name, "period": {"start": state.start, "end": state.end}, "grain": state.grain(),
            "filters": state.values, "freshness": ctx.freshness(),
            "tiles": [{"id": r.tile.id, "columns": r.columns, "rows": r.rows, "sql": r.sql, "error": r.error,
                       "question": r.question, "applied": r.applied, "ignored": r.ignored,
                       "elapsed_ms": round(r.elapsed_ms, 1)} for r in results],
        }))

    def ask(request: Request) -> Response:
        question = (request.query_params.get("q") or "").strip()
        if not question:
            return _problem(400, "add ?q=QUESTION")
        if len(question) > MAX_QUESTION:
            return _problem(400, f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION:,}")
        try:
            from assistant.service import answer

            result = answer(question, settings=settings, planner="offline")
            body = (f"<p>{escape(result.text)}</p>" + _answer_table(result.columns, result.rows) +
                    (f"<details open><summary>SQL</summary><pre>{escape(result.sql)}</pre></details>" if result.sql else ""))
        except (PaceError, ImportError) as exc:
            body = f'<div class="tile-error">{escape(str(exc))}</div>'
        return HTMLResponse(_shell("Ask pace", f'<p><code class="ask">pace ask "{escape(question)}"</code></p>{body}'
                                               f'<p><a href="javascript:history.back()">back to the dashboard</a></p>'))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:  # open the engine and validate the dashboards when the server starts, not on the first page
            import anyio

            await anyio.to_thread.run_sync(context)
        yield
        if "ctx" in holder:
            holder["ctx"].close()

    routes = [
        Route("/", index), Route("/d/{name}", page), Route("/api/d/{name}", api), Route("/ask", ask),
        Route("/healthz", lambda r: JSONResponse({"ok": True})),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _answer_table(columns: list[str], rows: list[list[Any]]) -> str:
    if not columns:
        return ""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows[:50])
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _shell(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · pace</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/dashboard.css"></head>'
            f"<body><header><h1>{escape(title)}</h1></header><main>{body}</main></body></html>")


def _problem(status: int, message: str) -> HTMLResponse:
    return HTMLResponse(_shell("pace dashboards", f'<div class="tile-error" role="alert">{escape(message)}</div>'
                                                  f'<p><a href="/">back to the dashboards</a></p>'), status_code=status)


def _json_safe(value: Any) -> Any:
    import json
    from datetime import date, datetime
    from decimal import Decimal

    def default(v: Any) -> Any:
        if isinstance(v, (datetime, date)):
            return v.isoformat()
        if isinstance(v, Decimal):
            return float(v)
        return v.model_dump(mode="json") if hasattr(v, "model_dump") else str(v)

    return json.loads(json.dumps(value, default=default))


def check_host(host: str, allow_remote: bool) -> None:
    """Loopback unless the caller said otherwise, explicitly."""
    if host not in LOOPBACK and not allow_remote:
        raise UserError(f"--host {host} would serve the dashboards beyond this machine; add --allow-remote to do that on purpose")
