"""Reading a placement or platform question's details from its words: model size, tokens, workload,
deadline, team and the accelerator types it names.

The text is untrusted: it is only matched against fixed patterns and against the names the warehouse
already holds (accelerator types, teams); nothing from it reaches SQL except through those names.

>>> ask = read_question("where should we run a 70B fine-tune on 2B tokens?", ["H100", "L40S"], [])
>>> ask.workload, ask.model_params, ask.tokens, ask.types
('fine-tuning', 70000000000.0, 2000000000.0, [])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHARS = 2000
_NUM = r"(\d+(?:\.\d+)?)\s*(k|m|b|t|thousand|million|billion|trillion)?"
_SCALE = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9, "t": 1e12, "trillion": 1e12}
_TOKENS = re.compile(_NUM + r"\s*tokens\b", re.IGNORECASE)
_PARAMS = re.compile(r"(\d+(?:\.\d+)?)\s*(m|b|t)\b(?!\s*tokens)(?:[- ]?(?:param\w*|model|llm))?", re.IGNORECASE)
_DEADLINE = re.compile(r"\b(?:in|within|under|by)\s+(\d+(?:\.\d+)?)\s*(day|week)s?\b", re.IGNORECASE)
_WORKLOADS: tuple[tuple[str, str], ...] = (
    ("fine-tuning", r"fine[- ]?tun\w*|finetun\w*|\bsft\b|\blora\b"),
    ("on-device", r"on[- ]device|\bedge\b|\bphones?\b|\bjetson\b"),
    ("evaluation", r"\bevals?\b|evaluation|benchmark\w*"),
    ("online-inference", r"\bserv(e|ing)\b|online|latency|\bchat\b"),
    ("batch-inference", r"inference|\bbatch\b|scoring|embedding\w*"),
    ("training", r"pre[- ]?train\w*|\btrain\w*"),
)
_ALIASES: tuple[tuple[str, str], ...] = (  # a phrase -> a catalog kind or type-name fragment
    (r"custom (inference )?(chip|silicon|asic|accelerator)|inferentia|\binf2\b", "kind:custom"),
    (r"\btpus?\b", "kind:TPU"),
    (r"\bmi300", "name:MI300X"),
    (r"\bjetson|\borin\b", "name:Jetson Orin"),
)


@dataclass
class PlacementAsk:
    """What a question asks placement for; None where the question does not say."""

    workload: str | None = None
    model_params: float | None = None
    tokens: float | None = None
    deadline_days: float | None = None
    team: str | None = None
    types: list[str] = field(default_factory=list)
    reference: str | None = None


def _amount(number: str, unit: str | None) -> float:
    return float(number) * _SCALE[(unit or "").lower()]


def named_types(text: str, catalog: list[tuple[str, str, bool]]) -> list[str]:
    """Types the text names, in order of mention: exact names, then aliases ('TPU', 'custom inference chip').

    `catalog` rows are (accelerator_type, kind, on_device).
    """
    low = text.lower()
    hits: list[tuple[int, str]] = []
    for name, _kind, _dev in catalog:
        m = re.search(r"(?<![\w])" + re.escape(name.lower()) + r"(?![\w])", low)
        if m:
            hits.append((m.start(), name))
    for pattern, target in _ALIASES:
        for m in re.finditer(pattern, low):
            how, value = target.split(":", 1)
            for name, kind, dev in catalog:
                if (how == "kind" and kind == value and not dev) or (how == "name" and name == value):
                    hits.append((m.start(), name))
    out: list[str] = []
    for _, name in sorted(hits):
        if name not in out:
            out.append(name)
    return out


def read_question(text: str, catalog_names: list[str] | list[tuple[str, str, bool]], teams: list[str]) -> PlacementAsk:
    """The placement details a question gives (see module docstring)."""
    text = text[:MAX_CHARS]
    low = text.lower()
    catalog = [c if isinstance(c, tuple) else (c, "GPU", False) for c in catalog_names]
    ask = PlacementAsk()
    for workload, pattern in _WORKLOADS:
        if re.search(pattern, low):
            ask.workload = workload
            break
    for m in _TOKENS.finditer(text):
        if not re.search(r"\bper\s*$", text[: m.start()], re.IGNORECASE):  # 'per 1M tokens' is a unit, not work
            ask.tokens = _amount(m.group(1), m.group(2))
            break
    for m in _PARAMS.finditer(text):
        if not (ask.tokens and _TOKENS.match(text, m.start())):
            ask.model_params = _amount(m.group(1), m.group(2))
            break
    if m := _DEADLINE.search(text):
        ask.deadline_days = float(m.group(1)) * (7 if m.group(2).lower() == "week" else 1)
    ask.team = next((t for t in teams if re.search(rf"(?<![\w-]){re.escape(t.lower())}(?![\w-])", low)), None)
    ask.types = named_types(text, catalog)
    if m := re.search(r"\b(?:than|vs\.?|versus|against|compared to)\s+(.{1,40})", text, re.IGNORECASE):
        after = named_types(m.group(1), catalog)
        ask.reference = after[0] if after else None
    return ask
