"""`pace slack`: run the Slack app over Socket Mode or HTTP (see docs/slack.md).

Tokens are checked before anything else happens (no warehouse built, no connection opened), so a
typo costs one clear line naming the variable and exit code 2.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from faces.cli.app import app, console
from faces.cli.options import DbOption
from core.errors import UserError
from core.settings import Settings, load_settings

PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


def check_token(name: str, value: str | None) -> str:
    """The token, or a UserError naming the variable and what a good value looks like."""
    prefix = PREFIXES[name]
    if not value or not value.strip():
        raise UserError(f"{name} is not set; export it ({prefix}...) from your Slack app's settings (docs/slack.md)")
    if not value.strip().startswith(prefix) or any(c.isspace() for c in value.strip()):
        raise UserError(f"{name} does not look right: it must start with {prefix!r} (see docs/slack.md)")
    return value.strip()


def check_mode(settings: Settings, socket: bool, http: bool) -> None:
    """Both modes need the bot token; Socket Mode the app token, HTTP the signing secret."""
    if socket == http:
        raise UserError("choose one of --socket (Socket Mode, no public URL) or --http --port N")
    check_token("SLACK_BOT_TOKEN", settings.slack_bot_token)
    if socket:
        check_token("SLACK_APP_TOKEN", settings.slack_app_token)
    else:
        secret = (settings.slack_signing_secret or "").strip()
        if not secret:
            raise UserError("SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack's requests "
                            "(Basic Information > App Credentials)")
        if any(c.isspace() for c in secret) or len(secret) < 16:
            raise UserError("SLACK_SIGNING_SECRET does not look right: copy the whole signing secret (docs/slack.md)")


@app.command("slack")
def slack_command(
    socket: Annotated[bool, typer.Option("--socket", help="Socket Mode: needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN.")] = False,
    http: Annotated[bool, typer.Option("--http", help="HTTP mode: needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN.")] = False,
    port: Annotated[int, typer.Option("--port", help="HTTP port (events, commands and interactivity at /slack/events).")] = 3000,
    host: Annotated[str, typer.Option("--host", help="HTTP bind address; 0.0.0.0 behind a reverse proxy.")] = "127.0.0.1",
    schedule_every: Annotated[float, typer.Option("--schedule-every", help="Minutes between scheduled-post runs; 0 turns them off.")] = 15.0,
    planner: Annotated[str, typer.Option("--planner", help="auto, offline or llm.")] = "auto",
    db: DbOption = None,
) -> None:
    """Run the Slack app: mentions, DMs, the assistant pane, /pace, buttons and scheduled posts.

    Examples: pace slack --socket   |   pace slack --http --port 3000
    """
    settings = load_settings(PACE_DB=db)
    check_mode(settings, socket, http)
    if planner not in ("auto", "offline", "llm"):
        raise UserError(f"--planner must be auto, offline or llm (got {planner!r})")
    from faces.slack.config import SlackConfig

    config = SlackConfig.from_env()
    run(settings, config, socket=socket, host=host, port=port, schedule_every=schedule_every, planner=planner)


def run(settings: Settings, config: object, *, socket: bool, host: str, port: int, schedule_every: float,
        planner: str) -> None:
    """Build the warehouse if missing, the app (auth.test checks the bot token), then serve."""
    from slack_bolt.error import BoltError

    from faces.slack import create_app
    from faces.slack.feedback import flush_pending
    from faces.slack.scheduler import start_scheduler
    from faces.slack.server import make_http_server, run_socket_mode
    from telemetry.warehouse import require_warehouse

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    try:
        slack_app = create_app(settings, config=config, socket_mode=socket, planner=planner)  # type: ignore[arg-type]
    except BoltError as exc:
        raise UserError(f"SLACK_BOT_TOKEN was rejected by Slack: {exc}") from None
    except OSError as exc:  # no route to slack.com: auth.test could not run
        raise UserError(f"could not reach Slack to check SLACK_BOT_TOKEN ({exc}); check the network or proxy") from None
    from faces.slack.app import service_of

    flush_pending(settings, service_of(slack_app).store)
    workers = service_of(slack_app).answer_fn
    if hasattr(workers, "start"):  # answer worker processes (faces/slack/workers.py): spawned before traffic
        workers.start()
    if schedule_every > 0:
        start_scheduler(slack_app, settings, every_s=schedule_every * 60)
    if socket:
        console.print("pace slack: connecting over Socket Mode (Ctrl-C to stop)")
        run_socket_mode(slack_app, settings.slack_app_token or "")
        return
    server = make_http_server(slack_app, host, port)
    console.print(f"pace slack: listening on http://{host}:{server.server_port}/slack/events (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
