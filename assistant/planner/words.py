"""Filler words the planner may ignore, and the default senses of generic metric words.

STOPWORDS are folded (singular) words that carry no catalog meaning; anything else left over in a
question lowers the planner's confidence. Generic words resolve to one metric only where the choice
is standard practice, and the answer states it.
"""

from __future__ import annotations

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the of for in on at to from and or with by per is are was were be been being do doe did does done as
    what whats which who whom whose how much many show me give tell list get find display report please can could
    would should will you we our us my i it its this that these those there their them they any all some
    total overall sum amount number count level value figure stat statistic metric data info
    s t d ll re ve m about around across over under during within into than then so just only also
    fleet compute platform infra infrastructure ml accelerator our company org-wide cluster-wide
    spent spend spending used use using usage run running ran have had has get got see look like
    current currently now right recent recently latest so far overall in total average avg mean
    vs versus compared compare comparison change previous prior period same time between
    breakdown break down split each every group grouped chart plot graph table trend
    high higher low lower big bigger small smaller most least top bottom rank ranked ranking order sorted sort
    value result answer question hey hi hello thanks thank please pace
    where when why hour day week month quarter year
    draw drew serve served submit host hosted consume consumed allocate incur incurred so far still
    broken grouped roughly approximately exactly actually basically really quick quickly kindly need want know
    curious wondering interested looking check pull grab whole entire company across altogether breakdown
    """.split()
)

GAP_OK: frozenset[str] = frozenset(
    "accelerator gpu gpus compute the our of in on were was are is that did we had have been total overall all".split()
)
"""Words allowed between the words of a metric phrase ('idle *accelerator* hours')."""

SCATTER_SKIP: frozenset[str] = frozenset("used use using spent spend run ran had have total".split())
"""Phrases containing these verbs only match contiguously ('used hours' must not claim 'used ... accelerator hours')."""

SHAPE_WORDS: frozenset[str] = frozenset("share ratio percentage fraction proportion portion percent above below exceed exceeded beyond".split())
"""Words that change what is computed; left unplaced, they make the planner abstain rather than guess."""

# phrase -> (preferred metric names in order, note the answer states)
_SENSES: dict[str, tuple[tuple[str, ...], str]] = {
    "cost": (("effective_cost_usd", "effective_cost", "cost"), "'Cost' means effective cost (amortized, after discounts; FOCUS EffectiveCost). Ask for billed cost for the invoice view."),
    "spend": (("effective_cost_usd", "effective_cost", "cost"), "'Spend' means effective cost (amortized, after discounts; FOCUS EffectiveCost). Ask for billed cost for the invoice view."),
    "utilization": (("sm_utilization", "utilization", "sm_active"), "Utilization means SM activity (DCGM SM_ACTIVE), the true busy measure."),
}


def generic_senses(phrase: str, targets: set[str]) -> tuple[str, str] | None:
    """The standard metric for a generic `phrase` among `targets`, with the note to state; else None.

    >>> generic_senses("cost", {"effective_cost", "billed_cost"})[0]
    'effective_cost'
    >>> generic_senses("usage", {"a", "b"}) is None
    True
    """
    sense = _SENSES.get(phrase.strip())
    if sense is None:
        return None
    for name in sense[0]:
        if name in targets:
            return name, sense[1]
    return None


# Vague words that name no single metric: asked alone, they get a clarifying question with these options.
VAGUE: dict[str, tuple[str, ...]] = {
    "cost": ("effective_cost_usd", "billed_cost_usd", "list_cost_usd"),
    "spend": ("effective_cost_usd", "billed_cost_usd", "list_cost_usd"),
    "usage": ("allocated_hours", "busy_hours", "utilization_pct"),
    "use": ("allocated_hours", "busy_hours", "utilization_pct"),
    "efficiency": ("utilization_pct", "sm_activity_pct", "cost_per_busy_hour_usd", "effective_savings_rate_pct"),
    "efficient": ("utilization_pct", "sm_activity_pct", "cost_per_busy_hour_usd", "effective_savings_rate_pct"),
    "performance": ("latency_p95_ms", "inference_error_rate_pct", "job_failure_rate_pct", "utilization_pct"),
    # 'how is atlas doing?', 'how healthy is the fleet?': a state of things, asked without a measure
    "doing": ("effective_cost_usd", "utilization_pct", "job_failure_rate_pct", "incidents"),
    "health": ("utilization_pct", "job_failure_rate_pct", "inference_error_rate_pct", "incidents"),
    "healthy": ("utilization_pct", "job_failure_rate_pct", "inference_error_rate_pct", "incidents"),
    "capacity": ("installed_accelerators", "installed_capacity_hours", "capacity_allocated_pct"),
    # how hard the fleet works: the device's activity (DCGM) or the fleet's allocation; the documents do not settle it
    "saturated": ("sm_activity_pct", "utilization_pct", "capacity_allocated_pct"),
    "saturation": ("sm_activity_pct", "utilization_pct", "capacity_allocated_pct"),
    "load": ("utilization_pct", "sm_activity_pct", "capacity_allocated_pct"),
    "loaded": ("utilization_pct", "sm_activity_pct", "capacity_allocated_pct"),
    "headroom": ("avg_memory_free_gib", "quota_headroom_hours", "capacity_allocated_pct"),
}

# Assistant-side phrasings for catalog metrics (candidates to move into the catalog's synonyms).
ALIASES: dict[str, str] = {
    "how busy": "utilization_pct",
    "utilized": "utilization_pct",
    "list price": "list_cost_usd",
    "covered by commitment": "commitment_coverage_pct",
    "waiting for a decision": "requests_pending",
    "asked for": "accelerators_requested",
    "accelerators requested": "accelerators_requested",
    "accelerator requested": "accelerators_requested",
    "wasted": "idle_cost_usd",
    "95th percentile queue wait": "queue_wait_p95_minutes",
    "queue wait p95": "queue_wait_p95_minutes",
    "inference error rate": "inference_error_rate_pct",
    "idle": "idle_hours",
    "approval take": "approval_lead_time_hours",
    "approvals take": "approval_lead_time_hours",
}

# Verbs that are also dimension values ('submitted' is a request status): dropped, not used as a
# filter, when the metric cannot be filtered by that dimension.
VERB_VALUES: frozenset[str] = frozenset({"submitted", "requested", "approved", "served", "completed", "active"})

# A count filtered to one state is the dedicated metric for that state: same number overall, and a
# split keeps the groups whose count is zero ("preempted jobs per cluster" lists on-prem clusters at 0).
STATE_METRICS: dict[tuple[str, str, str], str] = {
    ("jobs", "job_state", "failed"): "failed_jobs",
    ("jobs", "job_state", "preempted"): "preemptions",
    ("requests_submitted", "request_status", "denied"): "requests_denied",
}

PRESENTATION_WORDS: frozenset[str] = frozenset("serie series chart plot graph table list number numbers figure view".split())
"""'as a daily series', 'as a table': how to show the answer, not what to compute."""

KNOWN_WORDS: frozenset[str] = STOPWORDS | SHAPE_WORDS | PRESENTATION_WORDS | frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    last past previous since between through until before after this next ago
    hourly daily weekly monthly quarterly yearly annual
    highest lowest largest smallest biggest fewest best worst maximum minimum median percentile
    went go goe gone belong belonged account accounted represent represented made make take took taken
    cause caused causing due because reason triggered trigger result resulted led lead
    drop remove clear filter filtered unfiltered budget budgeted target planned
    watt kilowatt megawatt
    fall fell falls rise rose risen grow grew grown growth increase increased decrease decreased jump jumped climb climbed
    wait waits waited waiting queued queueing decline declined shrink shrank fortnight weekend half full complete whole entire couple busiest slowest fastest quickest
    longest shortest runner weekday weekdays weekends workday workdays business overnight night morning afternoon evening
    """.split()
)
"""Words the planner understands outside the catalog: typo correction may read an unknown word as one."""

FUTURE_WORDS: frozenset[str] = frozenset("forecast forecasted forecasting predict predicted prediction projected projection next upcoming coming".split())
"""Words that ask about the future: the catalog measures the past, so the planner says what exists instead."""

# Statistic words -> the aggregation they ask for. A metric aggregated another way is never used for them.
STATISTIC_WORDS: dict[str, str] = {
    "average": "avg", "avg": "avg", "mean": "avg",
    "median": "p50", "p50": "p50", "typical": "p50", "50th": "p50",
    "p90": "p90", "90th": "p90", "p95": "p95", "95th": "p95",
}
STATISTIC_NAMES: dict[str, str] = {"avg": "mean", "p50": "median", "p90": "90th percentile", "p95": "95th percentile"}

MONEY_WORDS: frozenset[str] = frozenset("money cash dollars dollar bucks".split())
"""'Which team wasted the most money on idle GPUs': these restate any metric measured in USD."""
KNOWN_WORDS |= MONEY_WORDS  # 'burning the most cash' is no typo of 'case'
DURATION_WORDS: frozenset[str] = frozenset("long duration take took taking".split())
"""'How long did approvals take?': these restate any metric measured in a time unit."""
TIME_UNITS: frozenset[str] = frozenset({"hours", "minutes", "ms", "seconds", "days"})

# Unit words ("in dollars", "in kWh") -> the unit a metric must carry; folded (singular) forms.
UNIT_WORDS: dict[str, str] = {
    "dollar": "USD", "usd": "USD", "$": "USD", "buck": "USD", "kwh": "kWh", "kilowatt hour": "kWh", "mwh": "kWh",
    "percent": "%", "percentage": "%", "%": "%", "pct": "%", "hour": "hours", "minute": "minutes",
    "millisecond": "ms", "ms": "ms", "token": "tokens", "gb": "GB", "gigabyte": "GB", "gib": "GiB", "gibibyte": "GiB",
    "second": "seconds", "sec": "seconds", "mwh": "MWh", "megawatt hour": "MWh", "tb": "TB", "terabyte": "TB",
    "thousand": "thousands", "million": "millions", "day": "days", "thousand of dollar": "thousands", "million of dollar": "millions",
    "thousand of usd": "thousands", "million of usd": "millions",
    "watt": "W", "kilowatt": "kW", "kw": "kW", "megawatt": "MW", "mw": "MW",  # power (DCGM POWER_USAGE is in W)
    **{w: u for u, ws in {  # planner.units: the rest of the units pace converts between (semantic_layer.derived)
        "MB": "mb,megabyte", "MiB": "mib,mebibyte", "TiB": "tib,tebibyte", "Wh": "wh,watt hour", "GWh": "gwh,gigawatt hour",
        "fraction": "fraction,decimal", "thousands": "$k,k$,kusd,k usd,thousand dollar,thousand usd",
        "millions": "$m,$mm,m$,musd,mm usd,million dollar,million usd", "billions": "billion,$b,$bn,billion dollar",
    }.items() for w in ws.split(",")},
}
KNOWN_WORDS |= frozenset(w for phrase in UNIT_WORDS for w in phrase.split() if w.isalpha()) | frozenset(VAGUE) | frozenset(
    "more less fewer".split())
"""Unit and comparative words are real words: 'as a decimal' is no typo of 'denials', 'more' none of 'core' (tensor cores)."""
