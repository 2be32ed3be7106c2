"""The weekly narrative's words: templates, the three recommended actions, tool facts, and the LLM rewrite.

Templates hold `{fact}` placeholders and only words taken from the warehouse (team, type, pool names),
never a typed-in number. A model may rewrite the templates, never the numbers: its draft must keep
every placeholder exactly as often as the template did and add no number of its own, or it is rejected.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.settings import Settings
from tools.grounding import Draft, Section, check_grounding, template_fields

if TYPE_CHECKING:
    from tools.weekly_facts import FactBook
    from tools.weekly_types import WeeklyReportData

LEVER_WORDS = {"idle_reclamation": "idle reclamation", "rightsizing": "rightsizing", "bin_packing": "bin-packing",
               "off_peak_shift": "an off-peak shift", "commitment": "a commitment purchase"}
REWRITE_PROMPT = """You edit an executive weekly report on an ML accelerator fleet. Rewrite each template so it
reads clearly and concisely for a VP. Rules: keep every {placeholder} exactly as written and exactly as many
times as it appears; never write a digit yourself; do not add claims. Answer with JSON only, the same shape
as the input: {"sections": [{"template": str, "bullets": [str, ...]}, ...]} with the same number of
sections and of bullets in each.

Input:
"""


def esc(word: object) -> str:
    """A warehouse value as literal template text (braces doubled so it is never a placeholder)."""
    return str(word).replace("{", "{{").replace("}", "}}")


def _val(book: FactBook, name: str) -> float:
    fact = book.facts.get(name)
    return float(fact.value) if fact is not None and fact.value is not None else 0.0


def _key(book: FactBook, name: str) -> str:
    return esc(book.facts[name].params.get("row", "")) if name in book.facts else ""


def tool_facts(settings: Settings, book: FactBook, unavailable: list[str]) -> dict[str, Any]:
    """Facts from the savings and forecast tools, when installed; what is missing goes to `unavailable`."""
    extras: dict[str, Any] = {}
    end = datetime(book.week.end.year, book.week.end.month, book.week.end.day)
    try:
        from tools.savings import estimate_savings
        from tools.savings_sql import pool_levers_sql, stream_levers_sql

        rep = estimate_savings(settings, days=7, end=end)
        ledger = stream_levers_sql(rep.period_start, rep.period_end) + ";\n\n" + pool_levers_sql(rep.period_start, rep.period_end)
        src = {"tool": "tools.savings.estimate_savings", "days": 7, "scaled": "per month (x 730 / period hours)"}
        book.external("sav_total", rep.total_monthly_usd, "USD", ",.0f", ledger, "Savings identified, per month", **src)
        book.external("sav_n", len(rep.opportunities), "count", ",d", ledger, "Savings opportunities", **src)
        if rep.opportunities:
            top = rep.opportunities[0]
            book.external("sav_top", top.monthly_usd, "USD", ",.0f", top.evidence_sql, "Top savings opportunity, per month", **src)
            extras["sav_top"] = (LEVER_WORDS.get(top.lever, top.lever), top.entity, top.cluster, top.accelerator_type)
        extras["savings"] = True
    except ImportError:
        unavailable.append("savings tool not available")
    except Exception as exc:  # a tool failure leaves its section saying so, never sinks the report
        unavailable.append(f"savings tool failed: {type(exc).__name__}")
    try:
        from tools.forecast import forecast_capacity

        fc = forecast_capacity(settings, weeks=4, end=end)
        risky = sorted((t for t in fc.types if t.forecast and t.capacity), key=lambda t: -t.forecast[-1]["upper"] / t.capacity)[:2]
        sql = "\n;\n".join(fc.evidence[:1] + fc.evidence[2:3])
        for i, t in enumerate(risky):
            src = {"tool": "tools.forecast.forecast_capacity", "model": t.model, "horizon_weeks": 4, "row": t.accelerator_type}
            book.external(f"fc_{i}_upper", t.forecast[-1]["upper"], "count", ",.0f", sql, f"{t.accelerator_type} forecast peak, upper 90% bound", **src)
            book.external(f"fc_{i}_cap", t.capacity, "count", ",.0f", sql, f"{t.accelerator_type} installed accelerators", **src)
        extras["forecast"] = [(t.accelerator_type, t.forecast[-1]["week"], t.runs_out_week, t.runs_out_week_upper) for t in risky]
        extras["burst"] = [(o.team, o.accelerator_type, o.exceeds_burst_week) for o in fc.teams if o.exceeds_burst_week][:3]
    except ImportError:
        unavailable.append("forecast tool not available")
    except Exception as exc:
        unavailable.append(f"forecast tool failed: {type(exc).__name__}")
    return extras


def build_draft(book: FactBook, extras: dict[str, Any]) -> Draft:
    """The template narrative: headline, hours by type, movers, savings, governance, reliability, risks, actions."""
    w = book.week
    last_day = (w.end.toordinal() - 1)
    end_incl = datetime.fromordinal(last_day).date().isoformat()
    sections = [
        Section("Headline", (
            f"In the week of {w.start.isoformat()} to {end_incl} ({w.label}), accelerator spend was {{spend}}, "
            "{spend_pct} week over week. Utilization, busy over allocated accelerator-hours, was {util} "
            "({util_pp} on the week before), and idle accelerator time cost {idle} ({idle_pct}).")),
        Section("Recommended actions", bullets=recommendations(book, extras), numbered=True),
        _data_quality(book),
        Section("Accelerator-hours by type", "Allocated accelerator-hours, with the change on the week before:",
                bullets=[f"{_key(book, f'hours_{i}')}: {{hours_{i}}} ({{hours_{i}_pct}})"
                         for i in range(len(book.facts)) if f"hours_{i}" in book.facts]),
        Section("Top movers", "Largest week-over-week spend changes by team and by accelerator type:",
                bullets=[f"{dim.capitalize()} {_key(book, f'mover_{dim}_{i}')}: {{mover_{dim}_{i}}}, to {{mover_{dim}_{i}_now}}"
                         + _linked(book, dim, i)
                         for dim in ("team", "type") for i in range(3) if f"mover_{dim}_{i}" in book.facts]),
        _savings(book, extras),
        Section("Governance", (
            "{gov_pending} compute requests were waiting for a decision at the end of the week. During the week "
            "{gov_submitted} were submitted, {gov_approved} approved and {gov_denied} denied; approval lead time "
            "was {gov_lead_p50_hours} at the median and {gov_lead_p90_hours} at p90.")),
        Section("Reliability", (
            "{inc_this_week} incidents opened ({inc_change} on the week before): {inc_sev1} SEV1, {inc_sev2} SEV2, "
            "{inc_sev3} SEV3 and {inc_sev4} SEV4. {inc_tier3} went to tier 3, and incidents cost {inc_hours_lost} "
            "accelerator-hours. Of the {inc_resolved} incidents resolved this week, the median took {mttr_p50} and "
            "p90 {mttr_p90}; the median time to acknowledge was {inc_mtta_p50_minutes}.")),
        _risks(book, extras),
    ]
    return Draft(sections, dict(book.facts))


def _savings(book: FactBook, extras: dict[str, Any]) -> Section:
    direction = "below" if _val(book, "idle_reduction") >= 0 else "above"
    realized = (f"Realized: idle cost was {{idle}}, {{idle_difference}} {direction} the weekly average of "
                "{idle_base} over the four weeks before.")
    if not extras.get("savings"):
        return Section("Savings", realized, note="Identified savings: the savings tool is not available.")
    top = ""
    if "sav_top" in extras:
        lever, entity, cluster, acc = (esc(x) for x in extras["sav_top"])
        top = f" The largest is {lever} for {entity} on {acc} in {cluster}, at {{sav_top}} a month."
    window = (" (measured on this week alone and scaled to a month; `pace savings` measures the four weeks before the "
              "data's end unless given this week's window, so its total differs)")
    return Section("Savings", f"Identified: {{sav_total}} a month across {{sav_n}} opportunities{window}.{top} {realized}")


def _linked(book: FactBook, dim: str, i: int) -> str:
    """'; linked to ...' with the scan findings and incidents of a mover team in the same week."""
    if dim != "team":
        return ""
    links = book.links.get(str(book.facts[f"mover_team_{i}"].params.get("row", "")), [])
    return ("; linked to " + "; ".join(links)) if links else ""


def _bad_pools(book: FactBook) -> set[str]:
    from tools.weekly_checks import out_of_bounds_pools

    return out_of_bounds_pools(book.dq)


def _data_quality(book: FactBook) -> Section:
    """Figures outside physical bounds: reported as data problems, used for no recommendation."""
    words = {"allocation_over_capacity": "accelerators allocated in the peak hour against {b} installed",
             "utilization_out_of_range": "as the highest busy share or SM activity, above its bound of {b}",
             "negative_usage_cost": "of usage cost, below its bound of {b}"}
    bullets = [f"{esc(r['entity'])}: {{{r['observed_fact']}}} {words[r['check']].format(b='{' + r['bound_fact'] + '}')}, "
               f"from {r['window_start']:%Y-%m-%d %H:%M} to {r['window_end']:%Y-%m-%d %H:%M}. That is physically impossible, "
               "so the data is wrong (the feed or the capacity table); fix it before acting on this figure."
               for r in book.dq]
    if not bullets:
        return Section("Data quality", "Every figure this week is within physical bounds: allocation within installed "
                                       "capacity, utilization within its range, usage cost not negative.")
    return Section("Data quality", "Figures outside physical bounds; none of them is the basis of any action above:",
                   bullets=bullets)


def _risks(book: FactBook, extras: dict[str, Any]) -> Section:
    bullets = []
    for i, (acc, week, out, out_upper) in enumerate(extras.get("forecast", [])):
        when = (f"; the central forecast exceeds capacity in the week of {out}" if out else
                f"; the upper bound crosses capacity in the week of {out_upper}" if out_upper else "")
        bullets.append(f"{esc(acc)}: forecast peak demand up to {{fc_{i}_upper}} accelerators (top of the prediction interval) by the week "
                       f"of {week}, against {{fc_{i}_cap}} installed{when}.")
    for team, acc, week in extras.get("burst", []):
        bullets.append(f"{esc(team)} is forecast above its {esc(acc)} burst quota from the week of {week}.")
    bad = _bad_pools(book)
    for i in range(3):
        if f"pool_{i}_pct" in book.facts and _key(book, f"pool_{i}_pct") not in bad:
            bullets.append(f"{_key(book, f'pool_{i}_pct')}: peak allocation {{pool_{i}_peak}} of {{pool_{i}_cap}} installed "
                           f"accelerators ({{pool_{i}_pct}}) this week.")
    note = "" if "forecast" in extras else "Forecast: the forecast tool is not available; pools below are this week's peaks."
    return Section("Forecast risks", bullets=bullets, note=note)


def recommendations(book: FactBook, extras: dict[str, Any]) -> list[str]:
    """Three actions, ranked by what the numbers say is most urgent (lower rank first)."""
    cands: list[tuple[float, str]] = []
    bad = _bad_pools(book)  # a pool above its installed capacity is a data problem, never a reason to act
    sane = [i for i in range(3) if f"pool_{i}_pct" in book.facts and _key(book, f"pool_{i}_pct") not in bad
            and _val(book, f"pool_{i}_pct") <= 100]
    if sane:
        i = sane[0]
        pool = _key(book, f"pool_{i}_pct")
        rank = 1.0 if _val(book, f"pool_{i}_pct") >= 100 else 2.0 if _val(book, f"pool_{i}_pct") >= 90 else 5.0
        cands.append((rank, f"Relieve {pool}: its peak allocation reached {{pool_{i}_pct}} of installed capacity; "
                            "rebalance work or borrow capacity before queues grow."))
    if "idle_top" in book.facts:
        cands.append((2.5, f"Reclaim idle capacity from {_key(book, 'idle_top')}: {{idle_top}} of idle accelerator time "
                           "this week, {idle_top_share} of the fleet's idle cost."))
    if "sav_top" in book.facts and "sav_top" in extras:
        lever, entity = (esc(x) for x in extras["sav_top"][:2])
        cands.append((3.0, f"Start {lever} for {entity}, the largest identified saving at {{sav_top}} a month."))
    sev1, sev2, tier3 = _val(book, "inc_sev1"), _val(book, "inc_sev2"), _val(book, "inc_tier3")
    majors = " and ".join([*(["{inc_sev1} SEV1"] if sev1 else []), *(["{inc_sev2} SEV2"] if sev2 else [])])
    review = (f"Run a post-incident review of the week's {majors} incident{'s' if sev1 + sev2 > 1 else ''}"
              if majors else "Review the week's incidents")
    review += ", including {inc_tier3} tier-3 escalation" + ("s" if tier3 > 1 else "") if tier3 else ""
    cands.append((2.8 if sev1 + sev2 + tier3 else 6.0, review + "; p90 time to resolve was {mttr_p90}."))
    cands.append((3.2 if _val(book, "gov_lead_p90_hours") > 72 else 6.5,
                  "Clear the approval queue: {gov_pending} requests are waiting and p90 approval lead time was {gov_lead_p90_hours}."))
    if "mover_team_0" in book.facts:
        verb = "growth" if _val(book, "mover_team_0") > 0 else "drop"
        cands.append((4.0, f"Check with {_key(book, 'mover_team_0')} that its spend {verb} of {{mover_team_0}} "
                           "week over week is planned."))
    return [text for _, text in sorted(cands, key=lambda c: c[0])[:3]]


def rewrite_with_llm(report: WeeklyReportData, settings: Settings, client: Any = None) -> None:
    """Let a model rewrite the prose; keep it only if placeholders match and the grounding check passes."""
    original = report.draft
    payload = {"sections": [{"template": s.template, "bullets": s.bullets} for s in original.sections]}
    try:
        if client is None:
            from openai import OpenAI

            client = OpenAI(api_key=settings.openai_api_key or "unused", base_url=settings.openai_base_url)
        reply = client.chat.completions.create(
            model=settings.model, temperature=0.2,
            messages=[{"role": "user", "content": REWRITE_PROMPT + json.dumps(payload, indent=1)}])
        content = reply.choices[0].message.content or ""
        proposed = json.loads(content[content.find("{"): content.rfind("}") + 1])["sections"]
    except Exception as exc:  # any model failure: the template prose stands
        report.llm_note = f"model rewrite not used: {type(exc).__name__}: {exc}"[:300]
        return
    problem = _check_rewrite(original, proposed)
    if problem:
        report.llm_note = f"model rewrite rejected: {problem}"
        return
    report.draft = Draft([Section(s.title, p.get("template", ""), list(p.get("bullets", [])), s.note, s.numbered)
                          for s, p in zip(original.sections, proposed)], original.facts)
    report.prose_source = "llm"


def _check_rewrite(original: Draft, proposed: Any) -> str:
    """Why a rewritten draft is unacceptable ('' if it is fine)."""
    if not isinstance(proposed, list) or len(proposed) != len(original.sections):
        return "section count changed"
    for s, p in zip(original.sections, proposed):
        if not isinstance(p, dict) or len(p.get("bullets", [])) != len(s.bullets):
            return f"section {s.title!r} changed shape"
        for old, new in zip([s.template, *s.bullets], [p.get("template", ""), *p.get("bullets", [])]):
            if not isinstance(new, str):
                return f"section {s.title!r} has a non-text entry"
            try:
                if Counter(template_fields(new)) != Counter(template_fields(old)):
                    return f"section {s.title!r} changed its numbers (placeholders differ)"
            except ValueError as exc:
                return f"section {s.title!r} is not a valid template: {exc}"
    candidate = Draft([Section(s.title, p.get("template", ""), list(p.get("bullets", [])), s.note, s.numbered)
                       for s, p in zip(original.sections, proposed)], original.facts)
    try:
        rendered = candidate.render()
    except (KeyError, ValueError, IndexError) as exc:
        return f"draft does not render: {exc}"
    problems = check_grounding(rendered.body, rendered.facts)
    return f"{len(problems)} ungrounded number(s), first {problems[0]}" if problems else ""
