"""The cassette matcher notices a changed planner prompt, not only a changed question or flow.

A catalog edit changes the prompt's slots (metrics, dimensions, examples) and must not invalidate
hand-written cassettes; an edit to the instructions, the as-of date or the period must.
"""

from __future__ import annotations

import pytest

from assistant.graph import prompts
from tests.assistant.conftest import check_system_prompt, prompt_fingerprint

PERIOD = prompts.PERIOD_HINT.format(start="2026-11-16T00:00:00", end="2026-11-23T00:00:00", label="last week")


def _prompt(metrics: str = "- jobs: Jobs submitted.", as_of: str = "2026-11-23", template: str = prompts.SYSTEM_PROMPT) -> str:
    return template.format(as_of=as_of, period_hint=PERIOD, metrics=metrics, dimensions="- team", examples="- (none)", previous="")


def _elided(fp: str) -> str:
    return (f"(pace planner system prompt template {fp}: catalog metrics and dimensions, closest verified queries, "
            "as-of 2026-11-23, period start=2026-11-16T00:00:00 end=2026-11-23T00:00:00; elided in this hand-written cassette)")


def test_a_hand_written_cassette_matches_while_the_templates_are_unchanged() -> None:
    check_system_prompt(_elided(prompt_fingerprint()), _prompt())
    check_system_prompt(_elided(prompt_fingerprint()), _prompt(metrics="- jobs\n- failed_jobs: a new catalog entry"))


def test_a_prompt_edit_is_noticed_in_a_hand_written_cassette() -> None:
    with pytest.raises(AssertionError, match="prompt templates changed since this cassette was written"):
        check_system_prompt(_elided("0" * 12), _prompt())


def test_another_as_of_date_or_period_is_noticed() -> None:
    with pytest.raises(AssertionError, match="as-of date differs"):
        check_system_prompt(_elided(prompt_fingerprint()), _prompt(as_of="2026-06-01"))


def test_a_live_recording_matches_on_instructions_not_catalog_text() -> None:
    check_system_prompt(_prompt(metrics="- jobs"), _prompt(metrics="- jobs\n- preemptions"))
    edited = prompts.SYSTEM_PROMPT.replace("Never answer in prose.", "Answer in prose when unsure.")
    with pytest.raises(AssertionError, match="instructions differ"):
        check_system_prompt(_prompt(template=edited), _prompt())


def _recorded_system_prompts() -> list[tuple[str, str]]:
    """(cassette, system prompt) for every request in the cassettes recorded live (whole prompts)."""
    import json
    from pathlib import Path

    import yaml

    tests = Path(__file__).resolve().parents[1]
    out = []
    for path in sorted(tests.glob("*/cassettes/live-*/*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            messages = json.loads(interaction["request"]["body"])["messages"]
            out.append((path.name, messages[0]["content"]))
    return out


def test_the_live_recordings_follow_todays_prompt_templates() -> None:
    """A prompt edit fails here first, with the one command that fixes it (the replays would fail too, less plainly)."""
    from tests.assistant.conftest import _template_regex

    recorded = _recorded_system_prompts()
    assert len({name for name, _ in recorded}) >= 4, "the recorded cassettes are missing: run `make record-llm`"
    stale = sorted({name for name, prompt in recorded if _template_regex().fullmatch(prompt) is None})
    assert not stale, f"the planner's prompt templates changed since these were recorded: {stale}; run `make record-llm`"
