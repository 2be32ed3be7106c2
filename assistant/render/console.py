"""A Rich console for output that carries data (the CLI's stdout and stderr).

Rich reads `[...]` in strings as markup: a team named `[/oops]` crashes a print, `[link=...]` makes
a clickable link. Escape sequences pass through to the terminal. This console turns both off in one
place, so a command that prints a value cannot forget.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.render.safe import terminal_text
from assistant.render.tables import print_rows


class SafeConsole(Console):
    """A Rich console for output that carries data: markup is off unless a call asks for it
    (`markup=True`, for constant text with values passed through `rich.markup.escape`), every string
    loses escape sequences and control characters before it is rendered, and a `Table` is laid out
    by `print_rows` (key columns whole, folding or one record per block when narrow, plain text
    when not a terminal)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        return super().render_str(terminal_text(text), **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if len(objects) == 1 and isinstance(objects[0], Table) and not kwargs:
            print_table(self, objects[0])
            return
        super().print(*objects, **kwargs)


def print_table(console: Console, t: Table) -> None:
    """Re-lay out a Rich `Table` built by a command through `print_rows`."""
    columns = [str(c.header) for c in t.columns]
    cells = [list(c.cells) for c in t.columns]
    rows = [[str(col[i]) for col in cells] for i in range(t.row_count)]
    print_rows(console, columns, rows, title=str(t.title) if t.title else None,
               caption=str(t.caption) if t.caption else None, show_header=t.show_header)
