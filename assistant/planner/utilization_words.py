"""Everyday words for how hard accelerators work, read as the DCGM measure their documentation supports.

NVIDIA's DCGM field identifiers (docs/ingest.md, docs/field-measures.md) say what each field measures:
GPU_UTIL is the share of time any kernel ran; GR_ENGINE_ACTIVE the share of time the compute engine was
active (pace's busy hours and `utilization_pct`); SM_ACTIVE the share of cycles the SMs had work
assigned, averaged over all SMs, so a GPU running one small kernel is 'busy' but barely working. So:

- 'how hard are the GPUs working', 'how much are they pushed' ask for intensity: SM activity.
- 'underused', 'underutilized' ask for low utilization (the catalog's 'utilization': busy share of
  allocated time), 'overused', 'overutilized' for high; with 'which' they rank.
- 'sitting idle', 'sat idle', 'left idle', 'doing nothing' are plain 'idle'.
- 'headroom on GPU memory', 'spare memory', 'memory left' are free framebuffer memory (FB_FREE).
- 'how full is X' asks what percent of X's capacity is used (general English).

Words with two readings the documents do not settle ('saturated', 'load', 'headroom' alone: the
device's activity or the fleet's allocation) stay vague: the planner asks which (words.VAGUE).
"""

from __future__ import annotations

import re

from assistant.planner.plan import PlannerPlan

_DEVICES = r"(?:the\s+|our\s+|its\s+|their\s+|my\s+)?(?:gpus?|accelerators?|cards?|chips?|devices?|h100s?|h200s?|a100s?|nodes?|fleet|cluster)"
_IDLE = (r"(?:that\s+|which\s+)?(?:were\s+|was\s+|have\s+been\s+)?(?:(?:(?:sitting|sat|sit|sits|standing|stood|left|lying|lay|lie)\s+){1,2}(?:around\s+)?idle|"
         r"doing\s+nothing|going\s+unused|went\s+unused)\b")
_REWRITES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(rf"\bhow\s+hard\s+(?:are|is|were|was|do|did)\s+(?:{_DEVICES}\s+|we\s+|they\s+|you\s+)?(?:being\s+)?"
                r"(?:work(?:ing|ed)?|push(?:ed|ing)?|driven|run(?:ning)?|utili[sz]ed|used|hit)\b", re.I),
     "what is the sm activity of",
     "'how hard ... working' read as SM activity (DCGM SM_ACTIVE: the share of cycles the SMs had work), "
     "the measure of how much of each GPU was in use; 'how busy' is the busy share of time (`utilization_pct`)."),
    (re.compile(rf"\b(?:most\s+)?(?:under[- ]?used|under[- ]?using|under[- ]?use|under[- ]?utili[sz](?:ed|ing|e)|"
                rf"under[- ]?utili[sz]ation|least\s+utili[sz]ed)\b(?:\s+{_DEVICES}\b)?", re.I),  # 'least used': fewest hours?
     "with the lowest utilization", "'underused' read as the lowest utilization (busy share of allocated accelerator-hours)."),
    (re.compile(rf"\b(?:most\s+)?(?:over[- ]?used|over[- ]?using|over[- ]?utili[sz](?:ed|ing|e)|most\s+utili[sz]ed)\b"
                rf"(?!\s+(?:quota|budget))(?:\s+{_DEVICES}\b)?", re.I),
     "with the highest utilization", "'most utilized' read as the highest utilization (busy share of allocated accelerator-hours)."),
    (re.compile(rf"\b(?:what\s+)?(?:percent(?:age)?|share|fraction|proportion|portion|how\s+much)\s+of\s+(?:the\s+)?time\s+"
                rf"(?:that\s+)?(?:(?:were|was|are|is|did)\s+)?(?:{_DEVICES}\s+)?(?:(?:were|was|are|is|spent)\s+)?"
                rf"(?:busy|in\s+use|working|doing\s+work)\b", re.I),
     "utilization", "'share of the time busy' read as utilization: the busy share of allocated accelerator-hours."),
    (re.compile(r"\b(?:host|node|server|machine|cpu)\s+(?:memory|ram)\b", re.I), "system memory", ""),  # not the GPUs': Slurm MaxRSS
    (re.compile(r"\bhow\s+full\s+(?:is|was|are|were|has\s+been|did)\s+(?:the\s+|our\s+)?", re.I), "what percent of ", ""),  # of capacity
    (re.compile(rf"\b(?:gpu|accelerator)[- ]hours?\s+(?:were\s+|was\s+|have\s+been\s+)?{_IDLE}", re.I), "idle gpu hours", ""),
    (re.compile(rf"\b(gpus|accelerators|cards)\s+(?:were\s+|have\s+been\s+)?(?:{_IDLE}|idle)\s+(?:all|the\s+whole|the\s+entire|a\s+whole)\s+day\b",
                re.I), r"\1 idle all day", ""),  # 'GPUs sat idle all day' is the catalog's count; 'GPUs sat idle' alone (how long?) is left to ask
    (re.compile(r"\b(?:headroom|room|space|spare\s+capacity)(?:\s+\w+){0,4}?\s+(?:left\s+)?(?:on|in|of|for)\s+(?:the\s+)?"
                r"(?:gpu\s+|accelerator\s+|device\s+)?(?:memory|vram|hbm|framebuffer)\b|"
                r"\b(?:spare|available|remaining)\s+(?:gpu\s+|accelerator\s+)?(?:memory|vram|hbm)\b|"
                r"\b(?:memory|vram|hbm)\s+(?:left|remaining|available|to\s+spare)\b", re.I),
     "free gpu memory", "Memory headroom read as free framebuffer memory (DCGM FB_FREE)."),
)


_IDLE_COUNT = re.compile(rf"\bhow\s+many\s+(?:of\s+(?:the|our)\s+)?(?:gpus|accelerators|cards|devices)\s+(?:were\s+|are\s+|have\s+been\s+|got\s+)?"
                         rf"(?:{_IDLE}|idle)(?!\s+(?:all|the\s+whole|the\s+entire|a\s+whole)\s+day)", re.I)


def idle_count(question: str) -> PlannerPlan | None:
    """'how many GPUs sat idle yesterday': idle all day, or idle some of the time? Two catalog counts, so ask.

    >>> idle_count("how many gpus were idle yesterday").kind, idle_count("how many gpus were idle all day") is None
    ('clarify', True)
    """
    m = _IDLE_COUNT.search(question)
    if m is None:
        return None
    return PlannerPlan(kind="clarify", replaces=m.group(0), options=["how many GPUs were idle all day", "idle GPU-hours"], message=(
        f"'{m.group(0)}': GPUs idle for a whole day (every hour below the idle threshold), or the GPU-hours they spent "
        "idle? Which did you mean?"))


_CAPACITY = re.compile(r"\b(?:(?:gpu\s+|accelerator\s+|device\s+)?(?:memory|vram|hbm|framebuffer)\s+(?:capacity|size)|"
                       r"(?:capacity|size)\s+of\s+(?:the\s+|its\s+|their\s+)?(?:gpu\s+|accelerator\s+)?(?:memory|vram|hbm)|"
                       r"how\s+much\s+(?:gpu\s+|accelerator\s+)?(?:memory|vram|hbm)\s+(?:does|do|did|can)\b.{0,40}?\b(?:have|has|hold|come\s+with))",
                       re.I)


def memory_capacity(question: str) -> PlannerPlan | None:
    """'how much memory does an H100 have': a size, which no metric reports; never the memory in use instead.

    >>> memory_capacity("how much memory does an H100 have").kind, memory_capacity("how much memory did we use") is None
    ('abstain', True)
    """
    m = _CAPACITY.search(question)
    if m is None:
        return None
    return PlannerPlan(kind="abstain", confidence=0.0, suggestions=["Average memory used per accelerator by accelerator type last week",
                                                                     "Accelerator memory used by accelerator type last week"], message=(
        f"'{m.group(0)}' asks for a memory size: pace has no memory-capacity metric (each accelerator type's size is in its "
        "accelerator catalog, which no metric reports). The closest it has: the memory in use (GiB, `avg_memory_used_gb`) or "
        "in use as a share of capacity (`memory_used_pct`)."))


def ask_first(question: str) -> PlannerPlan | None:
    """A question whose everyday words need asking or a plain refusal before any metric is read."""
    return idle_count(question) or memory_capacity(question)


def everyday_utilization(question: str) -> tuple[str, list[str]] | None:
    """The question in catalog words and the notes to state; None when no everyday phrase is in it.

    >>> everyday_utilization("how hard are the GPUs working this month")[0]
    'what is the sm activity of this month'
    >>> everyday_utilization("which teams underuse their gpus")[0]
    'which teams with the lowest utilization'
    >>> everyday_utilization("how many gpu hours sat idle last week")[0]
    'how many idle gpu hours last week'
    >>> everyday_utilization("how hard did we push the accelerators")[0], everyday_utilization("gpu hours left sitting idle")[0]
    ('what is the sm activity of the accelerators', 'idle gpu hours')
    >>> everyday_utilization("spend last week") is None
    True
    """
    notes: list[str] = []
    out = question
    for pattern, plain, note in _REWRITES:
        new = pattern.sub(plain, out)
        if new != out:
            out = new
            notes += [note] if note else []
    return (out, notes) if out != question else None
