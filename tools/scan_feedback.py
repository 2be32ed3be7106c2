"""What people said about scan findings: yes (a real problem), no (not an anomaly) or planned (a known,
planned activity, such as a load test or an onboarding ramp). Stored in the scan's own small SQLite
file beside the warehouse (`<warehouse stem>.scan.sqlite`), never in the warehouse itself.

A finding is known by its `ref`, a hash of what it is about (kind, entity, pool) and the day it
started, so the same anomaly keeps its ref from scan to scan while `F003` is only its rank today. A
finding marked planned or no is not alerted again: later scans drop any finding of the same kind and
stream whose window overlaps the marked one, and count what they dropped.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from core.errors import UserError
from core.settings import Settings
from tools.findings import Finding

VERDICTS = ("yes", "no", "planned")
SILENCING = ("no", "planned")
_SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    ref TEXT NOT NULL, verdict TEXT NOT NULL CHECK (verdict IN ('yes', 'no', 'planned')), note TEXT,
    kind TEXT NOT NULL, entity TEXT NOT NULL, cluster TEXT, accelerator_type TEXT,
    start TEXT NOT NULL, "end" TEXT NOT NULL, at TEXT NOT NULL
)"""


def store_path(settings: Settings) -> Path:
    db = Path(settings.db)
    return db.with_name(f"{db.stem}.scan.sqlite")


def _connect(settings: Settings) -> sqlite3.Connection:
    con = sqlite3.connect(store_path(settings), timeout=10)
    con.execute(_SCHEMA)
    return con


def check_verdict(verdict: str) -> str:
    v = verdict.strip().lower()
    if v not in VERDICTS:
        raise UserError(f"unknown verdict {verdict!r}; choose from {', '.join(VERDICTS)}")
    return v


def record(settings: Settings, finding: Finding, verdict: str, note: str | None = None,
           now: datetime | None = None) -> dict[str, str]:
    """Store one verdict on a finding (the latest verdict on a ref wins)."""
    v = check_verdict(verdict)
    at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    with closing(_connect(settings)) as con, con:
        con.execute(
            'INSERT INTO feedback (ref, verdict, note, kind, entity, cluster, accelerator_type, start, "end", at) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (finding.ref, v, note, finding.kind, finding.entity, finding.cluster, finding.accelerator_type,
             finding.start.isoformat(), finding.end.isoformat(), at),
        )
    return {"ref": finding.ref, "verdict": v, "at": at}


def latest(settings: Settings) -> list[dict[str, str | None]]:
    """The latest verdict per ref (an empty list when nothing was ever said)."""
    if not store_path(settings).exists():
        return []
    with closing(_connect(settings)) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute(
            'SELECT ref, verdict, note, kind, entity, cluster, accelerator_type, start, "end", max(at) AS at '
            "FROM feedback GROUP BY ref ORDER BY at").fetchall()
    return [dict(r) for r in rows]


def _covers(mark: dict[str, str | None], f: Finding) -> bool:
    if (mark["kind"], mark["entity"], mark["cluster"], mark["accelerator_type"]) != (
            f.kind, f.entity, f.cluster, f.accelerator_type):
        return False
    return f.start < datetime.fromisoformat(str(mark["end"])) and datetime.fromisoformat(str(mark["start"])) < f.end


def apply(findings: Iterable[Finding], marks: list[dict[str, str | None]]) -> tuple[list[Finding], list[Finding]]:
    """(findings to alert, findings silenced by a `planned` or `no` verdict); a `yes` is kept and noted."""
    silencing = [m for m in marks if m["verdict"] in SILENCING]
    confirmed = {m["ref"] for m in marks if m["verdict"] == "yes"}
    keep, silenced = [], []
    for f in findings:
        mark = next((m for m in silencing if m["ref"] == f.ref or _covers(m, f)), None)
        if mark is not None:
            silenced.append(f.model_copy(update={"feedback": str(mark["verdict"])}))
        else:
            keep.append(f.model_copy(update={"feedback": "yes"}) if f.ref in confirmed else f)
    return keep, silenced
