"""Renderers of an Answer: terminal (rich), markdown, JSON (DESIGN.md shape) and Slack Block Kit.

`core.safe_text` (re-exported as `assistant.render.safe`) is the one place a value becomes text for a face. Imports are lazy so a face
can take `SafeConsole` (`assistant.render.console`) without loading the answer model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.render.markdown import to_markdown
    from assistant.render.slack import to_blocks
    from assistant.render.terminal import print_answer

__all__ = ["print_answer", "to_blocks", "to_markdown"]
_WHERE = {"print_answer": "assistant.render.terminal", "to_blocks": "assistant.render.slack",
          "to_markdown": "assistant.render.markdown"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant.render' has no attribute {name!r}")
