"""Bolt listeners, one module per surface; each registers itself on the app with the shared service."""

from __future__ import annotations

from slack_bolt import App

from faces.slack.core import SlackService
from faces.slack.handlers import actions, assistant_pane, commands, messages


def register_all(app: App, service: SlackService) -> None:
    """Order matters: the Assistant middleware must see assistant-thread messages before `message`."""
    assistant_pane.register(app, service)
    messages.register(app, service)
    commands.register(app, service)
    actions.register(app, service)
