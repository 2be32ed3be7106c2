"""Fixtures for the eval tests: the LLM replay uses the assistant tests' `openai_turn` vcr matcher."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    from tests.assistant.conftest import openai_turn

    vcr.register_matcher("openai_turn", openai_turn)
