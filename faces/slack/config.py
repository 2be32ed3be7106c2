"""Slack-only configuration: who may see cost, where scheduled posts go, how severe an alert must be.

It lives apart from `core.settings.Settings` because only the Slack face needs it. Values come
from environment variables (comma lists) or a YAML file named by PACE_SLACK_CONFIG; the file wins
for the keys it sets. The app reads it once in `create_app`, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from core.errors import UserError

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
ENV = {
    "cost_channels": "PACE_SLACK_COST_CHANNELS",
    "cost_users": "PACE_SLACK_COST_USERS",
    "weekly_channel": "PACE_SLACK_WEEKLY_CHANNEL",
    "alerts_channel": "PACE_SLACK_ALERTS_CHANNEL",
    "alert_min_severity": "PACE_SLACK_ALERT_MIN_SEVERITY",
}


def _split(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(str(v).strip() for v in items if str(v).strip())


@dataclass(frozen=True, kw_only=True)
class SlackConfig:
    """Access policy and schedule; an empty policy means nobody is restricted (see docs/slack.md)."""

    cost_channels: frozenset[str] = field(default_factory=frozenset)
    """Channel ids where cost figures may be shown."""
    cost_users: frozenset[str] = field(default_factory=frozenset)
    """User ids who may see cost figures anywhere (including DMs)."""
    weekly_channel: str | None = None
    """Channel id for the weekly narrative; None turns the weekly post off."""
    alerts_channel: str | None = None
    """Channel id for anomaly alerts; None turns alerts off."""
    alert_min_severity: str = "SEV2"
    """Post findings at this severity or more urgent (SEV1 is most urgent)."""

    def __post_init__(self) -> None:
        if self.alert_min_severity not in SEVERITIES:
            raise UserError(
                f"{ENV['alert_min_severity']}: expected one of {', '.join(SEVERITIES)}, got {self.alert_min_severity!r}"
            )

    @property
    def restricted(self) -> bool:
        """True once any cost channel or user is configured; until then cost is visible to all."""
        return bool(self.cost_channels or self.cost_users)

    def may_see_cost(self, user: str | None, channel: str | None) -> bool:
        """Cost is shown to listed users anywhere and to everyone in listed channels."""
        if not self.restricted:
            return True
        return (user in self.cost_users) or (channel in self.cost_channels)

    def severity_qualifies(self, severity: str) -> bool:
        """SEV1 < SEV2 < ...: a finding qualifies when it is at least as urgent as the minimum."""
        return severity in SEVERITIES and SEVERITIES.index(severity) <= SEVERITIES.index(self.alert_min_severity)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlackConfig:
        """Read the PACE_SLACK_* variables, then the YAML file named by PACE_SLACK_CONFIG (if any)."""
        env = os.environ if environ is None else environ
        config = cls(
            cost_channels=_split(env.get(ENV["cost_channels"])),
            cost_users=_split(env.get(ENV["cost_users"])),
            weekly_channel=env.get(ENV["weekly_channel"]) or None,
            alerts_channel=env.get(ENV["alerts_channel"]) or None,
            alert_min_severity=(env.get(ENV["alert_min_severity"]) or "SEV2").upper(),
        )
        path = env.get("PACE_SLACK_CONFIG")
        return config.merged_with_file(Path(path)) if path else config

    def merged_with_file(self, path: Path) -> SlackConfig:
        """Overlay the keys a YAML file sets (same names as the fields)."""
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UserError(f"PACE_SLACK_CONFIG: cannot read {path}: {exc}") from None
        if not isinstance(data, dict):
            raise UserError(f"PACE_SLACK_CONFIG: {path} must hold a mapping of keys like cost_channels")
        unknown = sorted(set(data) - set(ENV))
        if unknown:
            raise UserError(f"PACE_SLACK_CONFIG: unknown keys {unknown} in {path}; known: {sorted(ENV)}")
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("cost_channels", "cost_users"):
                changes[key] = _split(value)
            elif key == "alert_min_severity":
                changes[key] = str(value).upper()
            else:
                changes[key] = None if value is None else str(value)
        return replace(self, **changes)
