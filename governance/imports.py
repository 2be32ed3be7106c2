"""The warehouse's open requests, made live in the governance store: one source of truth for requests.

A generated (or ingested) warehouse holds compute requests at every stage, some still open: submitted,
needs_info, approved, provisioned, active. Only the store can move a request on, count it in a queue
or hold its grant against headroom, so those open requests are copied into the store (with their ids)
once per warehouse build; the question engine's overlay then shows the store's row in place of the
warehouse's (`semantic_layer.live_requests`). `pace request list`, queue positions and `pace ask`
therefore count the same rows. Closed requests (denied, expired, released, cancelled) stay history in
the warehouse.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlglot import exp

from core.errors import PaceError
from core.settings import Settings
from governance.impact import _warehouse_facts, apply_holdings
from governance.lifecycle import HOLDING, PENDING
from governance.requests import Request
from governance.store import Store

log = logging.getLogger("pace.governance")
OPEN: tuple[str, ...] = tuple(sorted(PENDING | HOLDING))
COLUMNS: tuple[str, ...] = (
    "request_id", "team", "project", "requester", "approver", "accelerator_type", "accelerators_requested",
    "accelerators_granted", "workload_type", "priority", "preemptible", "justification", "status", "submitted_at",
    "decided_at", "provisioned_at", "start_date", "end_date",
)
MAX_OPEN = 1_000_000


def build_sql() -> exp.Select:
    """Which build of the warehouse this is: its latest `pace_meta` row."""
    return exp.select(exp.Max(this=exp.column("built_at"))).from_("pace_meta")


def open_requests_sql() -> exp.Select:
    return (exp.select(*COLUMNS).from_("compute_requests")
            .where(exp.column("status").isin(*[exp.convert(s) for s in OPEN])).order_by("submitted_at", "request_id"))


def sync_open_requests(settings: Settings, store: Store | None = None) -> dict[str, int] | None:
    """Import the warehouse's open requests when its build changed since the last import.

    Returns the counts, or None when nothing had to be done or the warehouse cannot be read right now
    (the next command tries again; until then questions still see the warehouse's rows)."""
    from semantic_layer.engine import Engine
    from semantic_layer.live_requests import warehouse_only

    store = store or Store.for_settings(settings)
    try:
        with Engine(settings) as engine, warehouse_only():
            rows = engine.run_sql(build_sql().sql(dialect="duckdb")).rows
            build = rows[0][0] if rows and rows[0][0] is not None else None
            if build is None:
                return None
            build_id = build.isoformat(sep=" ") if isinstance(build, datetime) else str(build)
            if store.meta("warehouse_build") == build_id:
                return None
            found = [_request(r) for r in engine.run_sql(open_requests_sql().sql(dialect="duckdb"), row_limit=MAX_OPEN).records()]
            for req in found:
                if req.status in PENDING:  # the facts a pending request's routing and waiting reason read
                    base = _warehouse_facts(engine, req) | {"imported_from_warehouse": True}
                    base["demand_in_window"] = base.get("fleet_in_use", 0.0)
                    req.facts = apply_holdings(base, req, store.holding(req.accelerator))
    except PaceError as exc:
        log.warning("open requests not imported from the warehouse yet: %s", exc)
        return None
    return store.import_open(found, build_id)


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def _request(row: dict[str, object]) -> Request:
    return Request(
        id=str(row["request_id"]), requester=str(row["requester"]), team=str(row["team"]), project=str(row["project"]),
        accelerator=str(row["accelerator_type"]), count=int(row["accelerators_requested"]),  # type: ignore[arg-type]
        start=_day(row["start_date"]), end=_day(row["end_date"]), workload=str(row["workload_type"]),
        priority=str(row["priority"]), justification=str(row["justification"]), preemptible=bool(row["preemptible"]),
        status=str(row["status"]), granted=row["accelerators_granted"],  # type: ignore[arg-type]
        approver=row["approver"], submitted_at=row["submitted_at"], decided_at=row["decided_at"],  # type: ignore[arg-type]
        provisioned_at=row["provisioned_at"],  # type: ignore[arg-type]
    )
