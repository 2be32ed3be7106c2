"""pace's assistant: `answer(question, thread_id=...) -> Answer`, the entry point every face uses.

Imports are lazy so `import assistant` stays cheap (the graph, LangGraph and the semantic layer
load on the first question).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.models import Answer
    from assistant.service import answer

__all__ = ["Answer", "answer"]


def __getattr__(name: str) -> Any:
    if name == "answer":
        from assistant.service import answer

        return answer
    if name == "Answer":
        from assistant.models import Answer

        return Answer
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
