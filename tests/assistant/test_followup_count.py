"""'How many?' after a list counts the listed rows: the previous question's own query (metric, filters,
period, limit) is counted, so the number always matches the list shown, and the thread keeps the list."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.models import Answer
from assistant.planner.followup import asks_count_of_list


@pytest.mark.parametrize("text", ["how many", "how many is that", "so how many team is that", "and how many are there",
                                  "count them", "what s the count", "how many in total", "how many team do we have",
                                  "ok how many is that in total"])
def test_count_of_the_list_wordings(text: str) -> None:
    assert asks_count_of_list(text, {"team"})


@pytest.mark.parametrize("text", ["how many job failed", "how many cluster is that", "which team", "how many gpu hour did they use",
                                  "count of job by team", "top 3"])
def test_a_count_that_names_anything_else_is_a_new_question(text: str) -> None:
    assert not asks_count_of_list(text, {"team"})


def test_how_many_after_a_list_counts_its_rows(ask: Callable[..., Answer], thread: str) -> None:
    listed = ask("which teams had failed jobs last week", thread)
    assert listed.status == "answered" and len(listed.rows) > 1
    count = ask("how many?", thread)
    assert count.status == "answered" and count.rows == [[len(listed.rows)]]
    assert count.period == listed.period and str(len(listed.rows)) in count.text
    before = ask("and the week before?", thread)  # the thread still holds the list, not the count
    assert before.status == "answered" and before.columns == listed.columns and before.period != listed.period


def test_a_top_n_counts_its_n(ask: Callable[..., Answer], thread: str) -> None:
    ask("top 3 clusters by idle accelerator-hours last month", thread)
    count = ask("how many clusters is that?", thread)
    assert count.status == "answered" and count.rows == [[3]]


def test_how_many_after_a_series_is_not_a_row_count(ask: Callable[..., Answer], thread: str) -> None:
    ask("daily spend last week", thread)
    assert ask("how many is that", thread).columns != ["time_count"]


def test_after_a_tool_answer_a_follow_up_never_edits_an_older_list(ask: Callable[..., Answer], thread: str) -> None:
    """'how many?' after the scan's table is not the count of the list two turns back."""
    ask("which teams had failed jobs last week", thread)
    scan = ask("anything weird going on last week?", thread)
    assert scan.status == "answered"
    after = ask("how many?", thread)
    assert after.columns != ["team_count"] and after.status != "answered"
    assert "anything weird" in ask("show the SQL", thread).text
