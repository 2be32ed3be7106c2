"""The renderers' name for `core.safe_text` (values are data, never markup), kept beside them."""

from core.safe_text import clip, clip_mrkdwn, mrkdwn, one_line, strip_controls, terminal_text

__all__ = ["clip", "clip_mrkdwn", "mrkdwn", "one_line", "strip_controls", "terminal_text"]
