"""The severity rubric and routing rules of `pace triage`, read from YAML under tools/rules/.

Both are data so an ops lead can change them without touching code (docs/support-model.md). The
functions here are pure: signals in, a decision and the reason for it out, so tests can pin boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from telemetry.schema import SEVERITIES

RULES_DIR = Path(__file__).parent / "rules"
SIGNALS: tuple[str, ...] = ("accelerator_hours_lost", "teams_affected", "duration_hours")
WORDS = {"accelerator_hours_lost": "accelerator-hours lost", "teams_affected": "teams affected",
         "duration_hours": "duration", "production_inference_affected": "production inference impact"}


@dataclass
class Signals:
    """What triage measured; None means it could not be measured."""

    accelerator_hours_lost: float | None = None
    teams_affected: int | None = None
    production_inference_affected: bool | None = None
    duration_hours: float | None = None


@dataclass
class Decision:
    """A severity or route with the rule that decided it, in words."""

    value: str
    reason: str
    tier: int = 0
    owner: str = ""
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=4)
def load_rules(name: str, rules_dir: Path = RULES_DIR) -> dict[str, Any]:
    """Parse tools/rules/<name>.yaml (cached)."""
    return yaml.safe_load((rules_dir / f"{name}.yaml").read_text())


def _meets(value: float | None, threshold: float, margin: float) -> bool:
    return value is not None and value >= threshold * (1 - margin)


def severity(signals: Signals, rubric: dict[str, Any] | None = None) -> Decision:
    """The first level (most urgent first) with any threshold met; one level up if a signal is unknown."""
    rubric = rubric or load_rules("severity")
    margin = float(rubric.get("unsure_margin", 0.0))
    level, reason = rubric.get("default", "SEV4"), "no threshold met"
    for lv in rubric["levels"]:
        hits = [f"{WORDS[sig]} meets the {lv['level']} threshold"
                + (" within the unsure margin" if (getattr(signals, sig) or 0) < lv[sig] else "")
                for sig in SIGNALS if sig in lv and _meets(getattr(signals, sig), float(lv[sig]), margin)]
        if "production_inference_hours" in lv and signals.production_inference_affected and \
                _meets(signals.duration_hours if signals.duration_hours is not None else float("inf"),
                       float(lv["production_inference_hours"]), margin):
            hits.append(f"production inference is affected (the {lv['level']} rule)")
        if hits:
            level, reason = lv["level"], "; ".join(hits)
            break
    unknown = [s for s in (*SIGNALS, "production_inference_affected") if getattr(signals, s) is None]
    if unknown and rubric.get("unknown_escalates", True):
        higher = SEVERITIES[max(0, SEVERITIES.index(level) - 1)]
        if higher != level:
            reason += f"; raised from {level} because {', '.join(WORDS[u] for u in unknown)} could not be measured"
            level = higher
    return Decision(level, reason)


def _matches(when: dict[str, Any], ctx: dict[str, Any]) -> bool:
    checks = {
        "severity_in": lambda v: ctx["severity"] in v,
        "category_in": lambda v: ctx.get("category") in v,
        "teams_affected_at_least": lambda v: (ctx.get("teams_affected") or 0) >= v,
        "team_known": lambda v: bool(ctx.get("team")) == bool(v),
        "similar_tier3_at_least": lambda v: (ctx.get("similar_tier3") or 0) >= v,
        "similar_tier3_share_at_least": lambda v: (ctx.get("similar_tier3") or 0) >= v * max(ctx.get("similar_total") or 0, 1),
    }
    unknown = set(when) - set(checks)
    if unknown:
        raise ValueError(f"routing.yaml: unknown condition(s) {sorted(unknown)}; use one of {sorted(checks)}")
    return all(checks[k](v) for k, v in when.items())


def route(ctx: dict[str, Any], tier2_leads: dict[str, str], rules: dict[str, Any] | None = None) -> Decision:
    """Tier and owner for a triaged problem.

    `ctx`: severity, category, team, teams_affected, similar_tier3, similar_total."""
    rules = rules or load_rules("routing")
    owners = {int(k): v for k, v in rules["owners"].items()}
    for rule in rules["rules"]:
        if _matches(rule.get("when") or {}, ctx):
            tier = int(rule["tier"])
            if tier == 2:
                lead = tier2_leads.get(ctx.get("team") or "")
                if lead:
                    return Decision(f"tier {tier}", f"rule '{rule['name']}'", tier, lead)
                return Decision("tier 1", f"rule '{rule['name']}' wants tier 2 but no team lead is known", 1, owners[1])
            return Decision(f"tier {tier}", f"rule '{rule['name']}'", tier, owners[tier])
    raise ValueError("routing.yaml: no rule matched; the last rule must have no conditions")


def category_of(text: str, rules: dict[str, Any] | None = None) -> str | None:
    """The first category whose keywords appear in the text (case-insensitive), else None."""
    rules = rules or load_rules("routing")
    low = text.lower()
    for cat, words in rules.get("categories", {}).items():
        if any(w in low for w in words):
            return cat
    return None
