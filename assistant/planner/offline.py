"""The offline planner: deterministic question -> MetricQuery, with a confidence, no network.

Precision beats recall: words it cannot place lower the confidence, a phrase that names several
metrics or values becomes a clarifying question with concrete options, and below the threshold it
abstains and offers close questions it can answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from assistant.planner.followup import apply_edits, is_followup, is_strong_followup, presentation_only, release_and_regroup
from assistant.planner.job_times import anchor_jobs, on_jobs, placed_job_times
from assistant.planner.job_words import about_jobs, state_words, with_readings
from assistant.planner.value_forms import absent_values, spelled_codes
from assistant.planner.value_settle import settle_ambiguous
from assistant.planner.lexicon import Lexicon, fold, mask, normalize
from assistant.planner.parse import Parsed, parse
from assistant.planner.entities import counted_pair, entity_list, per_entity
from assistant.planner.senses import pick_senses
from assistant.planner.governance_words import (bare_population, counted_by_value, modifier_values, numbered_values, plain_outcomes,
                                                request_sense, who_owns, word_ties)
from assistant.planner.hypothetical import hypothetical_change, what_if_abstain
from assistant.planner.plan import PlannerPlan
from assistant.planner.durations import duration_question
from assistant.planner.shapes import additive, conversions, daily_average, per_thing, percent_without_share, shape_followup, share_of_total
from assistant.planner.stated import average_of_count, extreme_statistic, stated_clash
from assistant.planner.fleet_power import total_power
from assistant.planner.unit_senses import unit_sense
from assistant.planner.units import UNIT_ASK, asked_unit, unit_not_metric, unit_twin
from assistant.planner.utilization_words import ask_first, everyday_utilization
from assistant.planner.unmeasured import missing_abstain, missing_measure, misspelled_missing
from assistant.planner.vocabulary.general import plain_words, with_reading
from assistant.planner.change_ranking import CHANGE_VERBS, NOT_TYPOS, change_note
from assistant.planner.multi import each_statistic
from assistant.planner.ranking import (UNPLACED_RANKS, apply_rank, bound_abstain, ordinal_as_top, placed_comparatives, side_left_open,
                                       superlatives_as_measure, value_bound, expand_elided)
from assistant.planner.typos import close_ties, correct_words, phrase_corrections, vocabulary
from assistant.planner.words import DURATION_WORDS, FUTURE_WORDS, GAP_OK, KNOWN_WORDS, PRESENTATION_WORDS, UNIT_WORDS, TIME_UNITS, SHAPE_WORDS, STATISTIC_NAMES, STATISTIC_WORDS, STATE_METRICS, STOPWORDS, VAGUE, VERB_VALUES, generic_senses
from assistant.planner.words import MONEY_WORDS
from assistant.timeparse import Period, default_period, empty_so_far, invalid_date, resolve_period, open_end, shift_back, shifted, side_by_side_grain
from semantic_layer.derived import conversion_factor, shown_unit
from semantic_layer.query import Filter, GroupBy, MetricQuery, OrderBy, TimeRange

VALUE_PRIORITY = ("team", "cluster", "accelerator_type", "workload_type", "project", "org", "provider", "region")


@dataclass
class PlannerInputs:
    """Everything the offline planner reads: the catalog, its vocabulary, the as-of date, memory."""

    catalog: Any
    lexicon: Lexicon
    today: date
    default_days: int = 7
    threshold: float = 0.6
    previous: MetricQuery | None = None
    extra_notes: list[str] = field(default_factory=list)
    reach_cache: dict[str, set[str]] = field(default_factory=dict)
    prefer_covered: Callable[[list[str], datetime, datetime], tuple[list[str], list[str]]] | None = None
    """Coverage hook (semantic_layer.coverage.chooser): swaps a metric whose data misses the period for a same-quantity one."""


def plan_offline(question: str, inp: PlannerInputs) -> PlannerPlan:
    """Plan one question; follow-ups edit `inp.previous` instead of starting over."""
    timed = duration_question(question, inp.catalog, inp.previous)  # 'how long do approvals take': the metric timing that event
    if isinstance(timed, PlannerPlan):
        return timed
    if timed is not None:
        question, inp = timed[0], replace(inp, extra_notes=[*inp.extra_notes, *timed[1]])
    if (said := _job_words(question, inp)) is not None:  # 'jobs that got OOM-killed': Slurm's OUT_OF_MEMORY, said so
        plan = plan_offline(said[0], inp)
        return with_readings(plan, said[1], said[2])
    question = superlatives_as_measure(question)  # 'the most expensive cluster': the highest cost one
    if (first := ask_first(question[:2000])) is not None:  # 'how many GPUs sat idle': all day, or GPU-hours? ask
        return first
    if (plain := everyday_utilization(question[:2000])) is not None:  # 'how hard are the GPUs working': SM activity (DCGM)
        plan = plan_offline(plain[0], inp)
        return plan.model_copy(update={"notes": [*plan.notes, *plain[1]]}) if plan.kind == "query" else plan
    if (ordinal := ordinal_as_top(question[:2000])) is not None:  # 'the second highest': the top 2, and the note says which row
        plan = plan_offline(ordinal[0], inp)
        return plan.model_copy(update={"notes": [*plan.notes, ordinal[1]]}) if plan.kind == "query" else plan
    question = expand_elided(question, inp.lexicon.metrics, fold)  # 'billed vs effective cost': both costs
    verified = None if inp.previous is not None and is_followup(question) else _verified_exact(question, inp)
    if verified is not None:
        return verified
    bad_date = invalid_date(fold(question[:2000]), inp.today)
    if bad_date is not None:
        return PlannerPlan(kind="abstain", message=f"'{bad_date}' is not a calendar date, so I did not guess a period. Ask again with a real date.")
    what_if = hypothetical_change(fold(question[:2000]))
    if what_if is not None:
        return what_if_abstain(what_if)
    parsed = parse(question, inp.lexicon, inp.today, VALUE_PRIORITY)
    gap = missing_measure(parsed.text, parsed.leftover)  # 'gpu temperature': say pace has none and what is closest
    if gap is not None:
        return missing_abstain(gap, inp.catalog, parsed.period.label if parsed.period else "last week")
    if (plain := plain_words(question, parsed.leftover, _placeable(inp))) is not None:  # 'forked out': spend (WordNet), said so
        return with_reading(plan_offline(plain[0], inp), plain[1])
    parsed, typo_notes = _correct_typos(question, parsed, inp)
    _step_back(parsed, question, inp)
    release = release_and_regroup(question, parsed, inp.previous, _dim_phrases(inp)) if inp.previous is not None else set()
    if (ends := open_end(parsed.text, inp.today)) is not None:  # 'cost through October': from when?
        return PlannerPlan(kind="clarify", replaces=ends[0], options=ends[1], message=(
            f"'{ends[0]}' says where the period ends but not where it starts; which did you mean?"))
    settle_ambiguous(parsed, lambda m: _reach(m, inp))  # 'jobs cancelled': the job state, not a request status
    if parsed.ambiguous_values:
        hits = parsed.ambiguous_values[0]
        options = [f"{h.target} = {h.value}" for h in hits]
        return PlannerPlan(kind="clarify", message=f"'{hits[0].phrase}' matches several things; which did you mean?", options=options)
    unknown = [w for w in parsed.leftover if w not in STOPWORDS and not w.isdigit()]
    typo = _typo_clarify(question[:2000], [w for w in unknown if w not in CHANGE_VERBS], inp.lexicon)  # 'changed' is no 'charged'
    if typo is not None and _about_something(parsed, typo.options, inp.lexicon):
        return typo
    for word in (w for w in unknown if w not in _known_words(inp)):  # a real word ('caused') is no typo of two others
        ties = close_ties(word, vocabulary(inp.lexicon, _known_words(inp)))
        if ties and _about_something(parsed, ties, inp.lexicon):
            return PlannerPlan(kind="clarify", message=f"I don't know '{word[:40]}'. Did you mean one of these?", options=ties, replaces=word)
    metrics, notes, clarify = _metrics(parsed, inp)
    if clarify is not None:
        return clarify
    notes += modifier_values(parsed, metrics, inp.lexicon, lambda m: _reach(m, inp))  # 'hardware incidents': the category
    notes += numbered_values(parsed, inp.catalog, inp.lexicon)  # 'tier 3 incidents': resolved_tier 3
    metrics = bare_population(parsed, metrics, inp.catalog, inp.lexicon)  # 'requests waiting on approval': one metric
    metrics, sensed = request_sense(parsed, metrics, inp.catalog, inp.lexicon, lambda m: _reach(m, inp))  # 'requests got rejected'
    notes += sensed
    plain_outcomes(parsed, metrics, lambda m: _reach(m, inp))  # 'has spend declined': a change, not a denial
    if (tie := word_ties(parsed, metrics, inp.catalog)) is not None:  # 'escalated', 'critical': two readings, so ask
        return tie
    metrics, merged = _merge_adjacent(parsed, metrics, inp)
    fleet = total_power(parsed, metrics, inp.catalog)  # 'total power draw': energy per hour (kW), not one GPU's mean
    if isinstance(fleet, PlannerPlan):
        return fleet
    if fleet is not None:
        metrics, notes = fleet[0], notes + fleet[1]
    metrics = _drop_population(parsed, metrics, inp)
    metrics = unit_not_metric(parsed, metrics)  # 'cost in kWh': kWh is the unit asked of cost, not energy besides
    metrics, by_unit = _units(parsed, metrics, inp)
    if isinstance(by_unit, PlannerPlan):
        return by_unit
    notes += merged + by_unit
    unknown = [w for w in unknown if w in parsed.rest.split()]
    metrics, parameters, refusal = _threshold(metrics, parsed, inp)
    if refusal is not None:
        return refusal
    bound = value_bound(parsed.text, parsed.threshold) if metrics else None
    if bound is not None:
        return bound_abstain(bound, getattr(inp.catalog.metrics[metrics[0]], "label", metrics[0]))
    notes = typo_notes + notes
    empty = _empty_period(parsed, inp) if metrics or inp.previous is not None else None
    if empty is not None:
        return empty
    shaped = shape_followup(parsed, inp.previous, inp.catalog) if inp.previous is not None and not metrics else None
    if shaped is not None:  # 'as a share of the total?', 'in hours?': the previous query, reshaped
        unknown = [w for w in unknown if w in parsed.rest.split()]
        return _finish(shaped[0], parsed, notes + shaped[1] + ["Follow-up: applied as an edit to the previous question."],
                       0.95 - _unknown_penalty(parsed, unknown), inp, question, edited=True)
    if inp.previous is not None and ((not metrics and (parsed.has_edit_parts or release or presentation_only(parsed)))
                                     or (metrics and is_strong_followup(question))):
        query = apply_edits(inp.previous, parsed, metrics, _time_dims(inp.catalog), _period_range(parsed, None), release,
                            lambda m: bool(getattr(inp.catalog.metrics.get(m), "higher_is_better", True)))
        conf = 0.95 - _unknown_penalty(parsed, unknown)
        return _finish(query, parsed, notes + ["Follow-up: applied as an edit to the previous question."], conf, inp, question, edited=True)
    if not metrics and re.search(r"\bspent\b", question[:2000], re.I):  # 'which team spent the most': the verb names the spend
        return plan_offline(re.sub(r"\bspent\b", "spend", question[:2000], flags=re.I), inp)
    if not metrics:
        metrics, counted = counted_by_value(parsed, inp.catalog)  # 'how many sev-1s': incidents of that severity
        notes += counted
    if not metrics:
        return _abstain(question, inp, unknown)
    future = _future(parsed, metrics, inp)
    if future is not None:
        return future
    clash = stated_clash(parsed, metrics, inp.catalog)
    if not isinstance(clash, PlannerPlan):  # 'max p95 latency'; 'average execution time of jobs' is no count of jobs
        clash = extreme_statistic(parsed, metrics, inp.catalog) or average_of_count(parsed, metrics, inp.catalog) or clash
    if isinstance(clash, PlannerPlan):
        return clash
    if clash is not None:
        metrics, notes = clash[0], notes + clash[1]
    metrics, stat = _statistic(parsed, metrics, inp)
    if isinstance(stat, PlannerPlan):
        return stat
    notes += stat
    each = each_statistic(parsed, metrics, inp.catalog)  # 'total and average queue wait': both, or say which is missing
    if isinstance(each, PlannerPlan):
        return each
    if each is not None:
        metrics, notes = each[0], notes + each[1]
    composed = share_of_total(parsed, metrics, inp.catalog) or daily_average(parsed, metrics, inp.catalog) or []
    notes += composed
    unknown = [w for w in unknown if w in parsed.rest.split()]
    if "%" in parsed.convert.values() and not parsed.share:
        return percent_without_share(metrics, inp.catalog)
    metrics, shares = _share_of(parsed, metrics, inp)
    notes += shares
    if len(metrics) > 1 and _ratio_of_metrics(parsed):
        pct = [m for m in metrics if getattr(inp.catalog.metrics[m], "unit", "") == "%"]
        defined = _defined_ratio(metrics, inp.catalog)
        metrics = [defined] if defined else (pct if len(pct) == 1 else metrics)
        if defined:
            notes.append(f"Answered with the catalog's ratio metric `{defined}`.")
    if len(metrics) > 1 and _ratio_of_metrics(parsed) and not counted_pair(parsed.text, metrics, inp.catalog):
        return PlannerPlan(kind="abstain", message=(
            "That looks like a ratio of two metrics that the catalog does not define, so I won't divide them myself. "
            "Ask for each metric, or for a defined ratio metric (see `pace metrics`)."))
    if inp.prefer_covered is not None and parsed.period is not None:
        metrics, covered_notes = inp.prefer_covered(metrics, parsed.period.start, parsed.period.end)
        notes += covered_notes
    sense = pick_senses(parsed, metrics, lambda m: _reach(m, inp), inp.lexicon.dimensions)
    if sense is not None:
        return sense
    query = _build(metrics, parsed, inp)
    spans = [s for h in parsed.metric_hits for s in h.spans()]
    things = (per_entity(parsed, query, inp.catalog, lambda m: _reach(m, inp), spans)
              or entity_list(parsed.text, query, parsed, inp.catalog, lambda m: _reach(m, inp)))  # 'spend per GPU', 'which GPUs ...'
    if isinstance(things, PlannerPlan):
        return things
    if things is not None:
        query, notes = things[0], notes + things[1]
        unknown = [w for w in unknown if w in parsed.rest.split()]
    owned = who_owns(question[:2000], query, parsed, inp.catalog, lambda m: _reach(m, inp), lambda m: additive(inp.catalog, m))
    if owned is not None:  # 'who asked for the most GPUs': the requesting team
        query, notes = owned[0], notes + owned[1]
    per_gpu = None if query.per_count else per_thing(parsed.text, metrics, inp.catalog, spans,
                                                     {g.dimension for g in query.group_by if g.grain is None}, inp.lexicon.dimensions)
    if per_gpu is not None:
        return per_gpu
    ranked = apply_rank(query, parsed, inp.catalog, _reach(metrics[0], inp), question[:2000])
    if isinstance(ranked, PlannerPlan):
        return ranked
    query, notes = ranked, notes + change_note(ranked, inp.catalog)  # a change ranking states both periods
    if parameters:
        query = query.model_copy(update={"parameters": parameters})
    if any(getattr(inp.catalog.metrics[m], "unit", "") == "%" for m in metrics):
        unknown = [w for w in unknown if w not in SHAPE_WORDS]  # 'what share ...' is what a % metric answers
    unknown = [w for w in unknown if w not in STATISTIC_WORDS and w not in PRESENTATION_WORDS and not _restates(w, metrics, inp)]
    unknown = placed_comparatives(unknown, query, parsed.other_period)  # 'did atlas spend more than orion?' shows both
    unknown = placed_job_times(unknown, query, inp.catalog)  # 'jobs that began yesterday': the time anchor_jobs places them by
    modifiers = _modifiers(parsed, unknown) + [w for w in unknown if w in UNPLACED_RANKS]  # 'busiest', 'second': never ignored
    modifiers += side_left_open(parsed.text, query, parsed.other_period)  # 'a month ago vs now': never one side alone
    if modifiers:
        label = getattr(inp.catalog.metrics[metrics[0]], "label", metrics[0])
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{label} last week"], message=(
            f"I could not place {', '.join(repr(w[:30]) for w in modifiers[:3])}, and it changes what is asked, so I won't "
            f"answer {label} without it. The catalog's metrics are listed by `pace metrics`."))
    confidence = 1.0 - _unknown_penalty(parsed, unknown)
    if unknown and confidence >= inp.threshold:
        notes = notes + [f"Ignored words I could not place: {', '.join(w[:30] for w in unknown[:5])}."]
    return _finish(query, parsed, notes, confidence, inp, question)


_FILTER_SLOT = re.compile(r"\b(for|on|in|only|excluding|except|at|from|of|team|cluster|project|where)\s+$")


def _threshold(metrics: list[str], parsed: Parsed, inp: PlannerInputs) -> tuple[list[str], dict[str, float], PlannerPlan | None]:
    """A question's threshold ("under 5%") -> the metric that takes one, and its parameter values.

    A metric listed in another's `threshold_form_of` is swapped for it ("GPU-hours under 5%" is idle
    GPU-hours at 5%); a threshold that no asked metric takes is not dropped silently: the plan abstains.
    """
    if parsed.threshold is None or not metrics:
        return metrics, {}, None
    from semantic_layer.graph import metric_measures

    cat = inp.catalog
    forms = {base: m.name for m in cat.metrics.values() for base in getattr(m, "threshold_form_of", [])}
    swapped = list(dict.fromkeys(forms.get(m, m) for m in metrics))
    names = {p for m in swapped for meas in metric_measures(cat, m) for p in getattr(cat.measures[meas], "parameters", {})}
    if not names:
        return metrics, {}, PlannerPlan(kind="abstain", message=(
            f"'{parsed.threshold:g}%' reads as a threshold, but {', '.join(cat.metrics[m].label for m in metrics)} "
            "takes none. Thresholds apply to idle GPU-hours and GPUs idle all day (e.g. 'idle GPU-hours under 10% last week')."))
    return swapped, {n: parsed.threshold for n in sorted(names)}, None


def _defined_ratio(metrics: list[str], catalog: Any) -> str | None:
    """The catalog metric that divides one of `metrics` by the other ('idle share of allocated hours' -> idle_pct)."""
    if len(metrics) != 2:
        return None
    by_measure = {getattr(m, "measure", None): n for n, m in catalog.metrics.items() if getattr(m, "kind", "") == "simple"}

    def simple(measure: str | None) -> str | None:  # a "where measured" denominator stands for its measure
        return by_measure.get(measure) or by_measure.get(getattr(catalog.measures.get(measure or ""), "subset_of", None))

    for name, m in catalog.metrics.items():
        pair: tuple[str | None, str | None] = (None, None)
        if getattr(m, "kind", "") == "ratio":
            pair = (simple(getattr(m, "numerator", None)), simple(getattr(m, "denominator", None)))
        elif getattr(m, "kind", "") == "derived" and (e := re.fullmatch(r"\s*(?:[\d.]+\s*\*\s*)?([a-z_]\w*)\s*/\s*([a-z_]\w*)(?:\s*\*\s*[\d.]+)?\s*",
                                                                      getattr(m, "expr", "") or "")):  # '1000000 * cost / tokens' too
            pair = (e.group(1), e.group(2))
        if set(pair) == set(metrics):
            return name
    return None


def _vocab(name: str, inp: PlannerInputs) -> set[str]:
    m = inp.catalog.metrics.get(name)
    return set(fold(" ".join([name.replace("_", " "), getattr(m, "label", ""), *getattr(m, "synonyms", [])])).split())


def _unit_ok(metric_unit: str, wanted: str) -> bool:
    return metric_unit == wanted or (wanted == "hours" and "hour" in metric_unit) or (wanted == "tokens" and "token" in metric_unit)


_UNIT_PHRASE = UNIT_ASK  # 'in hours', 'how many GB of' (planner.units)


def _sibling_in_unit(name: str, words: set[str], wanted: str, inp: PlannerInputs) -> str | None:
    """The one metric in unit `wanted` whose name or synonyms hold the distinctive `words` of `name`'s phrase."""
    generic = set(UNIT_WORDS) | {"cost", "spend", "hour", "accelerator", "gpu", "total", "amount"}
    key = words - generic
    if not key:
        return None
    found = [n for n, m in inp.catalog.metrics.items()
             if n != name and _unit_ok(getattr(m, "unit", ""), wanted) and key <= _vocab(n, inp)]
    return found[0] if len(found) == 1 else None


def _units(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> tuple[list[str], list[str] | PlannerPlan]:
    """'idle hours in dollars' -> idle cost; 'energy in kWh' agrees; 'queue wait in dollars' cannot be answered.

    The unit a question asks for must be the metric's unit: a metric of the same subject in that unit
    replaces it (and the answer says so); if there is none the planner abstains instead of ignoring it.
    """
    m = _UNIT_PHRASE.search(parsed.rest)
    if m is None or not metrics:
        return metrics, []
    wanted = asked_unit(m)
    parsed.rest = mask(parsed.rest, [m.span()])
    parsed.leftover = [w for w in parsed.rest.split() if w]
    out, notes = [], []
    for name in metrics:
        unit = getattr(inp.catalog.metrics[name], "unit", "")
        if _unit_ok(unit, wanted):
            out.append(name)
            continue
        words = {w for h in parsed.metric_hits if h.target == name for w in h.phrase.split()}
        sibling = unit_twin(inp.catalog, name, wanted) if unit == "%" else _sibling_in_unit(name, words, wanted, inp)  # 'in hours'
        label = getattr(inp.catalog.metrics[name], "label", name)
        if sibling is None and wanted in ("%", "fraction") and additive(inp.catalog, name):  # 'spend by team in %': a share, if split
            parsed.convert[name] = "%"
            out.append(name)
            continue
        if sibling is None and conversion_factor(unit, wanted) is not None:  # 'queue wait in hours': shown in both units
            parsed.convert[name] = wanted
            out.append(name)
            notes.append(f"{label} is measured in {unit}; also shown in {shown_unit(unit, wanted)}, as asked.")
            continue
        if sibling is None:
            return metrics, PlannerPlan(kind="abstain", confidence=0.0, message=(
                f"{label} is measured in {unit or 'counts'}, not {wanted}, and the catalog has no {label.lower()} in {wanted}."))
        out.append(sibling)
        notes.append(f"'{m.group(0).strip()}': answered with {inp.catalog.metrics[sibling].label} ({sibling}), {label.lower()} in {wanted}.")
    return list(dict.fromkeys(out)), notes


def _drop_population(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> list[str]:
    """'time to resolve incidents', 'queue wait of jobs': a plain count of the same rows names whose metric it is.

    A count of every row of an entity, next to another metric over that entity (only filler between,
    not 'and'), is the population the other metric is about, not a second metric to answer.
    """
    hits = sorted({(h.start, h.end, h.target) for h in parsed.metric_hits if h.target in metrics})
    drop: set[str] = set()
    for (s1, e1, a), (s2, e2, b) in zip(hits, hits[1:]):
        between = parsed.text[e1:s2].split()
        if a == b or any(w in ("and", "or", "plus", "vs", "versus") for w in between) or not all(w in STOPWORDS for w in between):
            continue
        ma, mb = _measure(a, inp.catalog), _measure(b, inp.catalog)
        if ma is None or mb is None or ma.entity != mb.entity:
            continue
        for name, meas in ((a, ma), (b, mb)):
            if meas.agg == "count" and not meas.expr and len(metrics) > 1:
                drop.add(name)
    return [m for m in metrics if m not in drop] or metrics


_MONEY = frozenset("cost spend spending bill money dollar".split())


def _merge_adjacent(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> tuple[list[str], list[str]]:
    """'idle GPU spend': a subject word next to a money word is the metric of that subject in money (idle cost).

    Two metric phrases with only filler between them ('idle' + 'spend') are one metric when exactly
    one catalog metric holds the first phrase's words and carries the second's unit; 'idle hours
    and spend' (joined by 'and') stays two metrics.
    """
    hits = sorted({(h.start, h.end, h.target, h.phrase) for h in parsed.metric_hits if h.target in metrics})
    for (s1, e1, a, pa), (s2, e2, b, pb) in zip(hits, hits[1:]):
        if a == b or not set(pb.split()) <= _MONEY or not all(w in GAP_OK for w in parsed.text[e1:s2].split()):
            continue
        unit = getattr(inp.catalog.metrics[b], "unit", "")
        merged = _sibling_in_unit(a, set(pa.split()), unit, inp)
        if merged is not None:
            out = [merged if n in (a, b) else n for n in metrics]
            parsed.rest = mask(parsed.rest, [(e1, s2)])  # the filler between ('GPU') belongs to the phrase
            parsed.leftover = [w for w in parsed.rest.split() if w]
            note = f"'{parsed.text[s1:e2]}' read as {inp.catalog.metrics[merged].label} ({merged})."
            return list(dict.fromkeys(out)), [note]
    return metrics, []


_SHARE = frozenset("share ratio percentage fraction proportion percent rate".split())


def _share_of(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> tuple[list[str], list[str]]:
    """'share of decided requests approved': a share word on a count is the ratio metric with that count on top.

    Only a catalog ratio whose numerator is the count's own measure qualifies, and only when exactly one
    does; its denominator is stated in the answer through the metric's description.
    """
    if len(metrics) != 1 or not any(w in _SHARE for w in parsed.rest.split()):
        return metrics, []
    base, state = metrics[0], None
    for dim, (op, values) in parsed.filters.items():  # 'share of jobs (that) failed': the failed-jobs count on top
        dedicated = STATE_METRICS.get((base, dim, str(values[0]).lower())) if op == "=" and len(values) == 1 else None
        if dedicated in inp.catalog.metrics:
            base, state = dedicated, dim
    meas = getattr(inp.catalog.metrics[base], "measure", None)
    if getattr(inp.catalog.metrics[base], "kind", "") != "simple" or meas is None:
        return metrics, []
    found = [n for n, m in inp.catalog.metrics.items() if getattr(m, "kind", "") == "ratio" and getattr(m, "numerator", None) == meas]
    if len(found) != 1:
        return metrics, []
    if state is not None:
        del parsed.filters[state]
    m = inp.catalog.metrics[found[0]]
    return found, [f"Answered as a share: {m.label} ({found[0]}), {getattr(m, 'description', '').strip()}"]


def _restates(word: str, metrics: list[str], inp: PlannerInputs) -> bool:
    """A word of the metric's own name, label, description or synonyms restates it ('allocated' accelerator-hours)."""
    for name in metrics:
        m = inp.catalog.metrics.get(name)
        text = " ".join([name.replace("_", " "), getattr(m, "label", ""), getattr(m, "description", ""), *getattr(m, "synonyms", [])])
        if word in fold(text).split() or (word in DURATION_WORDS and getattr(m, "unit", "") in TIME_UNITS) \
                or (word in MONEY_WORDS and getattr(m, "unit", "") == "USD"):
            return True
    return False


def _modifiers(parsed: Parsed, unknown: list[str]) -> list[str]:
    """Unplaced words that sit next to a metric phrase (only filler between): they qualify the metric.

    'commitment utilization', 'incidents caused by ...', 'how long do jobs run': answering the metric
    without the word would answer another question, so the planner abstains instead of ignoring it.
    """
    spans = sorted(s for h in parsed.metric_hits for s in h.spans())
    if not spans:
        return []
    out = []
    for word in unknown:
        for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", parsed.rest):
            for start, end in spans:
                between = parsed.text[m.end() : start] if m.end() <= start else parsed.text[end : m.start()] if end <= m.start() else "x"
                if all(w in STOPWORDS for w in between.split()):
                    out.append(word)
                    break
            if word in out:
                break
    return out


def _measure(metric: str, catalog: Any) -> Any:
    m = catalog.metrics.get(metric)
    measures = getattr(catalog, "measures", None) or {}
    return measures.get(getattr(m, "measure", None) or "") if getattr(m, "kind", "") == "simple" else None


def _statistic(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> tuple[list[str], list[str] | PlannerPlan]:
    """'average queue wait' is a mean: use the metric with that aggregation of the same measure, never a median.

    Only metrics that are themselves a mean or percentile are checked (a ratio is already a weighted
    mean; a sum has no single-value statistic). No such sibling -> say which statistic exists and ask.
    """
    wanted = {STATISTIC_WORDS[w] for w in parsed.rest.split() if w in STATISTIC_WORDS}
    if len(wanted) != 1:
        return metrics, []
    want = wanted.pop()
    said = [w for w in parsed.rest.split() if w in STATISTIC_WORDS]
    if any(_restates(w, [n], inp) or getattr(_measure(n, inp.catalog), "agg", None) == want for n in metrics for w in said):
        return metrics, []  # 'p95 latency', 'median queue wait': the metric is that statistic
    out, notes = [], []
    for name in metrics:
        meas = _measure(name, inp.catalog)
        agg = getattr(meas, "agg", None)
        label = getattr(inp.catalog.metrics[name], "label", name)
        if want != "avg" and agg not in STATISTIC_NAMES:  # 'median cost': a total or a ratio has no median
            return metrics, PlannerPlan(kind="abstain", confidence=0.0, message=(
                f"The catalog has {label} ({name}) as a {'total' if agg in ('sum', 'count') else 'ratio over the period'}, "
                f"not its {STATISTIC_NAMES[want]}; ask for {label} itself, or see `pace metrics` for the percentiles it defines."))
        if agg not in STATISTIC_NAMES or agg == want:
            out.append(name)
            continue
        sibling = next((n for n in inp.catalog.metrics if (o := _measure(n, inp.catalog)) is not None and o.agg == want
                        and o.entity == meas.entity and o.expr == meas.expr), None)
        if sibling is None:
            word = next(w for w in parsed.rest.split() if w in STATISTIC_WORDS)
            return metrics, PlannerPlan(kind="clarify", replaces=word, options=[label], message=(
                f"'{word}' asks for the {STATISTIC_NAMES[want]}, but the catalog has {label} ({name}), the "
                f"{STATISTIC_NAMES[agg]}, and no {STATISTIC_NAMES[want]} of it. Do you want the {STATISTIC_NAMES[agg]}?"))
        out.append(sibling)
        notes.append(f"Answered with the {STATISTIC_NAMES[want]} ({sibling}), as asked, not {label}.")
    return out, notes


def _future(parsed: Parsed, metrics: list[str], inp: PlannerInputs) -> PlannerPlan | None:
    """'spend forecast for next month': no catalog metric looks ahead, and the forecast tool projects capacity only."""
    words = [w for w in parsed.leftover if w in FUTURE_WORDS]
    if not words:
        return None
    label = getattr(inp.catalog.metrics[metrics[0]], "label", metrics[0])
    return PlannerPlan(kind="abstain", confidence=0.0, message=(
        f"I have no forecast of {label.lower()}: the metric catalog measures what happened, and `pace forecast` projects "
        f"accelerator demand against capacity, not {label.lower()}. I can show the {label.lower()} trend so far instead, "
        f"e.g. '{label.lower()} by week over the last 3 months'."),
        suggestions=[f"{label} by week over the last 3 months"])


def _ratio_of_metrics(parsed: Parsed) -> bool:
    """'cost per busy hour', 'share of hours that was idle': two metrics joined by a ratio word."""
    spans = sorted({(h.start, h.end) for h in parsed.metric_hits})
    between = parsed.text[spans[0][1] : spans[-1][0]] if len(spans) > 1 else ""
    return bool(re.search(r"\b(per|over|divided by|as a share of|relative to)\b", between)) or any(w in SHAPE_WORDS for w in parsed.text.split())


def _unknown_penalty(parsed: Parsed, unknown: list[str]) -> float:
    """0.3 per unplaced word, 0.5 when it sits where a filter value would (it may be a filter we'd drop)."""
    penalty = 0.0
    for word in unknown:
        m = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", parsed.rest)
        slot = bool(m and _FILTER_SLOT.search(parsed.text[: m.start()]))
        penalty += 0.5 if slot or word in SHAPE_WORDS else 0.3
    return penalty


def _finish(query: MetricQuery, parsed: Parsed, notes: list[str], confidence: float, inp: PlannerInputs, question: str,
            edited: bool = False) -> PlannerPlan:
    query = _state_metric(_drop_verb_filters(query, inp))
    query, time_notes, ask = anchor_jobs(question, query, inp.catalog, parsed.period is not None)
    if ask:
        return PlannerPlan(kind="clarify", message=ask, confidence=0.5)
    query, split_notes = _split_instead(query, inp)
    notes = notes + time_notes + split_notes + absent_values(query, inp.catalog)
    query = _drop_plain_dimension_words(query, parsed, inp)
    unreachable = _unreachable(query, inp)
    if unreachable is not None:
        return unreachable
    if confidence < inp.threshold:
        return _abstain(question, inp, [w for w in parsed.leftover if w not in STOPWORDS], confidence)
    trusted, vq = _matches_verified(query, inp)
    label = parsed.period.label if parsed.period else None
    if parsed.period is None and query.time_range is not None and not is_followup(question) and not edited:  # an edit keeps the thread's period
        label = default_period(inp.today, _default_days(parsed, inp)).label
        notes = notes + [f"No period given, so this covers the {label.replace(' (no period given)', '')}."]
    return PlannerPlan(kind="query", query=query, confidence=round(max(0.0, min(1.0, confidence)), 2), notes=notes + inp.extra_notes,
                trusted=trusted, verified_question=vq, period_label=label)


def _job_words(question: str, inp: PlannerInputs) -> tuple[str, list[str], list[tuple[str, str]]] | None:
    """The question with Slurm state codes and everyday job-state phrases written as the states (planner.job_words),
    and notes saying so; None when nothing was rewritten. Only for questions about jobs, or following one."""
    said, notes = spelled_codes(question[:2000])
    previous = inp.previous.metrics if inp.previous is not None else []
    readings: list[tuple[str, str]] = []
    if about_jobs(said, inp.catalog) or any(on_jobs(inp.catalog, m) for m in previous):
        said, readings = state_words(said)
    return (said, notes, readings) if notes or readings else None


def _reach(metric: str, inp: PlannerInputs) -> set[str] | None:
    reach = getattr(inp.catalog, "dimensions_for", None)
    if reach is None:
        return None
    if metric not in inp.reach_cache:
        inp.reach_cache[metric] = set(reach(metric))
    return inp.reach_cache[metric]


def _drop_verb_filters(query: MetricQuery, inp: PlannerInputs) -> MetricQuery:
    """'jobs submitted last week': 'submitted' is a request status, but here only a verb.

    The same for everyday words that are also data values ('pending compute requests': 'Compute' is
    a FOCUS service category, but requests have none): where the metric cannot be filtered by that
    dimension, the word is read in its plain sense instead of blocking the answer.
    """
    keep = []
    for f in query.filters:
        unreachable = any((r := _reach(m, inp)) is not None and f.dimension not in r for m in query.metrics)
        if unreachable and all(str(v).lower() in VERB_VALUES or fold(str(v)) in STOPWORDS for v in f.values):
            continue
        keep.append(f)
    return query if len(keep) == len(query.filters) else query.model_copy(update={"filters": keep})


def _state_metric(query: MetricQuery) -> MetricQuery:
    """'jobs where state = preempted' -> the `preemptions` metric (see words.STATE_METRICS)."""
    if len(query.metrics) != 1:
        return query
    for f in query.filters:
        dedicated = STATE_METRICS.get((query.metrics[0], f.dimension, str(f.values[0]).lower())) if f.operator == "=" else None
        if dedicated and len(f.values) == 1:
            order = [o.model_copy(update={"field": dedicated}) if o.field == query.metrics[0] else o for o in query.order_by]
            return query.model_copy(update={"metrics": [dedicated], "order_by": order,
                                             "filters": [g for g in query.filters if g is not f]})
    return query


def _drop_plain_dimension_words(query: MetricQuery, parsed: Parsed, inp: PlannerInputs) -> MetricQuery:
    """'accelerator-hours did each provider host': 'host' names a dimension, but here it is a verb.

    A grouping the metric cannot reach, named only by an everyday word (a STOPWORD such as 'host' or
    'serve'), is read in its plain sense instead of blocking the answer.
    """
    words = set(parsed.text.split())
    keep = []
    for g in query.group_by:
        reach = [_reach(m, inp) for m in query.metrics]
        unreachable = g.grain is None and any(r is not None and g.dimension not in r for r in reach)
        named_by = {ph for ph, targets in inp.lexicon.dimensions.items() if g.dimension in targets and ph in words}
        asked = any(re.search(rf"\b(by|per|each|every|across|for each|split by|broken down by)\s+(the\s+)?{re.escape(ph)}\b", parsed.text)
                    for ph in named_by)
        if unreachable and named_by and not asked and all(ph in STOPWORDS for ph in named_by):
            continue
        keep.append(g)
    return query if len(keep) == len(query.group_by) else query.model_copy(update={"group_by": keep})


def _split_instead(query: MetricQuery, inp: PlannerInputs) -> tuple[MetricQuery, list[str]]:
    """'cost by workload type': a metric the catalog splits to such dimensions answers instead, and the answer says so.

    Catalog metrics name, in `split_of`, the totals they split (attributed cost splits effective cost by
    each pool's allocated hours); one is used only when it reaches every dimension the question names.
    """
    if getattr(inp.catalog, "dimensions_for", None) is None:
        return query, []
    wanted = {g.dimension for g in query.group_by if g.grain is None} | {f.dimension for f in query.filters}
    swaps: dict[str, str] = {}
    for name in query.metrics:
        if wanted <= (_reach(name, inp) or set()):
            continue
        by = [n for n, m in inp.catalog.metrics.items() if name in (getattr(m, "split_of", None) or []) and wanted <= (_reach(n, inp) or set())]
        if len(by) == 1:
            swaps[name] = by[0]
    if not swaps:
        return query, []
    metrics = [swaps.get(m, m) for m in query.metrics]
    order = [o.model_copy(update={"field": swaps.get(o.field, o.field)}) for o in query.order_by]
    notes = [f"{inp.catalog.metrics[a].label} has no {', '.join(sorted(wanted - (_reach(a, inp) or set())))}; answered with "
             f"{inp.catalog.metrics[b].label} ({b}): {getattr(inp.catalog.metrics[b], 'description', '').strip()}" for a, b in swaps.items()]
    return query.model_copy(update={"metrics": metrics, "order_by": order}), notes


def _unreachable(query: MetricQuery, inp: PlannerInputs) -> PlannerPlan | None:
    """Abstain (with what is possible) when a metric cannot be split or filtered by a named dimension."""
    reach = getattr(inp.catalog, "dimensions_for", None)
    if reach is None:
        return None
    wanted = [g.dimension for g in query.group_by if g.grain is None] + [f.dimension for f in query.filters]
    for metric in query.metrics:
        if metric not in inp.reach_cache:
            inp.reach_cache[metric] = set(reach(metric))
        allowed = inp.reach_cache[metric]
        bad = [d for d in wanted if d not in allowed]
        if bad:
            label = getattr(inp.catalog.metrics[metric], "label", metric)
            what = ", ".join(f"{f.dimension} = {'/'.join(map(str, f.values))}" if f.dimension in bad else "" for f in query.filters)
            detail = f" ({what.strip(', ')})" if what.strip(", ") else ""
            return PlannerPlan(kind="abstain", confidence=0.0, message=(
                f"{label} can't be broken down or filtered by {', '.join(dict.fromkeys(bad))}{detail}: its data has no such "
                f"attribute. It can be split by: {', '.join(sorted(allowed)) or 'nothing'}."))
    return None


def _metrics(parsed: Parsed, inp: PlannerInputs) -> tuple[list[str], list[str], PlannerPlan | None]:
    """Metric names in question order; a phrase naming several metrics -> a sense or a clarify plan."""
    by_span: dict[tuple[int, int], list[str]] = {}
    for h in parsed.metric_hits:
        by_span.setdefault((h.start, h.end), []).append(h.target)
    chosen: list[str] = []
    notes: list[str] = []
    for (start, end), targets in sorted(by_span.items()):
        phrase = parsed.text[start:end]
        takes = [t for t in dict.fromkeys(targets) if getattr(inp.catalog.metrics[t], "threshold_form_of", None)]
        if len(set(targets)) > 1 and parsed.threshold is not None and len(takes) == 1:
            targets = takes  # "idle GPU-hours under 5%": the metric that takes the threshold
        if len(set(targets)) > 1:
            sense = generic_senses(phrase, set(targets)) or unit_sense(phrase, parsed.text, set(targets), inp.catalog)
            if sense is None:
                options = [f"{inp.catalog.metrics[t].label} ({t})" for t in sorted(set(targets))]
                return [], [], PlannerPlan(kind="clarify", message=f"'{phrase}' could mean several metrics; which one?", options=options)
            targets, note = [sense[0]], sense[1]
            notes.append(note)
        if targets[0] not in chosen:
            chosen.append(targets[0])
    vague = _vague(parsed, chosen, by_span, inp)
    if vague is not None:
        return [], [], vague
    return chosen, notes, None


def _vague(parsed: Parsed, chosen: list[str], by_span: dict[tuple[int, int], list[str]], inp: PlannerInputs) -> PlannerPlan | None:
    """'what was the cost?', 'show me usage', 'how efficient are we?': ask which metric, with options."""
    words: list[str] = []
    if not chosen:
        words = [w for w in parsed.leftover if w in VAGUE]
        if any(w not in VAGUE and w not in STOPWORDS and not w.isdigit() for w in parsed.leftover):
            words = []  # 'how is nvidia stock doing': other words we cannot place, so no metric to offer
    elif len(by_span) == 1 and not parsed.has_edit_parts:
        (start, end), _ = next(iter(by_span.items()))
        phrase = parsed.text[start:end].strip()
        content = [w for w in parsed.leftover if w not in STOPWORDS]
        words = [phrase] if phrase in VAGUE and not content else []
    for word in words:
        options = [f"{inp.catalog.metrics[n].label} ({n})" for n in VAGUE[word] if n in inp.catalog.metrics]
        if len(options) > 1:
            return PlannerPlan(kind="clarify", message=f"'{word}' could mean several metrics; which one?", options=options)
    return None


def _build(metrics: list[str], parsed: Parsed, inp: PlannerInputs) -> MetricQuery:
    time_dims = _time_dims(inp.catalog)
    group_by: list[GroupBy] = []
    grain = parsed.grain
    for dim in parsed.group_dims:
        if dim in time_dims:
            grain = grain or "auto"
        else:
            group_by.append(GroupBy(dimension=dim))
    compare = parsed.compare_days is not None
    if parsed.other_period is not None and parsed.period is not None:
        parsed.period, compare, grain = _both_periods(parsed.period, parsed.other_period, grain)
    current = parsed.period is None and grain is None and all(
        getattr(inp.catalog.metrics.get(m), "current_state", False) for m in metrics)
    time_range = None if current else _period_range(parsed, _default_days(parsed, inp), inp.today)
    if grain is not None:
        days = (time_range.end - time_range.start).days if time_range else 90
        real = ("day" if days <= 62 else "week") if grain == "auto" else grain
        if grain == "auto" and real == "day" and days <= 2:
            real = "hour"
        group_by.insert(0, GroupBy(dimension=sorted(time_dims)[0] if time_dims else "time", grain=real))
    filters = [Filter(dimension=d, operator=op if len(v) == 1 else ("in" if op == "=" else "not in"), values=v)
               for d, (op, v) in parsed.filters.items()]
    for f in filters:  # 'atlas vs orion', 'H100 and A100': one row per side, not one total
        if f.operator == "in" and all(g.dimension != f.dimension for g in group_by):
            group_by.append(GroupBy(dimension=f.dimension))
    order_by: list[OrderBy] = []
    limit = None
    cats = [g for g in group_by if g.grain is None]
    if parsed.rank is not None and cats:
        desc, n = parsed.rank
        if parsed.rank_word in ("best", "worst"):  # best = highest only when higher is better
            desc = (parsed.rank_word == "best") == bool(getattr(inp.catalog.metrics[metrics[0]], "higher_is_better", True))
        order_by = [OrderBy(field=metrics[0], descending=desc)]
        which = any(w in parsed.text.split() for w in ("which", "who", "what"))
        limit = n or (1 if (which or parsed.ranked_noun) and not parsed.plural_groups else 5)  # 'which team', 'the cheapest team' one winner, 'which teams' a list
    elif cats and not parsed.grain:
        order_by = [OrderBy(field=metrics[0], descending=parsed.sort_desc is not False)]
    return MetricQuery(metrics=metrics, group_by=group_by, filters=filters, time_range=time_range, order_by=order_by,
                       limit=limit, compare_to_previous=compare, share_of_total=parsed.share, per=parsed.per,
                       convert=conversions(metrics, parsed.convert, inp.catalog))


def _both_periods(a: Period, b: Period, grain: str | None) -> tuple[Period, bool, str | None]:
    """Two periods set side by side: adjacent and as long -> the later one compared to the previous;
    otherwise the span over both, in buckets that hold one side each (months, quarters; else weeks)."""
    late, early = (a, b) if a.start >= b.start else (b, a)
    months = all(p.start.day == 1 and p.end.day == 1 and 28 <= p.days <= 31 for p in (a, b))
    if early.end == late.start and (early.days == late.days or months):
        return Period(late.start, late.end, f"{late.label} vs {early.label}"), True, grain
    span = Period(early.start, max(a.end, b.end), f"{early.label} to {late.label}")
    return span, False, grain or side_by_side_grain(a, b)


_GRAIN_DAYS = {"week": 56, "month": 90, "quarter": 365, "auto": 30}


def _default_days(parsed: Parsed, inp: PlannerInputs) -> int:
    """Default window: the comparison's, else long enough for the asked grain, else the default."""
    return parsed.compare_days or _GRAIN_DAYS.get(parsed.grain or "", inp.default_days)


def _period_range(parsed: Parsed, default_days: int | None, today: date | None = None) -> TimeRange | None:
    period: Period | None = parsed.period
    if period is None and default_days is not None and today is not None:
        period = default_period(today, default_days)
    return None if period is None else TimeRange(start=period.start, end=period.end)


def _dim_phrases(inp: PlannerInputs) -> dict[str, list[str]]:
    """Dimension -> the (folded) words that name it in the lexicon."""
    out: dict[str, list[str]] = {}
    for phrase, targets in inp.lexicon.dimensions.items():
        for dim in targets:
            out.setdefault(dim, []).append(phrase)
    return out


def _time_dims(catalog: Any) -> set[str]:
    return {n for n, d in catalog.dimensions.items() if getattr(d, "kind", "categorical") == "time"}


def _step_back(parsed: Parsed, question: str, inp: PlannerInputs) -> None:
    """'same for the previous week', 'and the month before?': the period before the previous question's."""
    prev = inp.previous
    if prev is None or prev.time_range is None or parsed.compare_days is not None or not is_followup(question):
        return
    shift = shift_back(parsed.text)
    if shift is None:
        return
    unit, n, span = shift
    parsed.period = shifted(prev.time_range.start, prev.time_range.end, unit, n)
    parsed.rest = mask(parsed.rest, [span])
    parsed.leftover = [w for w in parsed.rest.split() if w]


def _empty_period(parsed: Parsed, inp: PlannerInputs) -> PlannerPlan | None:
    """'this week' on a Monday holds no complete day yet: say so and offer the last complete one."""
    if parsed.period is None:
        return None
    offer = empty_so_far(parsed.period, inp.today)
    if offer is None:
        return None
    words = parsed.text[parsed.period.span[0] : parsed.period.span[1]].strip()
    return PlannerPlan(kind="clarify", replaces=words or None, options=[offer], message=(
        f"'{words}' has no complete day of data yet (it starts {parsed.period.start.date().isoformat()}, and data runs "
        f"through {(inp.today - timedelta(days=1)).isoformat()}). Did you mean {offer}?"))


_KNOWN: dict[int, tuple[Any, frozenset[str]]] = {}


def _placeable(inp: PlannerInputs) -> frozenset[str]:
    """Words the planner places without general English: stop words, its own words, the catalog's phrases word by word."""
    return STOPWORDS | KNOWN_WORDS | frozenset(vocabulary(inp.lexicon).catalog)


def _known_words(inp: PlannerInputs) -> frozenset[str]:
    """Filler and time words plus every word of the catalog's descriptions: real words, never typos ('decided')."""
    cached = _KNOWN.get(id(inp.catalog))
    if cached is None or cached[0] is not inp.catalog:
        text = " ".join(getattr(m, "description", "") or "" for m in [*inp.catalog.metrics.values(), *inp.catalog.dimensions.values()])
        cached = (inp.catalog, KNOWN_WORDS | NOT_TYPOS | frozenset(w for w in fold(text).split() if w.isalpha()))
        _KNOWN[id(inp.catalog)] = cached
    return cached[1]


def _correct_typos(question: str, parsed: Parsed, inp: PlannerInputs) -> tuple[Parsed, list[str]]:
    """Unknown words with one clear near candidate are read as it ('clsuter' -> 'cluster'); the answer says so."""
    unknown = [w for w in parsed.leftover if w not in STOPWORDS and not w.isdigit()]
    vocab = vocabulary(inp.lexicon, _known_words(inp))
    fixes = correct_words(unknown, vocab) if unknown else {}
    names = [*inp.lexicon.values, *inp.lexicon.metrics, *inp.lexicon.dimensions]  # 'us est aws': a short word inside a name
    fixes.update({w: f for w, f in phrase_corrections(parsed.text.split(), names, set(unknown)).items() if w not in fixes})
    if not fixes:
        return parsed, []
    folded = parsed.text.split()
    originals = dict(zip(folded, normalize(question[:2000]).split())) if len(folded) == len(normalize(question[:2000]).split()) else {}
    corrected = " ".join(fixes.get(w, w) for w in folded)
    notes = [f"Read '{originals.get(w, w)[:40]}' as '{vocab.display.get(f, f)}' (a likely typo)." for w, f in fixes.items()]
    return parse(corrected, inp.lexicon, inp.today, VALUE_PRIORITY), notes


def _about_something(parsed: Parsed, options: list[str] | None, lex: Lexicon) -> bool:
    """A did-you-mean is worth asking only where an answer could follow: the question already names a
    metric, a grouping or a filter, or one of the options is a metric word. 'the meaning of life' names
    nothing pace measures, so 'line or lite?' would lead nowhere; it abstains with what pace can answer."""
    if parsed.metric_hits or parsed.group_dims or parsed.filters:
        return True
    metric_names = {str(m) for m in lex.raw.get("metric", {}).values()}
    return any(fold(o) in lex.metrics or o in metric_names for o in options or ())


def _typo_clarify(question: str, unknown: list[str], lex: Lexicon) -> PlannerPlan | None:
    """An unknown word close to a known value or metric: ask rather than guess ('atals' -> atlas?)."""
    originals = dict(zip(fold(question).split(), normalize(question).split()))
    for word in unknown:
        raw = originals.get(word, word)
        for kind in ("value", "metric", "dimension"):
            close = lex.fuzzy(raw, kind)
            if close:
                return PlannerPlan(kind="clarify", message=f"I don't know '{raw[:40]}'. Did you mean one of these?", options=close,
                            replaces=raw)
    return None


def _verified_exact(question: str, inp: PlannerInputs) -> PlannerPlan | None:
    """A question that matches a verified one word for word (ignoring filler) reuses its query."""
    key = _content_key(question)
    if not key:
        return None
    vq = _verified_index(inp.catalog).get(key)
    if vq is None:
        return None
    # verified queries hold no dates: the question's period wins, else the query's relative period on the as-of date
    period = resolve_period(fold(question), inp.today)
    if period is not None:
        query = vq.query.model_copy(update={"time_range": TimeRange(start=period.start, end=period.end)})
        label = period.label
    else:
        query, label = vq.query_on(inp.today) if hasattr(vq, "query_on") else (vq.query, None)
    return PlannerPlan(kind="query", query=query, confidence=1.0, trusted=True, verified_question=vq.question,
                period_label=label, notes=list(inp.extra_notes))


_VERIFIED: dict[int, tuple[Any, dict[tuple[str, ...], Any]]] = {}


def _verified_index(catalog: Any) -> dict[tuple[str, ...], Any]:
    """Content key -> verified query, built once per catalog object."""
    cached = _VERIFIED.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        index = {}
        for vq in getattr(catalog, "verified_queries", []) or []:
            index.setdefault(_content_key(vq.question), vq)
        cached = (catalog, index)
        _VERIFIED[id(catalog)] = cached
    return cached[1]


_FILLER = frozenset("a an the what whats which who how much many did do doe does was were is are we our us me show give tell please s "
                    "can could you i".split())


def _content_key(text: str) -> tuple[str, ...]:
    """Words that carry meaning, in order: a verified question matches only if all of them match."""
    return tuple(w for w in fold(text).split() if w not in _FILLER)


def _matches_verified(query: MetricQuery, inp: PlannerInputs) -> tuple[bool, str | None]:
    """Trusted when the plan equals a verified query's plan apart from the period."""
    shape = query.model_dump(exclude={"time_range"})
    for vq in getattr(inp.catalog, "verified_queries", []) or []:
        if vq.query.model_dump(exclude={"time_range"}) == shape:
            return True, vq.question
    return False, None


def _abstain(question: str, inp: PlannerInputs, unknown: list[str], confidence: float = 0.0) -> PlannerPlan:
    if (gap := misspelled_missing(unknown)) is not None:  # 'gpu temprature': say what pace lacks, not "could not place"
        return missing_abstain(gap, inp.catalog)
    vqs = [vq.question for vq in getattr(inp.catalog, "verified_queries", []) or []]
    close = [q for q, score, _ in process.extract(question[:500], vqs, scorer=fuzz.token_set_ratio, limit=3)] if vqs else []
    why = f" I could not place: {', '.join(w[:30] for w in unknown[:5])}." if unknown else ""
    return PlannerPlan(kind="abstain", confidence=round(max(0.0, confidence), 2), suggestions=close,
                message=f"I can't answer that confidently from the metric catalog.{why}")


__all__ = ["PlannerInputs", "plan_offline"]
