"""A separate process that holds the question engine open and answers on demand (for the live test).

Reads one line per question from stdin; prints one JSON line: the metric query's count (all data) and
the assistant's answer to "how many requests are pending for team atlas?".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from semantic_layer.catalog import load_catalog
from semantic_layer.engine import Engine
from semantic_layer.query import Filter, MetricQuery
from core.settings import Settings


def main() -> None:
    settings = Settings(PACE_DB=Path(sys.argv[1]), PACE_AS_OF=sys.argv[2])
    catalog = load_catalog()
    engine = Engine(settings)
    engine.connection()  # held open for the life of this process
    query = MetricQuery(metrics=["requests_pending"], filters=[Filter(dimension="team", values=["atlas"])])
    print(json.dumps({"ready": True}), flush=True)
    for _line in sys.stdin:
        count = engine.run_query(catalog, query).rows[0][0]
        from assistant import answer

        ans = answer("how many requests are pending for team atlas?", settings=settings, planner="offline")
        print(json.dumps({"query": count, "answer": ans.rows[0][0] if ans.rows else None, "status": ans.status, "text": ans.text}), flush=True)
    engine.close()


if __name__ == "__main__":
    main()
