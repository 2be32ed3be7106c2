"""pace's Slack face: a Bolt app over `assistant.answer` and the tools (see docs/slack.md)."""

from faces.slack.app import create_app, service_of
from faces.slack.scheduler import run_scheduled

__all__ = ["create_app", "run_scheduled", "service_of"]
