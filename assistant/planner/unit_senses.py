"""One quantity in two units ('gpu memory': GiB in use, or a percent of capacity): the question's words pick.

DCGM reports framebuffer memory both ways (FB_USED in MiB, FB_USED_PERCENT as used over total), and the
catalog keeps both readings as metrics. A phrase that names both is not a tie when the question says
which it wants: a share word ('what percent', 'how much of', 'how full') asks for the percent, an amount
word ('how much', 'how many GB', 'in GiB') for the amount. With neither, or both, it stays a clarifying
question (planner.offline._metrics).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.shapes import SHARE_PHRASE as _SHARE

_FULL = re.compile(r"(?<![\w-])(?:how full|full|out of 100|as a share|utilized|utilised|utilization|utilisation)(?![\w-])")
_AMOUNT = re.compile(r"(?<![\w-])(?:how much(?! of)|how many|amount|quantity|size|(?:mi|gi|ti|m|g|t)(?:b|ib)|"
                     r"(?:mega|giga|tera|mebi|gibi|tebi)byte)(?![\w-])")


def unit_sense(phrase: str, text: str, targets: set[str], catalog: Any) -> tuple[str, str] | None:
    """The one of two metrics (a percent and an amount) that `text`'s words ask for, with the note to state.

    >>> from types import SimpleNamespace as M
    >>> cat = M(metrics={"used_gib": M(unit="GiB", label="Memory used"), "used_pct": M(unit="%", label="Memory used share")})
    >>> unit_sense("gpu memory", "how much gpu memory are we using", {"used_gib", "used_pct"}, cat)[0]
    'used_gib'
    >>> unit_sense("gpu memory", "what percent of gpu memory is in use", {"used_gib", "used_pct"}, cat)[0]
    'used_pct'
    >>> unit_sense("gpu memory", "gpu memory by team", {"used_gib", "used_pct"}, cat) is None
    True
    """
    if len(targets) != 2:
        return None
    units = {t: getattr(catalog.metrics[t], "unit", "") for t in targets}
    pct = [t for t, u in units.items() if u == "%"]
    amount = [t for t, u in units.items() if u not in ("%", "", "count")]
    if len(pct) != 1 or len(amount) != 1:
        return None
    share = bool(_SHARE.search(text) or _FULL.search(text))
    size = bool(_AMOUNT.search(text))
    if share == size:
        return None  # neither or both: the reader has to say
    name = pct[0] if share else amount[0]
    m = catalog.metrics[name]
    other = pct[0] if name == amount[0] else amount[0]
    why = "a share of the whole" if share else "an amount"
    return name, (f"'{phrase}' read as {m.label} ({units[name]}), since the question asks for {why}; "
                  f"{catalog.metrics[other].label} is in {units[other]}.")
