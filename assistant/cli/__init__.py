"""The `pace` command line. Each command lives in its own module and registers on the shared app."""

from __future__ import annotations

import sys

from assistant.cli.app import app, run_app

# Importing a command module registers its commands; a command appears here once it works.
from assistant.cli import warehouse  # noqa: F401,E402
from assistant.cli import ingest  # noqa: F401,E402
from assistant.cli import metrics  # noqa: F401,E402
from assistant.cli import ask  # noqa: F401,E402
from assistant.cli import ops  # noqa: F401,E402
from assistant.cli import evals  # noqa: F401,E402
from assistant.cli import export  # noqa: F401,E402
from assistant.cli import dashboard  # noqa: F401,E402
from assistant.cli import requests  # noqa: F401,E402
from assistant.cli import drafting  # noqa: F401,E402
from assistant.cli import slack  # noqa: F401,E402
from assistant.cli import placement  # noqa: F401,E402


def main() -> None:
    sys.exit(run_app())


__all__ = ["app", "main"]
