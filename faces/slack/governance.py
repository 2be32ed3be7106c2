"""`/pace request` in Slack: a modal to ask for accelerators, approver buttons, and decisions synced both ways.

The flow: the slash command opens a modal (options from the catalog and the team list) -> on submit the
requester gets the impact card by DM and the approver the policy names gets a message with Approve /
Deny / Ask for info -> a click (or `pace request approve` on the CLI) applies one transition in the
governance store, and the store's outbox drives `chat.update` of that message and a DM to the requester.
A double click or a retried action meets the store's conditional update and applies once.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from governance.imports import sync_open_requests
from governance.requests import PRIORITIES, RequestDraft, validate_draft
from governance.service import Governance
from governance.waiting import sla_flags
from core.errors import PaceError, Refused
from core.safe_text import clip_mrkdwn, mrkdwn
from telemetry.schema import WORKLOAD_TYPES
from core.settings import Settings

log = logging.getLogger("pace.slack")
MODAL = "pace_request_modal"
ACTION = re.compile(r"^gov_(approve|deny|ask_info)$")
FIELDS = ("team", "accelerator", "count", "start", "days", "workload", "priority", "burst", "justification")


def is_request_command(body: dict[str, Any]) -> bool:
    return (body.get("text") or "").strip().lower().split(" ")[:1] == ["request"]


def _options(values: list[str]) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": v[:75]}, "value": v} for v in values[:100]]


def _select(block: str, label: str, values: list[str], initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "action_id": block, "options": _options(values)}
    if initial in values:
        element["initial_option"] = _options([initial])[0]
    return {"type": "input", "block_id": block, "label": {"type": "plain_text", "text": label}, "element": element}


def _text(block: str, label: str, *, multiline: bool = False, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": block, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block, "label": {"type": "plain_text", "text": label}, "element": element}


def request_modal(accelerators: list[str], teams: list[str], today: date) -> dict[str, Any]:
    """The modal: the same fields as `pace request new`."""
    return {
        "type": "modal", "callback_id": MODAL, "title": {"type": "plain_text", "text": "Request compute"},
        "submit": {"type": "plain_text", "text": "Submit"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _select("team", "Team", teams), _select("accelerator", "Accelerator type", accelerators),
            _text("count", "How many accelerators", initial="8"),
            {"type": "input", "block_id": "start", "label": {"type": "plain_text", "text": "Start"},
             "element": {"type": "datepicker", "action_id": "start", "initial_date": (today + timedelta(days=1)).isoformat()}},
            _text("days", "For how many days", initial="7"), _select("workload", "Workload", list(WORKLOAD_TYPES), "training"),
            _select("priority", "Priority", list(PRIORITIES), "normal"),
            {"type": "input", "block_id": "burst", "optional": True, "label": {"type": "plain_text", "text": "Burst"},
             "element": {"type": "checkboxes", "action_id": "burst", "options": [
                 {"text": {"type": "plain_text", "text": "Preemptible, borrowed beyond quota"}, "value": "burst"}]}},
            _text("justification", "Justification", multiline=True),
        ],
    }


def draft_from_view(view: dict[str, Any], requester: str) -> tuple[RequestDraft | None, dict[str, str]]:
    """A draft from the submitted state, or the per-field errors Slack shows under each input."""
    state = (view.get("state") or {}).get("values") or {}

    def value(block: str) -> Any:
        v = (state.get(block) or {}).get(block) or {}
        if "selected_option" in v:
            return (v["selected_option"] or {}).get("value")
        if "selected_date" in v:
            return v["selected_date"]
        if "selected_options" in v:
            return [o["value"] for o in v["selected_options"] or []]
        return v.get("value")

    errors: dict[str, str] = {}
    ints: dict[str, int] = {}
    for block in ("count", "days"):
        try:
            ints[block] = int(str(value(block) or "").strip())
        except ValueError:
            errors[block] = "Write a whole number, e.g. 8"
    if errors:
        return None, errors
    return RequestDraft(requester=requester, team=value("team") or "", accelerator=value("accelerator") or "",
                        count=ints["count"], start=value("start") or "", days=ints["days"], workload=value("workload") or "",
                        justification=value("justification") or "", priority=value("priority") or "normal",
                        preemptible="burst" in (value("burst") or [])), {}


def _field_of(message: str) -> str:
    """Which modal input a validation message is about (it starts with --field)."""
    m = re.match(r"--([a-z]+)", message)
    return m.group(1) if m and m.group(1) in FIELDS else "justification"


def summary(gov: Governance, req: Any) -> str:
    """The request in one mrkdwn line; what people typed is escaped, only the requester's mention is live."""
    e = mrkdwn
    slack_id = gov.policy.slack_for_user(req.requester)
    who = f"<@{slack_id}>" if slack_id and re.fullmatch(r"[A-Z0-9]+", str(slack_id)) else e(req.requester)
    return (f"*{e(req.id)}* {e(req.team)} asks *{req.count} x {e(req.accelerator)}* {req.start} to {req.end} "
            f"({e(req.workload)}, {e(req.priority)}{', burst' if req.preemptible else ''}) for {who}: "
            f"_{e(req.justification[:500])}_")


def approver_blocks(gov: Governance, req: Any, card: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": summary(gov, req)}},
                                    {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(mrkdwn(card), 2900)}}]
    if req.status == "submitted":
        blocks.append({"type": "actions", "block_id": f"gov:{req.id}", "elements": [
            {"type": "button", "action_id": "gov_approve", "text": {"type": "plain_text", "text": "Approve"}, "style": "primary", "value": req.id},
            {"type": "button", "action_id": "gov_deny", "text": {"type": "plain_text", "text": "Deny"}, "style": "danger", "value": req.id},
            {"type": "button", "action_id": "gov_ask_info", "text": {"type": "plain_text", "text": "Ask for info"}, "value": req.id},
        ]})
    else:
        last = gov.store.audit(req.id)[-1]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"*{req.status.replace('_', ' ')}* by {mrkdwn(last['actor'])} via {mrkdwn(last['channel'])} at {last['at']}: "
                       f"{clip_mrkdwn(mrkdwn(last['reason'] or ''), 1500)}"}]})
    return blocks


def _card_text(req: Any) -> str:
    from governance.impact import card_lines

    return "\n".join(card_lines(req, req.facts)) if "cost_on_demand_usd" in req.facts else "Impact unavailable (warehouse not readable)."


def deliver_outbox(client: WebClient, gov: Governance) -> int:
    """Sync decisions to Slack: update the approver's message, DM the requester. Returns how many were sent."""
    sent = 0
    for _seq, rid, kind in gov.store.take_outbox():
        req = gov.store.get(rid)
        where = gov.store.slack_message(rid)
        if where:
            client.chat_update(channel=where[0], ts=where[1], text=f"{rid} is {req.status}",
                               blocks=approver_blocks(gov, req, _card_text(req)))
        dm = gov.policy.slack_for_user(req.requester)
        if dm and kind in ("approve", "deny", "ask_info", "provision"):
            last = gov.store.audit(rid)[-1]
            grant = f" ({req.granted} of {req.count} granted)" if kind == "approve" else ""
            client.chat_postMessage(channel=dm, text=f"Your request {rid} was {req.status.replace('_', ' ')}{grant} by "
                                                     f"{mrkdwn(last['actor'])}: {clip_mrkdwn(mrkdwn(last['reason'] or ''), 2000)}")
        sent += 1
    return sent


def send_sla_reminders(client: WebClient, gov: Governance, now: datetime | None = None) -> int:
    """One reminder per request, kind and day to whoever must act (approvers; requesters for expiring)."""
    now = now or datetime.utcnow()
    open_ = gov.store.list(status=["submitted", "needs_info", "provisioned", "active"])
    sent = 0
    for flag in sla_flags(open_, gov.policy, now):
        if not gov.store.remind_once(flag.request_id, flag.kind, now.date()):
            continue
        for user in flag.who:
            target = gov.policy.slack_for_user(user)
            if target:
                client.chat_postMessage(channel=target, text=f"Reminder: {mrkdwn(flag.text)}")
                sent += 1
    return sent


def register(app: App, settings: Settings) -> None:
    """Register `/pace request`, the modal and the decision buttons; call before the generic `/pace` listener."""

    def gov() -> Governance:
        return Governance.open(settings)

    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            accs, teams, _ = gov().catalog()
        except PaceError as exc:
            client.chat_postEphemeral(channel=body.get("channel_id"), user=body.get("user_id"), text=f"Cannot open the request form: {exc}")
            return
        client.views_open(trigger_id=body["trigger_id"], view=request_modal(accs, teams, date.today()))

    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        # The ack must leave within Slack's 3 s even on a busy host: validation needs only the policy and the
        # catalog, so the warehouse's open requests are imported after the ack, before the submission.
        g = Governance.open(settings, sync=False)
        slack_user = body["user"]["id"]
        draft, errors = draft_from_view(view, g.policy.user_for_slack(slack_user))
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        try:  # validate before acknowledging (field errors must come back in the ack, within 3 s) ...
            accs, teams, projects = g.catalog()
            validate_draft(draft, accelerators=accs, teams=teams, projects=projects)
        except PaceError as exc:
            ack(response_action="errors", errors={_field_of(str(exc)): str(exc)[:150]})
            return
        ack()  # ... then the impact card and the forecast, which can take seconds
        sync_open_requests(settings, g.store)
        dm = g.policy.slack_for_user(draft.requester) or slack_user
        try:
            req, card = g.submit(draft, channel="slack")
        except PaceError as exc:
            client.chat_postMessage(channel=dm, text=f"Your request was not stored: {clip_mrkdwn(mrkdwn(exc), 2000)}")
            return
        client.chat_postMessage(channel=dm, text=clip_mrkdwn(mrkdwn(f"{req.id} is {req.status}.\n{card.text()}\n{g.waiting(req) or ''}"), 3000))
        route = req.facts.get("route", {})
        target = next((s for s in (g.policy.slack_for_user(u) for u in route.get("approvers", [])) if s), None)
        if req.status == "submitted" and target:
            posted = client.chat_postMessage(channel=target, text=f"{req.id} needs your decision (rule {route.get('rule')})",
                                             blocks=approver_blocks(g, req, card.text()))
            g.store.set_slack_message(req.id, posted["channel"], posted["ts"])

    def decide(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        g = gov()
        kind = ACTION.match(action["action_id"]).group(1)  # type: ignore[union-attr]
        actor = g.policy.user_for_slack(body["user"]["id"])
        channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
        try:
            g.act(action["value"], kind, actor=actor, channel="slack", reason=f"{kind.replace('_', ' ')} in Slack")
        except Refused as exc:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=f"Not applied: {exc}")
        except PaceError as exc:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=f"Not applied: {exc}")
        deliver_outbox(client, g)

    app.command("/pace", matchers=[is_request_command])(open_modal)
    app.view(MODAL)(submitted)
    app.action(ACTION)(decide)


def governance_tick(client: WebClient, settings: Settings, now: datetime) -> dict[str, int]:
    """One scheduler tick: deliver decisions made elsewhere (the CLI) and send due SLA reminders.
    Does nothing (and creates no file) when this warehouse has no governance store yet."""
    from semantic_layer.live_requests import store_path

    if not store_path(settings).exists():
        return {"delivered": 0, "reminders": 0}
    gov = Governance.open(settings)
    return {"delivered": deliver_outbox(client, gov), "reminders": send_sla_reminders(client, gov, now)}
