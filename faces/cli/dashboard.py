"""`pace dashboard`: list, print, serve or export the fleet dashboards (dashboards/ package)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.errors import UserError
from core.settings import Settings, load_settings


def _settings(db: Path | None, quiet: bool) -> Settings:
    from telemetry.warehouse import require_warehouse

    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    return settings


def _params(range_: str | None, start: str | None, end: str | None, where: list[str] | None) -> dict[str, str]:
    from dashboards.spec import FILTER_NAMES

    params: dict[str, str] = {}
    if range_:
        params["range"] = range_
    if start or end:
        params.update({"from": start or "", "to": end or ""})
    for raw in where or []:
        key, sep, value = raw.partition("=")
        if not sep or key.strip() not in FILTER_NAMES or not value.strip():
            raise UserError(f"--where {raw!r}: write FILTER=VALUE with FILTER one of {', '.join(FILTER_NAMES)}")
        params[key.strip()] = value.strip()
    return params


@app.command("dashboard")
def dashboard_command(
    name: Annotated[str | None, typer.Argument(help="Dashboard name (fleet, team, governance, reliability, serving, anomalies).")] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Run the web app (uvicorn) until Ctrl-C.")] = False,
    host: Annotated[str, typer.Option("--host", help="Address to bind; loopback unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback --host (serves beyond this machine).")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write one self-contained HTML file.")] = None,
    png: Annotated[bool, typer.Option("--png", help="With --out: also write FILE.png, taken by headless Chromium.")] = False,
    range_: Annotated[str | None, typer.Option("--range", help="Preset: 24h, 3d, 7d, 14d, 30d, 90d, all.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Start date, inclusive (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="End date, exclusive (YYYY-MM-DD).")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="Global filter FILTER=VALUE (cluster, accelerator_type, team, workload_type).")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Fleet dashboards defined as YAML on the semantic layer: list them, print one, serve them, or export one.

    Examples: pace dashboard --serve | pace dashboard fleet --out fleet.html --png | pace dashboard team --where team=atlas --json
    """
    params = _params(range_, start, end, where)
    if png and not out:
        raise UserError("--png goes with --out FILE.html (the image is written beside it as FILE.png)")
    if name is None and not serve and not out:
        _list(json)
        return
    if serve:
        from faces.web import check_host

        check_host(host, allow_remote)
        _serve(_settings(db, json), name, host, port, params)
        return
    settings = _settings(db, json)
    if out:
        from dashboards.export import export_html, export_png

        info = export_html(settings, name or "fleet", params, out)
        if png:
            info["png"] = str(export_png(out, out.with_suffix(".png")))
        if json:
            print_json(info)
        else:
            console.print(f"wrote {info['file']} ({info['bytes']:,} bytes, {info['tiles']} tiles, {info['period']})"
                          + (f" and {info['png']}" if png else ""), markup=False, highlight=False)
        return
    _print(settings, name, params, json)


def _list(json: bool) -> None:
    """The dashboards, validated; needs the definitions, not the warehouse."""
    from dashboards.runner import base_catalog, validated_dashboards

    dashboards = validated_dashboards(base_catalog())
    rows = [{"name": d.name, "title": d.title, "tiles": len(d.tiles()), "description": d.description} for d in dashboards.values()]
    if json:
        print_json({"dashboards": rows})
        return
    for r in rows:
        console.print(f"{r['name']:<12} {r['title']} ({r['tiles']} tiles): {r['description']}", markup=False, highlight=False)


def _print(settings: Settings, name: str, params: dict[str, str], json: bool) -> None:
    from dashboards.runner import DashboardContext

    with DashboardContext(settings) as ctx:
        dashboards = ctx.dashboards()
        if name not in dashboards:
            raise UserError(f"no dashboard `{name}`; choose one of {', '.join(dashboards)}")
        state = ctx.state(params, dashboards[name])
        results = ctx.run(dashboards[name], state)
    if json:
        print_json({"dashboard": name, "period": {"start": state.start, "end": state.end}, "filters": state.values,
                    "tiles": [{"id": r.tile.id, "title": r.tile.title, "columns": r.columns, "rows": r.rows,
                               "error": r.error, "question": r.question, "sql": r.sql} for r in results]})
        return
    console.print(f"{dashboards[name].title}: {state.describe()}", markup=False, highlight=False)
    for r in results:
        status = f"error: {r.error}" if r.error else f"{len(r.rows)} rows" + (f", first {r.rows[0]}" if r.rows else "")
        console.print(f"  {r.tile.id:<22} {status}"[:200], markup=False, highlight=False)


def _serve(settings: Settings, name: str | None, host: str, port: int, params: dict[str, str]) -> None:
    import uvicorn
    from urllib.parse import urlencode

    from faces.web import create_app

    path = f"/d/{name}" if name else "/"
    console.print(f"pace dashboards on http://{host}:{port}{path}{'?' + urlencode(params) if params else ''} (Ctrl-C to stop)",
                  markup=False, highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
