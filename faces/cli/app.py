"""The `pace` typer app and its error boundary: user errors exit 2 with one clear line, no traceback."""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

import typer
from typer.exceptions import TyperException
from assistant.render.console import SafeConsole

from core.errors import Refused, UserError

app = typer.Typer(
    name="pace",
    help="pace: ask questions about your accelerator fleet and get numbers, tables, charts and the SQL behind them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Data reaches both: markup off unless asked for, escape sequences stripped, tables laid out to fit.
console = SafeConsole()
err_console = SafeConsole(stderr=True)


def print_json(payload: Any) -> None:
    """Print JSON for machines: plain stdout, no colour, dates and decimals as strings/floats."""
    sys.stdout.write(json.dumps(payload, default=_json_default, indent=2) + "\n")


def print_counts(title: str, what: str, counts: dict[str, int]) -> None:
    """A table of row counts per table (what seed and rollups report)."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column(what)
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


def _json_default(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "item"):
        return value.item()
    return str(value)


BEFORE_RUN: list[Any] = []
"""Callables run before each invocation (the tool specs' commands are added this way, so a spec
registered after import still gets its `pace <command>`)."""


def run_app(argv: list[str] | None = None) -> int:
    """Run the app; map pace's error types onto DESIGN.md's exit codes."""
    for hook in BEFORE_RUN:
        hook()
    try:
        code = app(args=argv, standalone_mode=False)  # click returns a typer.Exit's code here instead of raising
    except Refused as exc:
        err_console.print(f"refused: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except UserError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("error: aborted", markup=False)
        return 2
    except TyperException as exc:  # usage errors (unknown option, missing argument) carry their own exit code
        show = getattr(exc, "show", None)
        if show:
            show()
        code = getattr(exc, "exit_code", 2)
        return code if code else 2
    except KeyboardInterrupt:
        err_console.print("error: interrupted", markup=False, highlight=False)
        return 130
    except Exception as exc:  # a bug: one line for people, the traceback only with PACE_DEBUG=1
        if os.environ.get("PACE_DEBUG", "").strip() not in ("", "0"):
            traceback.print_exc()
        detail = " ".join(str(exc).split())[:500] or "no message"
        err_console.print(f"error: internal error ({type(exc).__name__}: {detail}); this is a bug in pace, "
                          "set PACE_DEBUG=1 for the traceback", markup=False, highlight=False, soft_wrap=True)
        return 1
    return code if type(code) is int else 0  # a command's own return value is not an exit code
