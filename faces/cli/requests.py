"""`pace request ...`: the compute-request workflow (governance/) on the command line.

Every subcommand takes --db (the warehouse; the request store lives next to it) and prints JSON with
--json in DESIGN.md's shape. Bad input exits 2 with `error:`; a refused transition exits 2 with `refused:`.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from faces.cli.app import app, console, print_json
from faces.cli.options import DbOption, JsonOption
from core.settings import load_settings

request_app = typer.Typer(help="Compute requests: ask for accelerators, approve within policy, see why one waits.",
                          no_args_is_help=True)
app.add_typer(request_app, name="request")

AsOption = Annotated[str | None, typer.Option(
    "--as", help="Act as this user (default: your login). Only the policy's act_as roles may; audited as 'A acting as B'.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why; recorded in the audit log and shown to the requester.")]


def _gov(db: object, *, quiet: bool = True):  # noqa: ANN202 - governance.service.Governance
    from governance.service import Governance
    from telemetry.warehouse import require_warehouse

    settings = load_settings(PACE_DB=db)
    require_warehouse(settings.db)  # never builds one: only `pace seed` / `pace demo` do
    return Governance.open(settings)


def _print_request(gov: object, req: object, json: bool, *, card: str | None = None) -> None:
    payload = gov.to_json(req)  # type: ignore[attr-defined]
    if json:
        if card is not None:
            payload["impact_card"] = card
        print_json(payload)
        return
    console.print(f"{payload['id']} {payload['status']}: {payload['team']} asks {payload['count']} x "
                  f"{payload['accelerator']} {payload['start']} to {payload['end']} ({payload['workload']})", highlight=False)
    if payload.get("granted") is not None:
        console.print(f"granted {payload['granted']} of {payload['count']} by {payload['approver']}", highlight=False)
    if card:
        console.print(card, markup=False, highlight=False)
    if payload["waiting_reason"]:
        console.print(payload["waiting_reason"], markup=False, highlight=False)
    if payload["audit"]:
        table = Table(title="audit")
        for col in ("at", "actor", "from", "to", "reason", "channel"):
            table.add_column(col)
        for row in payload["audit"]:
            table.add_row(*(str(row[c] or "") for c in ("at", "actor", "from", "to", "reason", "channel")))
        console.print(table)
    if payload.get("refused"):
        table = Table(title="refused attempts (nothing changed)")
        for col in ("at", "actor", "action", "reason", "channel"):
            table.add_column(col)
        for row in payload["refused"]:
            table.add_row(*(str(row[c] or "") for c in ("at", "actor", "action", "reason", "channel")))
        console.print(table)


@request_app.command("new")
def new(
    team: Annotated[str, typer.Option("--team", help="Team asking (see `pace metrics`' team values).")],
    accelerator: Annotated[str, typer.Option("--accelerator", help="Accelerator type from the catalog, e.g. H100.")],
    count: Annotated[int, typer.Option("--count", help="Accelerators wanted.")],
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    days: Annotated[int, typer.Option("--days", help="How many days.")],
    workload: Annotated[str, typer.Option("--workload", help="training, fine-tuning, evaluation, batch-inference, online-inference, on-device.")],
    justification: Annotated[str, typer.Option("--justification", help="What it is for and why now.")],
    priority: Annotated[str, typer.Option("--priority", help="low, normal, high, critical.")] = "normal",
    burst: Annotated[bool, typer.Option("--burst", help="Preemptible capacity borrowed beyond quota.")] = False,
    project: Annotated[str | None, typer.Option("--project", help="Project (default: the team's first).")] = None,
    actor: AsOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Submit a request; prints its id, the impact card and who decides.

    Example: pace request new --team atlas --accelerator H100 --count 16 --start 2026-12-01 --days 7
    --workload training --justification "ablation sweep for the 8B run"
    """
    from governance.requests import RequestDraft

    gov = _gov(db, quiet=json)
    who = gov.actor(getpass.getuser(), actor, action="submit")
    draft = RequestDraft(requester=who.name, team=team, accelerator=accelerator, count=count, start=start,
                         days=days, workload=workload, justification=justification, priority=priority,
                         preemptible=burst, project=project)
    req, card = gov.submit(draft, channel="cli", actor=who)
    _print_request(gov, req, json, card=card.text())
    _deliver(gov)


@request_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List live requests, oldest first. Example: pace request list --status submitted --team atlas"""
    from governance.lifecycle import STATUSES
    from core.errors import UserError

    if status and status not in STATUSES:
        raise UserError(f"--status {status!r} is unknown; use one of: {', '.join(STATUSES)}")
    gov = _gov(db, quiet=json)
    reqs = gov.store.list(status=status, team=team)
    if json:
        print_json({"requests": [gov.to_json(r) for r in reqs]})
        return
    table = Table(title=f"{len(reqs)} request(s)")
    for col in ("id", "status", "team", "accelerator", "count", "granted", "start", "end", "requester"):
        table.add_column(col)
    for r in reqs:
        table.add_row(r.id, r.status, r.team, r.accelerator, str(r.count), str(r.granted or ""), str(r.start), str(r.end), r.requester)
    console.print(table)


@request_app.command("show")
def show(request_id: Annotated[str, typer.Argument(help="Request id, e.g. GR-000001.")], db: DbOption = None, json: JsonOption = False) -> None:
    """One request with why it waits and its audit trail. Example: pace request show GR-000001"""
    gov = _gov(db, quiet=json)
    _print_request(gov, gov.store.get(request_id), json)


def _act(action: str, request_id: str, actor: str | None, reason: str, db: object, json: bool, granted: int | None = None) -> None:
    gov = _gov(db, quiet=json)
    who = gov.actor(getpass.getuser(), actor, action=action, request_id=request_id)
    req = gov.act(request_id, action, actor=who, channel="cli", reason=reason, granted=granted)
    _print_request(gov, req, json)
    _deliver(gov)


def _deliver(gov: object) -> None:
    """Update the approver's Slack message and DM the requester when a bot token is configured."""
    settings = gov.settings  # type: ignore[attr-defined]
    if not settings.slack_bot_token:
        return
    from slack_sdk import WebClient

    from faces.slack.governance import deliver_outbox

    try:
        deliver_outbox(WebClient(token=settings.slack_bot_token), gov)
    except Exception as exc:  # noqa: BLE001 - the decision is stored; Slack catches up on its next delivery
        console.print(f"note: Slack not updated yet ({exc}); the Slack app will catch up", markup=False, highlight=False)


@request_app.command("approve")
def approve(request_id: str, actor: AsOption = None, reason: ReasonOption = "", count: Annotated[int | None, typer.Option("--count", help="Grant fewer than asked.")] = None,
            db: DbOption = None, json: JsonOption = False) -> None:
    """Approve (optionally fewer accelerators), as your login. Example: pace request approve GR-000001 --count 8"""
    _act("approve", request_id, actor, reason, db, json, granted=count)


# The transitions that take only the request, the actor and a reason: (command, action, help with an example).
SIMPLE_TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("deny", "deny", 'Deny. Example: pace request deny GR-000001 --reason "over quota; use the spot pool"'),
    ("ask-info", "ask_info", 'Send back to the requester for more information. Example: pace request ask-info GR-000001 --reason "which run?"'),
    ("answer", "answer", 'Requester answers an ask-info; the request is submitted again. Example: pace request answer GR-000001 --reason "run 42"'),
    ("cancel", "cancel", "Cancel before provisioning. Example: pace request cancel GR-000001"),
    ("provision", "provision", "Mark an approved request provisioned. Example: pace request provision GR-000001"),
    ("activate", "activate", "Mark a provisioned allocation active. Example: pace request activate GR-000001"),
    ("release", "release", "Give an allocation back early. Example: pace request release GR-000001"),
    ("expire", "expire", "Close an allocation at the end of its window. Example: pace request expire GR-000001"),
)


def _register_transition(name: str, action: str, help_text: str) -> None:
    def command(request_id: str, actor: AsOption = None, reason: ReasonOption = "", db: DbOption = None, json: JsonOption = False) -> None:
        _act(action, request_id, actor, reason, db, json)

    command.__doc__ = help_text
    request_app.command(name)(command)


for _name, _action, _help in SIMPLE_TRANSITIONS:
    _register_transition(_name, _action, _help)
