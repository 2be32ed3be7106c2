"""The grounding post-check: changed numbers, unsourced numbers, exemptions, and rendering."""

from __future__ import annotations

import doctest

import tools.grounding as grounding
from tools.grounding import Draft, Fact, Section, check_grounding, visible_text


def _draft() -> Draft:
    facts = {
        "spend": Fact(123456.78, "USD", ",.0f", "SELECT 1", {"column": "this_week"}, "2026-11-22", "Spend"),
        "change": Fact(-5.234, "%", "+.1f", "SELECT 2", {}, "2026-11-22", "Spend change"),
        "util": Fact(71.04, "%", ".1f", "SELECT 3", {}, "2026-11-22", "Utilization"),
        "n": Fact(4, "count", ",d", "SELECT 4", {}, "2026-11-22", "Incidents"),
    }
    return Draft([Section("Headline", "Spend was {spend} ({change}); utilization {util}."),
                  Section("Reliability", bullets=["{n} incidents, SEV1 on H100 in 2026-W47 (tier 3, p90)"])], facts)


def test_rendered_draft_is_grounded_and_numbered() -> None:
    rendered = _draft().render()
    assert "Spend was $123,457 [1] (\u22125.2% [2]); utilization 71.0% [3]." in rendered.body
    assert check_grounding(rendered.body, rendered.facts) == []
    assert "[4] Incidents" in rendered.appendix() and "SELECT 4" in rendered.appendix()


def test_changed_number_is_caught() -> None:
    rendered = _draft().render()
    changed = rendered.body.replace("71.0%", "73.0%")
    problems = check_grounding(changed, rendered.facts)
    assert len(problems) == 1 and problems[0].number == "73.0%" and "footnote [3]" in problems[0].reason


def test_changed_sign_and_swapped_footnote_are_caught() -> None:
    rendered = _draft().render()
    assert check_grounding(rendered.body.replace("\u22125.2%", "+5.2%"), rendered.facts)
    assert check_grounding(rendered.body.replace("71.0% [3]", "71.0% [1]"), rendered.facts)


def test_unsourced_number_is_caught() -> None:
    rendered = _draft().render()
    problems = check_grounding(rendered.body + "\nWe also saved $9,000 across 12 teams.\n", rendered.facts)
    assert [p.number for p in problems] == ["$9,000", "12"]
    assert all(p.reason == "number without a footnote, backed by no fact" for p in problems)
    lenient = check_grounding("We also saved $9,000.", rendered.facts, require_citation=False)
    assert [p.reason for p in lenient] == ["number not backed by any fact"]


def test_uncited_copy_of_a_fact_value_needs_a_citation_unless_lenient() -> None:
    facts = list(_draft().facts.values())
    assert "nothing cites it" in check_grounding("Utilization held at 71.0% this week.", facts)[0].reason
    assert check_grounding("Utilization held at 71.0% this week.", facts, require_citation=False) == []
    assert check_grounding("Utilization held at 71.04%.", facts, require_citation=False)  # more digits than shown


def test_exemptions() -> None:
    text = ("On 2026-11-16 09:30 (2026-W47) a SEV-2 on INC-00012 in us-west-2 hit H100 and TPU v5e; "
            "tier-2 lead paged, p50 and p95 unchanged.\n1. First step\n\n## Sources\n\nSELECT 42\n")
    assert check_grounding(text, []) == []
    assert check_grounding("a footnote [7] citing nothing", []) == []
    assert check_grounding("only 7 [9] left", [])[0].reason == "footnote [9] cites no fact"


def test_visible_text_drops_sources_styles_and_images() -> None:
    html = ('<style>.x{width:12px}</style><p>Spend $5 <sup><a href="#fn1">[1]</a></sup></p>'
            '<img src="data:image/png;base64,AAA111"><section class="sources"><pre>SELECT 99</pre></section>')
    text = visible_text(html)
    assert "$5  [1]" in text or "$5 [1]" in text
    assert "99" not in text and "12px" not in text and "111" not in text


def test_missing_fact_name_fails_loudly() -> None:
    draft = Draft([Section("x", "{nope}")], {})
    try:
        draft.render()
    except KeyError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("expected KeyError")


def test_doctests() -> None:
    assert doctest.testmod(grounding).failed == 0
