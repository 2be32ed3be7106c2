"""The `pace` command line. Each command lives in its own module and registers on the shared app."""

from __future__ import annotations

import gc
import sys

from faces.cli.app import app, run_app

# Importing a command module registers its commands; a command appears here once it works.
from faces.cli import warehouse  # noqa: F401,E402
from faces.cli import ingest  # noqa: F401,E402
from faces.cli import metrics  # noqa: F401,E402
from faces.cli import ask  # noqa: F401,E402
from faces.cli import ops  # noqa: F401,E402
from faces.cli import evals  # noqa: F401,E402
from faces.cli import export  # noqa: F401,E402
from faces.cli import dashboard  # noqa: F401,E402
from faces.cli import requests  # noqa: F401,E402
from faces.cli import drafting  # noqa: F401,E402
from faces.cli import slack  # noqa: F401,E402
from faces.cli import placement  # noqa: F401,E402
from faces.cli import rollups  # noqa: F401,E402


def main() -> None:
    # A command imports and builds ~1M objects; at the default thresholds (700, 10, 10) the collector
    # made ~300 passes over them in one `pace ask` (~150 ms CPU, issue 25), at these ~100 (~80 ms) and no full one.
    gc.set_threshold(7_000, 20, 20)
    sys.exit(run_app())


__all__ = ["app", "main"]
