"""Mark the hand-written cassettes as reviewed for the current planner prompt templates.

Run after reading a prompt change and judging that the hand-written replies still fit it:
    .venv/bin/python -m tests.assistant.mark_prompt
It writes the templates' fingerprint into every elided system prompt under tests/*/cassettes, so the
replay tests pass again; a cassette recorded live (whole prompt) must be re-recorded instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.assistant.conftest import prompt_fingerprint

ROOT = Path(__file__).resolve().parents[1]
_HEAD = re.compile(r"\(pace planner system prompt(?: template [0-9a-f]{12})?")


def mark() -> list[Path]:
    """Rewrite the fingerprint in every hand-written cassette; return the files changed."""
    stamp = f"(pace planner system prompt template {prompt_fingerprint()}"
    changed = []
    for path in sorted(ROOT.glob("*/cassettes/*.yaml")):
        text = path.read_text()
        new = _HEAD.sub(stamp, text)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


if __name__ == "__main__":
    for p in mark():
        print(f"marked {p.relative_to(ROOT.parent)}")
