"""Values from the warehouse are data, never markup: the one place each face turns a value into text.

Team names, job names and cost-file labels come from exporters and people's typing, so every face
treats them as hostile: a terminal never receives an escape sequence (ANSI/OSC can recolour, retitle
or hide text) and Rich never reads a value as markup; Slack never reads one as a mention or a link
(mrkdwn parses `<!channel>`, `<@U1>` and `<https://...|label>`, so `&`, `<` and `>` are escaped as
Slack documents: https://api.slack.com/reference/surfaces/formatting#escaping); HTML and SVG get
`html_text` (control characters removed, then `html.escape`).

>>> terminal_text("ok\\x1b]0;pwned\\x07 [/oops]")
'ok [/oops]'
>>> mrkdwn("<!channel> see <https://evil.example|fix> & more")
'&lt;!channel&gt; see &lt;https://evil.example|fix&gt; &amp; more'
>>> clip_mrkdwn("a &amp; b", 5)
'a …'
"""

from __future__ import annotations

import html
import re
from typing import Any

# ESC-introduced sequences first (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, DCS/PM/APC strings,
# two-byte escapes), then the 8-bit C1 CSI/OSC forms, then any control character left over.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x9d\x9e\x9f].*?(?:\x07|\x9c|\x1b\\|$)",
    re.DOTALL,
)
# C0 (but tab and newline), DEL, C1, and the bidirectional overrides that reorder what a reader sees.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n\u2028\u2029]+")
_MRKDWN = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def strip_controls(value: Any) -> str:
    """`value` as text with every escape sequence and control character removed (tab and newline kept)."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def one_line(value: Any) -> str:
    """Control-free text on one line (table cells, headers): line breaks and tabs become spaces."""
    return _LINE_BREAKS.sub(" ", strip_controls(value))


def terminal_text(value: Any) -> str:
    """What may reach a terminal: no escape sequences, no control characters but tab and newline.

    Rich markup is never parsed from it when printed with `markup=False`, through `SafeConsole`, or
    embedded in markup with `rich.markup.escape`."""
    return strip_controls(value)


def mrkdwn(value: Any) -> str:
    """A value for a Slack mrkdwn field: control-free, `&`, `<`, `>` escaped (no mention, link or command)."""
    return strip_controls(value).translate(_MRKDWN)


def clip_mrkdwn(text: str, limit: int) -> str:
    """Clip escaped mrkdwn to `limit` characters without cutting an `&amp;`-style entity in half."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    return _ENTITY_TAIL.sub("", head) + "…"


def html_text(value: Any, quote: bool = True) -> str:
    """A value for HTML or inline SVG: control characters removed (XML forbids most of them), then
    `html.escape`d (`&`, `<`, `>` and, with `quote`, both quotes)."""
    return html.escape(strip_controls(value), quote=quote)


def clip(text: str, limit: int) -> str:
    """Clip plain text to `limit` characters, marking the cut with `…`."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
