"""A tiny hand-built warehouse with known throughput per accelerator type, for placement tests.

One cloud cluster `c1` (no commitments, so every price is on-demand) and an on-device lab. Completed
fine-tuning jobs: 50 on H100 at MFU 0.40, 50 on H200 at MFU 0.60, 5 on A100 at MFU 0.90 (too few:
the catalog must be used). Team `t1` holds 40 H100 every hour of the last week against a burst
quota of 48, so H100 has 24 free of 64 and t1 has 8 of quota headroom.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from telemetry import fleet
from telemetry.schema import create_schema

END = datetime(2026, 11, 23)
CAPACITY = {"H100": 64, "H200": 16, "A100": 64, "L40S": 64, "TPU v5e": 64, "Inferentia2": 32}
MFU = {"H100": (0.40, 50), "H200": (0.60, 50), "A100": (0.90, 5)}


def build(path: Path) -> Path:
    con = duckdb.connect(str(path))
    create_schema(con)
    for a in fleet.ACCELERATORS:
        con.execute("INSERT INTO accelerator_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", list(a[:11]))
    con.execute("INSERT INTO clusters VALUES ('c1', 'us-east-1', 'aws', FALSE, 0), ('lab', 'us-west', 'on-prem', TRUE, 0.11)")
    for acc, n in CAPACITY.items():
        con.execute("INSERT INTO cluster_capacity VALUES ('c1', ?, ?, DATE '2026-01-01')", [acc, n])
    con.execute("INSERT INTO cluster_capacity VALUES ('lab', 'Jetson Orin', 8, DATE '2026-01-01')")
    con.execute("INSERT INTO orgs VALUES ('o', 'CC-1', 'vp')")
    con.execute("INSERT INTO teams VALUES ('t1', 'o', 'CC-1', 'lead', NULL), ('t2', 'o', 'CC-1', 'lead', NULL)")
    con.execute("INSERT INTO quotas VALUES ('t1', 'H100', 40, 48, DATE '2026-01-01', NULL), "
                "('t1', 'H200', 16, 64, DATE '2026-01-01', NULL)")
    start = END - timedelta(days=7)
    con.execute(
        """INSERT INTO utilization_hourly
        SELECT ts, 'c1', 'H100', 't1', 'p1', 'fine-tuning', 40, 30, 10, 0.6, 50, 40 * 0.5, 90
        FROM range(?::TIMESTAMP, ?::TIMESTAMP, INTERVAL 1 HOUR) t(ts)""",
        [start, END],
    )
    i = 0
    for acc, (mfu, n) in MFU.items():
        peak = next(a[6] for a in fleet.ACCELERATORS if a[0] == acc)
        for k in range(n):
            i += 1
            t0 = END - timedelta(days=30, hours=k)
            hours = 8 * 4.0  # 8 accelerators x 4 h
            tokens = hours * 3600 * peak * 1e12 * mfu / (6 * 7e9)
            con.execute(
                "INSERT INTO jobs VALUES (?, 't1', 'p1', 'u', 'c1', ?, 'fine-tuning', 8, ?, ?, ?, 'completed', 1, ?, ?, NULL, ?, NULL, NULL, NULL)",
                [f"j{i:05d}", acc, t0, t0, t0 + timedelta(hours=4), hours, tokens, mfu],
            )
    con.close()
    return path
