"""Renderers of an Answer: terminal (rich), markdown, JSON (DESIGN.md shape) and Slack Block Kit."""

from assistant.render.markdown import to_markdown
from assistant.render.slack import to_blocks
from assistant.render.terminal import print_answer

__all__ = ["print_answer", "to_blocks", "to_markdown"]
