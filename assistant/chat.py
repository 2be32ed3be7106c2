"""The interactive `pace chat` loop: line history, thread memory and slash commands."""

from __future__ import annotations

import uuid
from typing import Literal

from rich.console import Console

from assistant.memory import reset_thread
from assistant.models import Answer
from assistant.render import print_answer
from core.settings import Settings

HELP = "Ask about cost, utilization, jobs, serving... Follow-ups edit the last question. /sql /chart /reset /help /quit"


class ChatSession:
    """One conversation; `handle()` is the testable unit, `loop()` adds the prompt."""

    def __init__(self, settings: Settings, thread: str, planner: Literal["auto", "offline", "llm"], console: Console) -> None:
        self.settings, self.thread, self.planner, self.console = settings, thread, planner, console
        self.last: Answer | None = None

    def handle(self, line: str) -> bool:
        """Process one input line; False when the session should end."""
        text = line.strip()
        if not text:
            return True
        if text in ("/quit", "/exit", "/q"):
            return False
        if text == "/help":
            self.console.print(HELP, markup=False)
        elif text == "/sql":
            self.console.print(self.last.sql if self.last and self.last.sql else "No SQL yet.", markup=False, highlight=False)
        elif text == "/chart":
            self.console.print(self.last.chart if self.last and self.last.chart else "No chart for the last answer.", markup=False)
        elif text == "/reset":
            reset_thread(self.settings, self.thread)
            self.thread = f"chat-{uuid.uuid4().hex[:8]}"
            self.last = None
            self.console.print("Memory cleared; new thread " + self.thread, markup=False)
        elif text.startswith("/"):
            self.console.print(f"Unknown command {text}. {HELP}", markup=False)
        else:
            from assistant.service import answer

            self.last = answer(text, thread_id=self.thread, planner=self.planner, settings=self.settings)
            print_answer(self.last, self.console)
        return True

    def loop(self) -> None:
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
        self.console.print(f"pace chat (thread {self.thread}). {HELP}", markup=False)
        while True:
            try:
                line = input("pace> ")
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return
            if not self.handle(line):
                return
