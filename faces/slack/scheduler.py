"""Scheduled posts: the weekly narrative to a configured channel, and anomaly alerts at or above a
configured severity. Each post is claimed in the state file before it is sent, so a finding (or a
week) is posted once even across restarts; a failed post is released and tried on the next run.

Scan finding ids (F001...) are numbered per scan, so a finding's identity here is a fingerprint of
what it is: kind, entity, cluster, accelerator type and start hour.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import App

from faces.slack import blocks as bk
from faces.slack.app import service_of
from faces.slack.core import SlackService, to_result
from faces.slack.feedback import flush_pending
from faces.slack.policy import NOTE, redact_result, redact_text
from core.settings import Settings

log = logging.getLogger("pace.slack")
ScanFn = Callable[[Settings, datetime, datetime], list[Any]]
MAX_ALERTS_PER_RUN = 10  # chat.postMessage allows about one message a second per channel


def default_scan(settings: Settings, start: datetime, end: datetime) -> list[Any]:
    from tools.scan import scan

    return list(scan(settings, start, end).findings)


def finding_key(f: Any) -> str:
    parts = [str(_get(f, k)) for k in ("kind", "entity", "cluster", "accelerator_type", "start")]
    return "finding:" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]


def _get(f: Any, name: str) -> Any:
    return f.get(name) if isinstance(f, dict) else getattr(f, name, None)


def last_complete_week(now: datetime) -> tuple[date, str]:
    """Monday of the last complete ISO week before `now`, and its label (2026-W47)."""
    monday = now.date() - timedelta(days=now.date().weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, f"{year}-W{week:02d}"


def alert_blocks(f: Any, key: str, show_cost: bool) -> tuple[list[dict[str, Any]], str]:
    title = f":rotating_light: {_get(f, 'severity')} {_get(f, 'kind')}: {_get(f, 'entity')}"
    impact = f"${float(_get(f, 'impact_usd') or 0):,.0f}" if show_cost else "$[hidden]"
    window = f"{_get(f, 'start')} .. {_get(f, 'end')}"
    esc = bk.escape  # finding fields come from data: no mention or link may survive
    body = (f"*{esc(_get(f, 'metric'))}*: observed {_get(f, 'observed'):.4g} vs expected {_get(f, 'expected'):.4g}\n"
            f"window {esc(window)} · est. impact {impact} · owner {esc(_get(f, 'owner'))} · tier {esc(_get(f, 'tier'))}")
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": bk.plain_field(title)}},
              {"type": "section", "text": {"type": "mrkdwn", "text": redact_text(body) if not show_cost else body}}]
    if not show_cost:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f":lock: {NOTE}"}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"finding {bk.escape(_get(f, 'id'))} · pace scan"}]})
    if _get(f, "evidence_sql"):
        blocks.append(bk.sql_button(key))
    return blocks, title


def post_alerts(app: App, svc: SlackService, now: datetime, scan_fn: ScanFn) -> list[str]:
    channel = svc.config.alerts_channel
    findings = [f for f in scan_fn(svc.settings, now - timedelta(days=7), now)
                if svc.config.severity_qualifies(str(_get(f, "severity")))]
    posted: list[str] = []
    for f in findings:
        if len(posted) >= MAX_ALERTS_PER_RUN:
            break
        key = finding_key(f)
        if not svc.store.claim(key, channel):
            continue
        try:
            answer_key = uuid.uuid4().hex[:16]
            svc.store.save_answer(answer_key, f"alert {_get(f, 'kind')} {_get(f, 'entity')}", _get(f, "evidence_sql"), channel, None)
            blocks, title = alert_blocks(f, answer_key, svc.config.may_see_cost(None, channel))
            resp = app.client.chat_postMessage(channel=channel, text=bk.fallback_text(title), blocks=blocks)
            svc.store.confirm(key, resp.get("ts"))
            posted.append(key)
        except Exception:  # noqa: BLE001 - one failed alert must not stop the others
            svc.store.release(key)
            log.exception("alert post failed for %s; will retry next run", key)
    return posted


def weekly_charts(report: Any) -> list[str]:
    """PNG files of the weekly report's charts (tools.weekly_render draws them); none when unavailable."""
    if not getattr(report, "charts", None):
        return []
    try:
        from tools.weekly_render import chart_images

        images = chart_images(report)
    except Exception:  # noqa: BLE001 - a post without charts beats no post
        log.exception("weekly charts could not be drawn")
        return []
    out_dir = Path(tempfile.mkdtemp(prefix="pace-weekly-"))
    paths = []
    for i, data in enumerate(images.values()):
        path = out_dir / f"weekly-{i + 1}.png"
        path.write_bytes(base64.b64decode(data))
        paths.append(str(path))
    return paths


def post_weekly(app: App, svc: SlackService, now: datetime, weekly_fn: Callable[..., Any] | None) -> str | None:
    channel = svc.config.weekly_channel
    monday, label = last_complete_week(now)
    if weekly_fn is None:
        log.info("weekly narrative skipped: the weekly tool is not installed")
        return None
    key = f"weekly:{label}"
    if not svc.store.claim(key, channel):
        return None
    try:
        report = weekly_fn(label, svc.settings, monday + timedelta(days=7))
        result = to_result(report)
        charts = weekly_charts(report)
        note = None
        if not svc.config.may_see_cost(None, channel):
            result, hidden = redact_result(result)
            note = NOTE if hidden else None
            charts = []  # the weekly charts plot spend
        answer_key = uuid.uuid4().hex[:16]
        svc.store.save_answer(answer_key, f"weekly {label}", result.get("sql"), channel, None)
        resp = app.client.chat_postMessage(channel=channel, text=bk.fallback_text(str(result.get("text") or label)),
                                           blocks=bk.result_blocks(f"Weekly summary {label}", result, key=answer_key, note=note))
        svc.store.confirm(key, resp.get("ts"))
        for path in charts + ([str(result["chart"])] if result.get("chart") else []):
            svc.upload_chart(app.client, path, channel=channel, thread_ts=resp["ts"], title=f"Weekly {label}")
        return key
    except Exception:  # noqa: BLE001
        svc.store.release(key)
        log.exception("weekly post failed for %s; will retry next run", label)
        return None


def run_scheduled(app: App, settings: Settings, now: datetime, *, scan_fn: ScanFn | None = None,
                  weekly_fn: Callable[..., Any] | None = None) -> dict[str, Any]:
    """One scheduler tick (idempotent): returns what it posted. Tests call it directly."""
    svc = service_of(app)
    if settings is not svc.settings:
        svc = SlackService(**{**svc.__dict__, "settings": settings})
    out: dict[str, Any] = {"weekly": None, "alerts": []}
    if svc.config.weekly_channel:
        out["weekly"] = post_weekly(app, svc, now, weekly_fn or svc.tools.get("weekly"))
    if svc.config.alerts_channel:
        try:
            out["alerts"] = post_alerts(app, svc, now, scan_fn or default_scan)
        except Exception:  # noqa: BLE001
            log.exception("anomaly scan failed; no alerts this run")
    flush_pending(settings, svc.store)
    try:  # compute-request decisions made on the CLI, and SLA reminders (docs/governance.md)
        from faces.slack.governance import governance_tick

        out["governance"] = governance_tick(app.client, settings, now)
    except Exception:  # noqa: BLE001
        log.exception("governance tick failed; will retry next run")
    return out


def start_scheduler(app: App, settings: Settings, every_s: float = 900.0) -> threading.Event:
    """Run `run_scheduled` every `every_s` seconds in a daemon thread; set the returned event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_scheduled(app, settings, datetime.now())
            except Exception:  # noqa: BLE001
                log.exception("scheduler tick failed")
            stop.wait(every_s)

    threading.Thread(target=loop, name="pace-slack-scheduler", daemon=True).start()
    return stop
