"""Result tables for a terminal or a pipe: nothing from the data is cut, parsed as markup or obeyed.

One function, `print_rows`, decides the layout from where the output goes:
- a terminal: a Rich table when it fits; when it does not, key columns (ids, names) keep their full
  width and the other columns fold; when even that does not fit, one record per block (vertical);
- not a terminal (a pipe, a file, a test): plain aligned text, never wider than its widest value
  and never cut;
- `csv`, `tsv`, `json`: machine formats of the raw values.
Past `STREAM_ROWS` rows a terminal gets the plain layout too: Rich measures every cell, which costs
seconds of CPU for ten thousand rows, while plain text is written line by line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.render.safe import one_line, strip_controls

Format = Literal["auto", "table", "plain", "csv", "tsv", "json"]
FORMATS: tuple[str, ...] = ("table", "plain", "csv", "tsv", "json")
STREAM_ROWS = 500
_KEY = re.compile(r"(^|_)(ids?|name|key|uuid|team|cluster|project|org|metric|accelerator|accelerator_type|request|job|"
                  r"user|requester|approver|model|pool|entity|node|host|region|provider|workload|kind|status|dimension)$",
                  re.IGNORECASE)
_NUMERIC = re.compile(r"^[-+$(]?[\d,.]+[%)]?$|^-?\$[\d,.]+$|^n/a$")


def key_columns(columns: Sequence[str]) -> list[int]:
    """Columns that identify a row (ids, names, labels): never cut. The first column when none is named so."""
    keys = [i for i, c in enumerate(columns) if _KEY.search(str(c))]
    return keys or ([0] if columns else [])


def print_rows(console: Console, columns: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str | None = None,
               caption: str | None = None, keys: Sequence[int] | None = None, fmt: Format = "auto",
               show_header: bool = True) -> None:
    """Print a result table in the layout that suits `console` (see the module docstring)."""
    header = [one_line(c) for c in columns]
    if fmt in ("csv", "tsv", "json"):
        _machine(console, header, rows, fmt)
        return
    cells = [[_cell(v) for v in r] for r in rows]
    keys = key_columns(header) if keys is None else list(keys)
    if fmt == "plain" or (fmt == "auto" and (not console.is_terminal or len(cells) > STREAM_ROWS)):
        _plain(console, header, cells, title, caption, show_header)
    elif not _rich(console, header, cells, keys, title, caption, show_header):
        _vertical(console, header, cells, title, caption)


def _cell(value: Any) -> str:
    return "" if value is None else one_line(value)


def _machine(console: Console, header: list[str], rows: Iterable[Sequence[Any]], fmt: str) -> None:
    if fmt == "json":
        data = [[v if isinstance(v, (int, float, bool)) or v is None else strip_controls(v) for v in r] for r in rows]
        _emit(console, json.dumps({"columns": header, "rows": data}, indent=2))
        return
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    writer.writerow(header)
    # csv quotes embedded newlines; tsv has no quoting, so its cells stay on one line
    clean = one_line if fmt == "tsv" else strip_controls
    writer.writerows([["" if v is None else clean(v) for v in r] for r in rows])
    _emit(console, out.getvalue().rstrip("\n"))


def _numeric(cells: list[list[str]], i: int) -> bool:
    sample = [r[i] for r in cells[:50] if r[i]]
    return bool(sample) and all(_NUMERIC.match(s) for s in sample)


def _plain(console: Console, header: list[str], cells: list[list[str]], title: str | None, caption: str | None,
           show_header: bool = True) -> None:
    widths = [max([cell_len(h) if show_header else 0] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(header)]
    right = [_numeric(cells, i) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right)]
        return "  ".join(parts).rstrip()

    out = [one_line(title)] if title else []
    if show_header:
        out += [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    if caption:
        out.append(one_line(caption))
    _emit(console, "\n".join(out))


def _emit(console: Console, text: str) -> None:
    """Write a block as it is: straight to the file (fast, streams) unless the console records its output."""
    if console.record:
        console.print(Text(text), soft_wrap=True, crop=False)
    else:
        console.file.write(text + "\n")


def _rich(console: Console, header: list[str], cells: list[list[str]], keys: list[int], title: str | None,
          caption: str | None, show_header: bool = True) -> bool:
    """A Rich table when it fits the console without cutting a key column; False when it cannot."""
    n = len(header)
    natural = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(header)]
    overhead = 3 * n + 1  # borders and one space of padding each side
    fits = sum(natural) + overhead <= console.width
    squeezed = [w if i in keys else min(w, max(8, cell_len(header[i]) if cell_len(header[i]) <= 16 else 8)) for i, w in enumerate(natural)]
    if not fits and sum(squeezed) + overhead > console.width:
        return False
    table = Table(title=Text(one_line(title)) if title else None, caption=Text(one_line(caption)) if caption else None,
                  header_style="bold", show_header=show_header)
    for i, h in enumerate(header):
        key = i in keys or fits
        table.add_column(Text(h), justify="right" if _numeric(cells, i) else "left", no_wrap=key,
                         overflow="fold", min_width=natural[i] if key else squeezed[i])
    for r in cells:
        table.add_row(*(Text(c) for c in r))
    Console.print(console, table)  # the base method: a SafeConsole would lay the table out again
    return True


def _vertical(console: Console, header: list[str], cells: list[list[str]], title: str | None, caption: str | None) -> None:
    """One block per record, `column  value`, values folded at the console's width: nothing is cut.

    When a value would not fit beside its label, every label gets its own line with the value under
    it, so ids and names up to the full width stay on one line."""
    label = min(max(cell_len(h) for h in header), 32)
    widest = max((cell_len(c) for r in cells for c in r), default=0)
    stacked = label + 2 + widest > console.width
    if title:
        console.print(Text(one_line(title), style="italic"))
    for n, row in enumerate(cells, 1):
        console.print(Text(f"-[ {n} ]" + "-" * max(0, min(console.width, 40) - 6 - len(str(n))), style="dim"))
        grid = Table.grid(padding=(0, 2))
        if stacked:
            grid.add_column(overflow="fold")
            for h, c in zip(header, row):
                grid.add_row(Text(h, style="bold"))
                grid.add_row(Text("  " + c))
        else:
            grid.add_column(style="bold", no_wrap=True, width=label)
            grid.add_column(overflow="fold")
            for h, c in zip(header, row):
                grid.add_row(Text(h), Text(c))
        Console.print(console, grid)
    if caption:
        console.print(Text(one_line(caption), style="dim"))
