"""`/pace <subcommand> [text]`: acknowledged at once, the work done in a lazy listener.

`ask` opens a thread in the channel (so follow-ups have memory and the chart has a home); the tools
reply through the command's response URL, visible in the channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from faces.slack import blocks as bk
from faces.slack.core import SlackService
from tools.specs import ToolSpec, by_command, specs

def tool_specs() -> list[ToolSpec]:
    """Every tool's spec (tools/specs.py): each is a `/pace <command>` with a help line."""
    return specs()


def subcommands() -> tuple[str, ...]:
    return ("ask", *(s.cli_name for s in tool_specs()), "metrics", "help")


def help_text() -> str:
    """`/pace help`: ask, one line per tool spec, then request and metrics."""
    tools = [f"• `/pace {s.cli_name}{' ' + s.slack_usage if s.slack_usage else ''}`: {s.purpose[0].lower()}{s.purpose[1:]}"
             for s in tool_specs()]
    return "\n".join([
        "*pace* answers questions about the accelerator fleet.",
        "• `/pace ask QUESTION`: e.g. `/pace ask cost by team last week` (answered in a thread; follow up there)",
        *tools,
        "• `/pace request`: ask for accelerators (a form; the approver gets Approve / Deny buttons)",
        "• `/pace metrics`: the metrics and dimensions pace knows",
        "Or mention @pace in a channel, or DM me.",
    ])


def parse(text: str) -> tuple[str, str]:
    """('ask', 'cost by team') from 'ask cost by team'; unknown first words are a question."""
    head, _, rest = (text or "").strip().partition(" ")
    sub = head.lower()
    if not sub:
        return "help", ""
    if sub in subcommands():
        spec = by_command(sub)
        return (spec.name if spec else sub), rest.strip()
    return "ask", (text or "").strip()


def command_name(sub: str) -> str:
    """The subcommand people typed for a parsed tool name (`platform_review` -> `platform-review`)."""
    spec = by_command(sub)
    return spec.cli_name if spec else sub


def metrics_blocks() -> tuple[list[dict[str, Any]], str]:
    """The catalog as compact sections (name and unit; `pace metrics` has the descriptions)."""
    from semantic_layer.catalog import load_catalog

    catalog = load_catalog()
    lines = [f"`{m.name}` ({m.unit})" for m in catalog.metrics.values()]
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + len(line) < 2800:
            chunks[-1] += " · " + line
        else:
            chunks.append(line)
    dims = " · ".join(f"`{d}`" for d in catalog.dimensions)
    title = f"{len(lines)} metrics, {len(catalog.dimensions)} dimensions"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title}},
              *(bk.text_blocks(c)[0] for c in chunks), bk.text_blocks(bk.clip(f"*Dimensions:* {dims}"))[0]]
    return blocks[: bk.MAX_BLOCKS], title


def ack_command(ack: Ack, command: dict[str, Any], next: Callable[[], Any]) -> None:  # noqa: A002 - Bolt's name
    """A listener middleware, so it runs in the request's own thread: the ack never waits for a worker
    that slow answers keep busy (Bolt would otherwise run the ack function in the shared pool)."""
    sub, rest = parse(command.get("text", ""))
    if sub == "help":
        ack(text=help_text())
    elif sub == "ask" and not rest:
        ack(text="Usage: `/pace ask QUESTION`, e.g. `/pace ask cost by team last week`")
    else:
        ack(text=f"Working on `/pace {command_name(sub)}`…")
    next()


def _acked(ack: Ack) -> None:
    """Already acknowledged by `ack_command`."""


def register(app: App, service: SlackService) -> None:

    def run_command(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        sub, rest = parse(command.get("text", ""))
        if sub == "help" or (sub == "ask" and not rest):
            return
        user, channel = command.get("user_id"), command.get("channel_id")
        with service.guarded(lambda text: respond(text=text, response_type="ephemeral"), f"/pace {sub}"):
            if sub == "ask":
                ask(client, respond, rest, user=user, channel=channel)
            elif sub == "metrics":
                blocks, title = metrics_blocks()
                respond(text=title, blocks=blocks, response_type="ephemeral")
            else:
                blocks, text = service.run_tool(sub, rest, user=user, channel=channel)
                respond(text=text, blocks=blocks, response_type="in_channel")

    def ask(client: WebClient, respond: Respond, question: str, *, user: str | None, channel: str | None) -> None:
        try:
            parent = client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {bk.echo(question)}")
        except SlackApiError as exc:  # e.g. not_in_channel: answer privately without a thread
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived"):
                raise
            _, blocks, text = service.answer_message(question, channel=channel or "slash", thread_ts=f"cmd-{user}",
                                                     user=user)
            respond(text=text, blocks=blocks, response_type="ephemeral")
            return
        service.post_answer(client, question, channel=channel, thread_ts=parent["ts"], user=user)

    app.command("/pace", middleware=[ack_command])(ack=_acked, lazy=[run_command])
