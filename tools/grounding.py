"""Grounded drafting: every number in a narrative is a `Fact` with the query that produced it.

Prose is written as templates with `{fact_name}` placeholders; `Draft.render()` inserts each fact's
formatted value followed by a footnote marker `[n]`, and the appendix lists footnote n's SQL, params and
as-of. `check_grounding(text, facts)` is the post-check (also used by the evals): it fails any number in
the prose that no fact backs, and any number whose footnote points at a fact with a different value.

What `check_grounding` exempts (removed before numbers are read), in this order:
  1. everything from the appendix heading (a line starting with `## Sources`) to the end, and fenced
     code blocks (```...```): that is SQL, not prose;
  2. footnote markers `[n]` / `[^n]`;
  3. ISO dates and datetimes (`2026-11-16`, `2026-11-16 09:30`, `2026-11-16T09:30:00`), ISO week labels
     (`2026-W47`) and clock times (`09:30`);
  4. severity levels `SEV1`..`SEV5` / `SEV-1`, support tiers `tier 1` / `tier-2` / `Tier 3`, and the
     percentile names `p50`, `p90`, `p95`, `p99`;
  5. identifiers: a word that starts with a letter and contains a digit (`H100`, `TPU v5e`, `INC-00012`,
     `REQ-000123`, `us-west-2`);
  6. markdown numbered-list markers at the start of a line (`1. `);
  7. inline code spans (`` `text` ``): verbatim warehouse text such as an incident title ("XID 79 errors")
     or a quoted report, which the draft shows as data, not as a claim of its own.
Every other number (`$1,234`, `45.2%`, `+3.1 pp`, `12`, `1.2M`) must be cited: followed by a footnote
marker `[n]` and equal to fact n (1-based, in `facts` order). A number without a marker fails, even if
it happens to equal some fact (a coincidence is not a source); pass `require_citation=False` for text
whose markers were stripped, and then a number must merely equal some fact. Numbers compare as
displayed: commas and `$` are ignored, a `-` sign must match, a `%` or k/M/B suffix must match, and
12.30 equals 12.3.

>>> f = {"spend": Fact(value=1234.5, unit="USD", format=",.0f", sql="SELECT 1", label="Spend")}
>>> d = Draft(sections=[Section("Spend", "We spent {spend} last week.")], facts=f)
>>> d.render().body
'## Spend\\n\\nWe spent $1,234 [1] last week.\\n'
>>> check_grounding("We spent $1,234 [1] last week, 7 days.", list(f.values()))[0].reason
'number without a footnote, backed by no fact'
"""

from __future__ import annotations

import re
from decimal import Decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

APPENDIX_HEADING = "## Sources"
_EXEMPT: tuple[re.Pattern[str], ...] = (
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\[\^?\d+\]"),
    re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?!\d)"),
    re.compile(r"(?<!\d)\d{4}-W\d{2}(?!\d)"),
    re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"),
    re.compile(r"\bSEV-?[1-5]\b", re.I),
    re.compile(r"\btier[- ]?[1-3]\b", re.I),
    re.compile(r"\bp(?:50|90|95|99)\b"),
    re.compile(r"\b[A-Za-z][\w-]*\d[\w-]*"),
    re.compile(r"^\s*\d+\.\s", re.M),
)
_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212])?\$?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<suffix>%|[kMB]\b)?"
    r"(?P<unit>\s?(?:pp|h|min)\b)?(?P<marker>\s*\[\^?(?P<ref>\d+)\])?"
)
_PREFIX = {"USD": "$"}
_SUFFIX = {"%": "%", "pp": " pp", "hours": " h", "minutes": " min"}


@dataclass
class Fact:
    """One number in a narrative and its provenance: the SQL (literals inlined) that returned it."""

    value: float | int | None
    unit: str = "count"
    """'USD' ($ prefix), '%', 'pp' (percentage points), 'hours', 'minutes', or 'count' (bare)."""
    format: str = ",.0f"
    """A Python format spec for the value; use a leading '+' for changes so the sign is always shown."""
    sql: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    """The query's inputs (period bounds) and which cell of its result this is (row, column)."""
    as_of: str = ""
    label: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fact:
        """A fact from its JSON form (the `facts` list of `pace weekly --json` / `pace triage --json`)."""
        return cls(data["value"], data.get("unit", "count"), data.get("format", ",.0f"), data.get("sql", ""),
                   dict(data.get("params") or {}), data.get("as_of", ""), data.get("label", ""))

    def text(self) -> str:
        """The value as prose shows it, e.g. '$1,234', '45.2%', '+3.1 pp', 'n/a' for a missing value."""
        if self.value is None:
            return "n/a"
        body = format(self.value, self.format)
        if body.startswith("-"):
            body = "\u2212" + body[1:]  # a real minus sign reads better; the check treats it as '-'
        prefix = _PREFIX.get(self.unit, "")
        if prefix and body[:1] in "+\u2212":
            return body[0] + prefix + body[1:]
        return prefix + body + _SUFFIX.get(self.unit, "")


@dataclass
class Section:
    """A titled block of prose; `template` holds `{fact_name}` placeholders, `bullets` one per line."""

    title: str
    template: str = ""
    bullets: list[str] = field(default_factory=list)
    note: str = ""
    """Plain words shown when the section has no data (e.g. 'forecast tool not available')."""
    numbered: bool = False
    """Render the bullets as a numbered list (e.g. recommended actions)."""


@dataclass
class Rendered:
    """Rendered prose plus the facts in footnote order (footnote n is `facts[n-1]`)."""

    body: str
    facts: list[Fact]
    names: list[str]

    def queries(self) -> list[str]:
        """The distinct SQL texts behind the footnotes, in first-cited order (query k is `queries()[k-1]`)."""
        return list(dict.fromkeys(f.sql for f in self.facts))

    def appendix(self) -> str:
        """The markdown appendix: each footnote's label, value, cell and query, then each query's SQL once."""
        queries = self.queries()
        out = [APPENDIX_HEADING, ""]
        for i, (name, fact) in enumerate(zip(self.names, self.facts), start=1):
            out.append(f"[{i}] {fact.label or name}: {fact.text()} (Q{queries.index(fact.sql) + 1}; {cell(fact)})")
        out += ["", "Every query ran read-only on the warehouse as of " + (self.facts[0].as_of if self.facts else "?") + ".", ""]
        for k, sql in enumerate(queries, start=1):
            out += [f"Q{k}:", "", "```sql", sql, "```", ""]
        return "\n".join(out)


class FactTable:
    """The agent's tool-result table for a grounded draft: one row per cited fact, and the SQL behind them.

    Mixed into the weekly report and the triage draft, which both define `rendered()`.
    """

    def rendered(self) -> Rendered:
        raise NotImplementedError

    @property
    def columns(self) -> list[str]:
        return ["fact", "label", "value", "text"]

    @property
    def rows(self) -> list[list[Any]]:
        r = self.rendered()
        return [[n, f.label, f.value, f.text()] for n, f in zip(r.names, r.facts)]

    @property
    def evidence_sql(self) -> list[str]:
        return self.rendered().queries()


def cell(fact: Fact) -> str:
    """Where a fact sits in its query's result, and the query's inputs, as 'key=value' text."""
    return ", ".join(f"{k}={v}" for k, v in fact.params.items())


@dataclass
class Draft:
    """Sections of templated prose and the facts their placeholders name."""

    sections: list[Section]
    facts: dict[str, Fact]

    def placeholders(self) -> list[str]:
        """Every fact name the templates use, in order of first use."""
        seen: list[str] = []
        for s in self.sections:
            for text in [s.template, *s.bullets]:
                for name in template_fields(text):
                    if name not in seen:
                        seen.append(name)
        return seen

    def render(self, marker: str = "[{n}]") -> Rendered:
        """Markdown prose with values and footnote markers inserted; footnotes numbered by first use."""
        names = self.placeholders()
        missing = [n for n in names if n not in self.facts]
        if missing:
            raise KeyError(f"templates name facts that do not exist: {', '.join(missing)}")
        refs = {n: f"{self.facts[n].text()} {marker.format(n=i)}" for i, n in enumerate(names, start=1)}
        parts: list[str] = []
        for s in self.sections:
            parts.append(f"## {s.title}\n")
            if s.template:
                parts.append(fill(s.template, refs) + "\n")
            if s.bullets:
                parts.append("\n".join((f"{i}. " if s.numbered else "- ") + fill(b, refs)
                                       for i, b in enumerate(s.bullets, start=1)) + "\n")
            if s.note:
                parts.append(f"_{s.note}_\n")
        return Rendered(body="\n".join(parts), facts=[self.facts[n] for n in names], names=names)


def template_fields(text: str) -> list[str]:
    """The `{name}` placeholders of a template, in order."""
    return [name for _, name, _, _ in Formatter().parse(text) if name]


def fill_parts(template: str, literal: Callable[[str], str], field: Callable[[str], str]) -> str:
    """Fill a template with `field(name)` per placeholder and `literal(text)` between (e.g. HTML-escaped)."""
    return "".join(literal(text) + (field(name) if name else "") for text, name, _, _ in Formatter().parse(template))


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill placeholders with prepared strings (no format specs: facts format themselves)."""
    return template.format_map(dict(values))


@dataclass(frozen=True)
class GroundingProblem:
    """One number in the prose that is not grounded: the number as written, its context and why."""

    number: str
    context: str
    reason: str

    def __str__(self) -> str:
        return f"{self.number!r}: {self.reason} (in '...{self.context}...')"


def _canonical(sign: str | None, digits: str, suffix: str | None) -> tuple[bool, float, str]:
    return (sign in ("-", "\u2212"), float(digits.replace(",", "")), suffix or "")


def _fact_numbers(fact: Fact) -> set[tuple[bool, float, str]]:
    return {_canonical(m["sign"], m["digits"], m["suffix"]) for m in _NUMBER.finditer(fact.text())}


def strip_exempt(text: str) -> str:
    """The prose with the appendix and every exempt token (module docstring) blanked out."""
    cut = re.search(rf"^{re.escape(APPENDIX_HEADING)}", text, re.M)
    if cut:
        text = text[: cut.start()]
    for pattern in _EXEMPT:
        text = pattern.sub(lambda m: m.group(0) if m.group(0).startswith("[") else " " * len(m.group(0)), text)
    return text


def check_grounding(text: str, facts: Sequence[Fact] | Mapping[str, Fact] | Iterable[Fact], *,
                    require_citation: bool = True) -> list[GroundingProblem]:
    """Problems with the numbers in `text`; an empty list means every number is a cited fact.

    `facts` are in footnote order (footnote n is the n-th fact); a mapping's values are taken in order.
    Exempt tokens and the citation rule are described in this module's docstring.
    """
    facts = list(facts.values()) if isinstance(facts, Mapping) else list(facts)
    per_fact = [_fact_numbers(f) for f in facts]
    anywhere = set().union(*per_fact) if per_fact else set()
    clean = strip_exempt(text)
    problems: list[GroundingProblem] = []
    for m in _NUMBER.finditer(clean):
        if m.group(0).startswith("[") or _inside_marker(clean, m.start()):
            continue
        number = _canonical(m["sign"], m["digits"], m["suffix"])
        written = m.group(0).split("[")[0].strip()
        context = text[max(0, m.start() - 30): m.end() + 10].replace("\n", " ")
        ref = m["ref"]
        if ref is not None:
            n = int(ref)
            if not 1 <= n <= len(facts):
                problems.append(GroundingProblem(written, context, f"footnote [{n}] cites no fact"))
            elif number not in per_fact[n - 1]:
                problems.append(GroundingProblem(
                    written, context, f"footnote [{n}] cites {facts[n - 1].label or 'a fact'} = {facts[n - 1].text()}"))
        elif number not in anywhere:
            reason = "number without a footnote, backed by no fact" if require_citation else "number not backed by any fact"
            problems.append(GroundingProblem(written, context, reason))
        elif require_citation:
            problems.append(GroundingProblem(written, context, "number without a footnote (it equals a fact's value, "
                                                               "but nothing cites it)"))
    return problems


def reproduce(facts: Iterable[Fact], run: Callable[[str], Any]) -> list[GroundingProblem]:
    """Rerun each fact's SQL with `run` (SQL -> DataFrame) and check that the cell it names shows the same
    number: the row whose id column holds `params["row"]` (else the first row, or the sum over rows when
    `params["aggregate"] == "sum"`), column `params["column"]`. A source that no longer returns the row
    or column, or another value, is a problem; facts that name no column cannot be checked and are
    reported as such."""
    problems: list[GroundingProblem] = []
    cache: dict[str, Any] = {}
    for fact in facts:
        column = fact.params.get("column")
        label = fact.label or "a fact"
        if not fact.sql or not column:
            problems.append(GroundingProblem(fact.text(), label, "the source names no column to reproduce"))
            continue
        if fact.sql not in cache:
            cache[fact.sql] = run(fact.sql)
        df = cache[fact.sql]
        if column not in df.columns:
            problems.append(GroundingProblem(fact.text(), label, f"the source returns no column {column!r}"))
            continue
        if "row" in fact.params:
            rows = df[(df.astype(str) == str(fact.params["row"])).any(axis=1)]
        else:
            rows = df
        if rows.empty:
            problems.append(GroundingProblem(fact.text(), label, f"the source returns no row {fact.params.get('row', '')}".rstrip()))
            continue
        value = rows[column].sum() if fact.params.get("aggregate") == "sum" else rows[column].iloc[0]
        value = None if value is None or value != value else (value.item() if hasattr(value, "item") else value)
        if isinstance(value, Decimal):  # DECIMAL columns format like the float the fact was built from
            value = float(value)
        again = Fact(value, fact.unit, fact.format).text()
        if again != fact.text():
            problems.append(GroundingProblem(fact.text(), label, f"the source now returns {again}"))
    return problems


def _inside_marker(text: str, pos: int) -> bool:
    """True when `pos` is inside a footnote marker such as '[12]' (its digits are not prose numbers)."""
    open_ = text.rfind("[", 0, pos + 1)
    return open_ != -1 and "]" not in text[open_:pos] and re.match(r"\[\^?\d+\]", text[open_:]) is not None


def visible_text(html: str) -> str:
    """The words a reader sees in an HTML report, minus the sources appendix, code, styles and images."""
    html = re.sub(r"<(style|script|pre|code)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r'<section class="sources".*?</section>', " ", html, flags=re.S | re.I)
    html = re.sub(r"<sup[^>]*>\s*<a[^>]*>\s*\[(\d+)\]\s*</a>\s*</sup>", r" [\1]", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&nbsp;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&#x27;", "'"), ("&quot;", '"'), ("&minus;", "\u2212")):
        text = text.replace(entity, char)
    return re.sub(r"[ \t]+", " ", text)
