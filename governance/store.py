"""The governance store: requests, an append-only audit log and a Slack outbox in one SQLite file.

Why SQLite (WAL) and not the warehouse: DuckDB allows one writing process per file, while the CLI,
the Slack app and `pace ingest` are separate processes. SQLite in WAL mode lets any number of
processes write, one short transaction at a time, while readers (the question engine) never wait.
Every write is `BEGIN IMMEDIATE` (the write lock is taken up front, so two writers queue on
busy_timeout instead of failing mid-transaction), and a status change is a conditional
`UPDATE ... WHERE status = ?` inside that transaction, so two approvals racing yield one transition.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core.errors import Refused, UserError
from core.settings import Settings
from governance.lifecycle import HOLDING, TERMINAL, IllegalTransition, next_status
from governance.requests import Request
from semantic_layer.live_requests import store_path

BUSY_TIMEOUT_MS = 30_000
CHANNELS = ("cli", "slack")
SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    team TEXT NOT NULL, project TEXT NOT NULL, requester TEXT NOT NULL, approver TEXT,
    accelerator_type TEXT NOT NULL, accelerators_requested INTEGER NOT NULL, accelerators_granted INTEGER,
    workload_type TEXT NOT NULL, priority TEXT NOT NULL, preemptible INTEGER NOT NULL, justification TEXT NOT NULL,
    status TEXT NOT NULL, submitted_at TEXT NOT NULL, decided_at TEXT, provisioned_at TEXT,
    start_date TEXT NOT NULL, end_date TEXT NOT NULL,
    facts TEXT NOT NULL DEFAULT '{}', slack_channel TEXT, slack_ts TEXT, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_status ON requests (status, accelerator_type);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
    from_status TEXT, to_status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL CHECK (channel IN ('cli', 'slack'))
);
CREATE INDEX IF NOT EXISTS audit_request ON audit (request_id, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT
);
CREATE TABLE IF NOT EXISTS reminders (
    request_id TEXT NOT NULL, kind TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (request_id, kind, day)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Columns added after the first release: (table, column, definition), applied to older stores on open.
# `origin` is '' for requests made through pace and 'warehouse' for open requests imported from the
# warehouse's history; `refused` marks an audit row that records a refused attempt (nothing changed).
MIGRATIONS: tuple[tuple[str, str, str], ...] = (
    ("requests", "origin", "ALTER TABLE requests ADD COLUMN origin TEXT NOT NULL DEFAULT ''"),
    ("audit", "action", "ALTER TABLE audit ADD COLUMN action TEXT"),
    ("audit", "refused", "ALTER TABLE audit ADD COLUMN refused INTEGER NOT NULL DEFAULT 0"),
)
# One transition's update: the status always; approver and decision time for approve/deny; the grant for
# approve; the provisioning time for provision. Conditional on the status read in the same transaction.
UPDATE_STATUS = """
UPDATE requests SET status = :to, updated_at = :now,
    approver = CASE WHEN :decides THEN :actor ELSE approver END,
    decided_at = CASE WHEN :decides THEN :now ELSE decided_at END,
    accelerators_granted = COALESCE(:grant, accelerators_granted),
    provisioned_at = CASE WHEN :provisions THEN :now ELSE provisioned_at END
WHERE request_id = :id AND status = :from
"""
NO_REQUEST = "-"  # the audit row's request_id for a refused attempt that names no request (a refused submission)
Authorize = Callable[[Request], None]
Decide = Callable[[Request, list[Request]], str | None]
IMPORT_ACTOR = "pace-seed"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ") if value else None


class Store:
    """One governance store file; open a short-lived connection per operation (safe across threads)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow) -> None:
        self.path, self.clock = Path(path), clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise UserError(f"the governance store {self.path} cannot use WAL mode (got {mode}); put it on a local disk")
            con.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")
            with self._write(con):
                for table, column, alter in MIGRATIONS:
                    if column not in {r[0] for r in con.execute("SELECT name FROM pragma_table_info(?)", (table,))}:
                        con.execute(alter)

    @classmethod
    def for_settings(cls, settings: Settings, **kw: Any) -> Store:
        return cls(store_path(settings), **kw)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = NORMAL")
            con.row_factory = sqlite3.Row
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self, con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; a lock past the busy timeout is retried."""
        for attempt in range(5):
            try:
                con.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == 4:
                    raise UserError(f"the governance store {self.path} stayed busy; try again in a moment") from None
                time.sleep(0.05 * (attempt + 1))
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- writes -------------------------------------------------------------------------------------
    def submit(self, request: Request, *, channel: str, auto_reason: str | None = None, actor: str | None = None,
               decide: Decide | None = None) -> Request:
        """Store a new request (status submitted) with its audit row; approve it at once when auto_reason.

        `decide(request, held)` runs inside the write transaction with the requests that hold capacity of
        the same type as read in that transaction; it sets the facts that depend on them and returns the
        auto-approval reason or None. Two submitters therefore never both count the same headroom.
        """
        _check_channel(channel)
        now = self.clock()
        with self._connect() as con, self._write(con):
            if decide is not None:
                auto_reason = decide(request, self._holding(con, request.accelerator))
            number = con.execute("SELECT COALESCE(MAX(CAST(substr(request_id, 4) AS INTEGER)), 0) + 1 FROM requests"
                                 " WHERE request_id LIKE 'GR-%'").fetchone()[0]
            request.id, request.status, request.submitted_at = f"GR-{number:06d}", "submitted", now
            con.execute(
                "INSERT INTO requests (request_id, team, project, requester, accelerator_type, accelerators_requested,"
                " workload_type, priority, preemptible, justification, status, submitted_at, start_date, end_date, facts,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?)",
                (request.id, request.team, request.project, request.requester, request.accelerator, request.count,
                 request.workload, request.priority, int(request.preemptible), request.justification, _ts(now),
                 request.start.isoformat(), request.end.isoformat(), json.dumps(request.facts, default=str), _ts(now)),
            )
            _audit(con, request.id, now, actor or request.requester, None, "submitted", "submitted", channel, "submit")
            if auto_reason:
                from governance.policy import AUTO_ACTOR

                con.execute("UPDATE requests SET status = 'approved', accelerators_granted = ?, approver = ?, decided_at = ?,"
                            " updated_at = ? WHERE request_id = ? AND status = 'submitted'",
                            (request.count, AUTO_ACTOR, _ts(now), _ts(now), request.id))
                _audit(con, request.id, now, AUTO_ACTOR, "submitted", "approved", auto_reason, channel, "approve")
                request.status, request.granted, request.approver, request.decided_at = "approved", request.count, AUTO_ACTOR, now
        return request

    def transition(self, request_id: str, action: str, *, actor: str, channel: str, reason: str = "",
                   granted: int | None = None, authorize: Authorize | None = None, audit_actor: str | None = None) -> Request:
        """Apply one lifecycle action atomically; a refusal (illegal, not allowed, lost race) changes nothing
        but is itself audited: who tried which action, from which status, and why it was refused.
        `actor` is recorded as the approver; `audit_actor` (default `actor`) in the audit row."""
        _check_channel(channel)
        audit_actor = audit_actor or actor
        now = self.clock()
        refusal: Refused | None = None
        with self._connect() as con, self._write(con):
            before = self._get(con, request_id)
            try:
                to = next_status(before.status, action)
                if authorize:
                    authorize(before)
            except Refused as exc:
                _audit(con, request_id, now, audit_actor, before.status, before.status, str(exc), channel, action, refused=True)
                refusal = exc
            else:
                return self._apply(con, before, to, action, actor=actor, audit_actor=audit_actor, channel=channel,
                                   reason=reason, granted=granted, now=now)
        assert refusal is not None
        raise refusal

    def _apply(self, con: sqlite3.Connection, before: Request, to: str, action: str, *, actor: str, audit_actor: str,
               channel: str, reason: str, granted: int | None, now: datetime) -> Request:
        grant = None
        if action == "approve":
            grant = before.count if granted is None else granted
            if not 0 < grant <= before.count:
                raise UserError(f"--count {grant} must be between 1 and the {before.count} requested (grant less, never more)")
        cur = con.execute(UPDATE_STATUS, {"to": to, "now": _ts(now), "decides": action in ("approve", "deny"), "actor": actor,
                                          "grant": grant, "provisions": action == "provision", "id": before.id,
                                          "from": before.status})
        if cur.rowcount != 1:  # unreachable under BEGIN IMMEDIATE, kept as the atomicity guard
            raise IllegalTransition(f"{before.id} changed while this {action} was applied; show it and try again")
        note = reason or action.replace("_", " ")
        if action == "approve" and granted is not None and granted < before.count:
            note = f"{note} (granted {granted} of {before.count})"
        _audit(con, before.id, now, audit_actor, before.status, to, note, channel, action)
        con.execute("INSERT INTO outbox (request_id, kind, created_at) VALUES (?, ?, ?)", (before.id, action, _ts(now)))
        return self._get(con, before.id)

    def record_refusal(self, request_id: str | None, action: str, *, actor: str, channel: str, reason: str) -> None:
        """Audit a refusal decided outside a transition (acting as someone without the right, a refused submission)."""
        _check_channel(channel)
        now = self.clock()
        with self._connect() as con, self._write(con):
            status = None
            if request_id:
                row = con.execute("SELECT status FROM requests WHERE request_id = ?", (request_id,)).fetchone()
                status = row[0] if row else None
            _audit(con, request_id or NO_REQUEST, now, actor, status, status or "-", reason, channel, action, refused=True)

    def import_open(self, rows: list[Request], build: str) -> dict[str, int]:
        """Make the warehouse's open requests live here, once per warehouse build, in one transaction.

        New ids are inserted (origin 'warehouse', one audit row). A row imported from an earlier build that
        nobody has acted on since is brought up to the warehouse's current content; rows people have acted
        on are the live truth and are kept. Untouched imports the rebuilt warehouse no longer holds open are
        withdrawn (status cancelled, with an audit row saying why), never deleted.
        """
        now = self.clock()
        counts = {"imported": 0, "updated": 0, "withdrawn": 0, "kept": 0}
        with self._connect() as con, self._write(con):
            if self._meta(con, "warehouse_build") == build:
                return counts
            untouched = {r[0] for r in con.execute(
                "SELECT r.request_id FROM requests r JOIN audit a ON a.request_id = r.request_id AND a.refused = 0"
                " WHERE r.origin = 'warehouse' GROUP BY r.request_id HAVING COUNT(*) = 1")}
            present = {r[0] for r in con.execute("SELECT request_id FROM requests WHERE origin = 'warehouse'")}
            incoming = {r.id for r in rows}
            for req in rows:
                values = (req.team, req.project, req.requester, req.approver, req.accelerator, req.count, req.granted,
                          req.workload, req.priority, int(req.preemptible), req.justification, req.status,
                          _ts(req.submitted_at), _ts(req.decided_at), _ts(req.provisioned_at), req.start.isoformat(),
                          req.end.isoformat(), json.dumps(req.facts, default=str), _ts(now))
                if req.id not in present:
                    con.execute(
                        "INSERT OR IGNORE INTO requests (team, project, requester, approver, accelerator_type,"
                        " accelerators_requested, accelerators_granted, workload_type, priority, preemptible, justification,"
                        " status, submitted_at, decided_at, provisioned_at, start_date, end_date, facts, updated_at, request_id,"
                        " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'warehouse')", (*values, req.id))
                    _audit(con, req.id, now, IMPORT_ACTOR, None, req.status, f"imported from the warehouse ({build})", "cli", "import")
                    counts["imported"] += 1
                elif req.id in untouched:
                    con.execute(
                        "UPDATE requests SET team = ?, project = ?, requester = ?, approver = ?, accelerator_type = ?,"
                        " accelerators_requested = ?, accelerators_granted = ?, workload_type = ?, priority = ?, preemptible = ?,"
                        " justification = ?, status = ?, submitted_at = ?, decided_at = ?, provisioned_at = ?, start_date = ?,"
                        " end_date = ?, facts = ?, updated_at = ? WHERE request_id = ?", (*values, req.id))
                    counts["updated"] += 1
                else:
                    counts["kept"] += 1
            for rid in sorted((untouched - incoming) & present):
                status = con.execute("SELECT status FROM requests WHERE request_id = ?", (rid,)).fetchone()[0]
                if status in TERMINAL:
                    continue
                con.execute("UPDATE requests SET status = 'cancelled', updated_at = ? WHERE request_id = ?", (_ts(now), rid))
                _audit(con, rid, now, IMPORT_ACTOR, status, "cancelled",
                       f"withdrawn: the rebuilt warehouse ({build}) no longer holds it open", "cli", "import")
                counts["withdrawn"] += 1
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('warehouse_build', ?)", (build,))
        return counts

    def set_slack_message(self, request_id: str, channel: str, ts: str) -> None:
        with self._connect() as con, self._write(con):
            con.execute("UPDATE requests SET slack_channel = ?, slack_ts = ? WHERE request_id = ?", (channel, ts, request_id))

    def take_outbox(self) -> list[tuple[int, str, str]]:
        """Undelivered notifications [(seq, request_id, kind)], claimed so a second worker skips them."""
        with self._connect() as con, self._write(con):
            rows = con.execute("SELECT seq, request_id, kind FROM outbox WHERE delivered_at IS NULL ORDER BY seq").fetchall()
            con.executemany("UPDATE outbox SET delivered_at = ? WHERE seq = ?", [(_ts(self.clock()), r[0]) for r in rows])
        return [tuple(r) for r in rows]

    def remind_once(self, request_id: str, kind: str, day: date) -> bool:
        """True the first time (request, kind, day) is claimed: one SLA reminder per request per day."""
        with self._connect() as con, self._write(con):
            cur = con.execute("INSERT OR IGNORE INTO reminders VALUES (?, ?, ?)", (request_id, kind, day.isoformat()))
            return cur.rowcount == 1

    # -- reads --------------------------------------------------------------------------------------
    def get(self, request_id: str) -> Request:
        with self._connect() as con:
            return self._get(con, request_id)

    def slack_message(self, request_id: str) -> tuple[str, str] | None:
        with self._connect() as con:
            row = con.execute("SELECT slack_channel, slack_ts FROM requests WHERE request_id = ?", (request_id,)).fetchone()
        return (row[0], row[1]) if row and row[0] else None

    def list(self, *, status: str | list[str] | None = None, team: str | None = None,
             accelerator: str | None = None) -> list[Request]:
        where, args = [], []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            where.append("status IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(statuses))
        if team:
            where.append("team = ?")
            args.append(team)
        if accelerator:
            where.append("accelerator_type = ?")
            args.append(accelerator)
        sql = "SELECT * FROM requests" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
        with self._connect() as con:
            return [_row_to_request(r) for r in con.execute(sql, args).fetchall()]

    def audit(self, request_id: str) -> list[dict[str, Any]]:
        """The request's history: every applied transition, oldest first (refused attempts: `refusals`)."""
        with self._connect() as con:
            rows = con.execute("SELECT at, actor, from_status, to_status, reason, channel FROM audit"
                               " WHERE request_id = ? AND refused = 0 ORDER BY seq", (request_id,)).fetchall()
        return [{"at": r[0].replace(" ", "T"), "actor": r[1], "from": r[2], "to": r[3], "reason": r[4], "channel": r[5]}
                for r in rows]

    def refusals(self, request_id: str | None = None) -> list[dict[str, Any]]:
        """Refused attempts (of one request, or all), oldest first: who tried which action, and why it was refused."""
        sql = "SELECT request_id, at, actor, action, from_status, reason, channel FROM audit WHERE refused = 1"
        args: tuple[str, ...] = ()
        if request_id is not None:
            sql, args = sql + " AND request_id = ?", (request_id,)
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY seq", args).fetchall()
        return [{"request": r[0], "at": r[1].replace(" ", "T"), "actor": r[2], "action": r[3], "status": r[4],
                 "reason": r[5], "channel": r[6]} for r in rows]

    def holding(self, accelerator: str) -> list[Request]:
        with self._connect() as con:
            return self._holding(con, accelerator)

    def _holding(self, con: sqlite3.Connection, accelerator: str) -> list[Request]:
        """Requests whose grant counts against headroom: approved and provisioned ones, and active ones made
        through pace. Active requests imported from the warehouse are left out: their use is already in the
        warehouse's measured allocation (the impact card's "in use"), and counting them twice would be wrong."""
        rows = con.execute(
            "SELECT * FROM requests WHERE accelerator_type = ? AND status IN (SELECT value FROM json_each(?))"
            " AND NOT (origin = 'warehouse' AND status = 'active') ORDER BY seq", (accelerator, json.dumps(sorted(HOLDING)))).fetchall()
        return [_row_to_request(r) for r in rows]

    def meta(self, key: str) -> str | None:
        with self._connect() as con:
            return self._meta(con, key)

    @staticmethod
    def _meta(con: sqlite3.Connection, key: str) -> str | None:
        row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _get(self, con: sqlite3.Connection, request_id: str) -> Request:
        row = con.execute("SELECT * FROM requests WHERE request_id = ?", (request_id,)).fetchone()
        if row is None:
            raise UserError(f"no request {request_id!r}; list them with `pace request list`")
        return _row_to_request(row)


def _audit(con: sqlite3.Connection, rid: str, at: datetime, actor: str, frm: str | None, to: str, reason: str, channel: str,
           action: str | None = None, *, refused: bool = False) -> None:
    con.execute("INSERT INTO audit (request_id, at, actor, from_status, to_status, reason, channel, action, refused)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (rid, _ts(at), actor, frm, to, reason, channel, action, int(refused)))


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r} must be one of {CHANNELS}")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _row_to_request(row: sqlite3.Row) -> Request:
    return Request(
        id=row["request_id"], requester=row["requester"], team=row["team"], project=row["project"],
        accelerator=row["accelerator_type"], count=row["accelerators_requested"], start=date.fromisoformat(row["start_date"]),
        end=date.fromisoformat(row["end_date"]), workload=row["workload_type"], priority=row["priority"],
        justification=row["justification"], preemptible=bool(row["preemptible"]), status=row["status"],
        granted=row["accelerators_granted"], approver=row["approver"], submitted_at=_dt(row["submitted_at"]),
        decided_at=_dt(row["decided_at"]), provisioned_at=_dt(row["provisioned_at"]), facts=json.loads(row["facts"] or "{}"),
    )
