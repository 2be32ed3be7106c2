"""Job questions in the words of Slurm users and ML engineers, read as Slurm's job states.

People say what happened to a job, not its state code: it 'crashed', 'got OOM-killed', 'timed out',
'was scancel'd', 'got bumped'. Each phrase below is rewritten to the state's own words before the
question is parsed, so the value matcher (planner.value_forms) places it as that state, and the
answer states the reading. The meanings come from sacct(1) / squeue(1) JOB STATE CODES:

- OUT_OF_MEMORY "experienced out of memory error"; TIMEOUT "terminated upon reaching its time
  limit"; NODE_FAIL "terminated due to failure of one or more allocated nodes"; BOOT_FAIL "terminated
  due to launch failure"; DEADLINE "terminated on deadline"; PREEMPTED "terminated due to preemption";
  CANCELLED "explicitly cancelled by the user or system administrator" (scancel); COMPLETED
  "terminated all processes on all nodes with an exit code of zero"; FAILED "terminated with non-zero
  exit code or other failure condition"; PENDING "awaiting resource allocation".
- A reason wins over the verb: 'killed for running out of memory' is OUT_OF_MEMORY, not CANCELLED;
  'killed by preemption' is PREEMPTED; 'killed at the time limit' is TIMEOUT.
- 'Crashed', 'died', 'blew up', 'errored' are failures: read as 'failed', which pace answers with its
  failed-jobs definition (Slurm FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL, DEADLINE; the
  answer states the rule). 'Killed' alone is CANCELLED (scancel kills a job).
- 'Finished' and 'ended' stay time verbs (planner.job_times: End in the period, any state);
  'succeeded' / 'finished successfully' are COMPLETED. A 'success rate' is not rewritten: pace has no
  such metric, and 'completed' is not a rate.

Only in a question about jobs (it names jobs, runs or Slurm, or follows one): 'how many GPUs died' is
not a job state.
"""

from __future__ import annotations

import re
from typing import Any

from semantic_layer.query import Filter

_BY = (r"(?:(?:for|because\s+of|due\s+to|from|by|with|on|at|after)\s+(?:an?\s+|the\s+|their\s+|its\s+)?"
       r"|(?:because|when|as|after)\s+(?:they|it|the\s+jobs?)\s+(?:had\s+|got\s+)?)")
_KILLED = r"(?:(?:got|get|gets|were|was|been|being|are|is)\s+)?(?:killed|terminated|died|crashed|failed|dying|crashing|stopped|aborted|evicted|cancell?ed)\s+"
_JOBS = re.compile(r"\b(?:jobs?|runs?|sbatch|srun|slurm|sacct|squeue|workloads?|experiments?)\b|\bjob_\w+", re.I)

RULES: tuple[tuple[str, str, str], ...] = (
    # (pattern, the state's words, the state as the note names it); the first rule to match a span wins
    (_KILLED + _BY + r"(?:(?:running|ran|run|went)\s+out\s+of\s+memory|out[\s-]+of[\s-]+memory(?:\s+errors?)?|ooms?(?:[\s-]+(?:killer|kills?|errors?))?"
     r"|(?:exceeding\s+(?:their|its|the)\s+)?memory(?:\s+limits?)?)\b", "out of memory", "OUT_OF_MEMORY"),
    (r"\b(?:ran|run|runs|running|went|go|going)\s+out\s+of\s+memory\b|\bout[\s-]+of[\s-]+memory(?:[\s-]+(?:killed|kills?|errors?))?\b|\boom[\s-]*(?:killed|kills?|'d|ed)\b"
     r"|\booms?\b|\bexceeded\s+(?:their|its|the)\s+memory(?:\s+limits?)?\b", "out of memory", "OUT_OF_MEMORY"),
    (_KILLED + _BY + r"(?:hitting\s+|reaching\s+|exceeding\s+)?(?:the\s+|their\s+|its\s+)?(?:time\s*limits?|wall[\s-]?(?:clock\s+)?time(?:\s+limits?)?"
     r"|wall[\s-]?clock\s+limits?|time[\s-]?outs?|(?:hit|reached|exceeded|ran\s+past|ran\s+over)\s+(?:the\s+|their\s+|its\s+)?"
     r"(?:time\s*limits?|wall[\s-]?(?:clock\s+)?time(?:\s+limits?)?)|ran\s+out\s+of\s+time)\b", "timeout", "TIMEOUT"),
    (r"\btimed[\s-]*out\b|\b(?:hit|hitting|reached|reaching|exceeded|exceeding|ran\s+past|ran\s+over|went\s+over)\s+(?:the\s+|their\s+|its\s+)?"
     r"(?:time\s*limits?|wall[\s-]?(?:clock\s+)?time(?:\s+limits?)?)\b|\bran\s+out\s+of\s+time\b|\btime[\s-]?outs?\b", "timeout", "TIMEOUT"),
    (_KILLED + _BY + r"(?:node|host|machine|server)s?\s+(?:failures?|crash(?:es|ed)?|going\s+down|died|fail(?:ed|ing|s)?|outages?)\b"
     r"|\bnode[\s_-]*fail(?:ures?|ed|s)?\b|\bnode\s+crash(?:es|ed)?\b", "node fail", "NODE_FAIL"),
    (r"\bboot[\s_-]*fail(?:ures?|ed|s)?\b|\bfailed\s+to\s+(?:launch|boot)\b", "boot fail", "BOOT_FAIL"),
    (r"\b(?:missed|hit|reached|passed)\s+(?:the\s+|their\s+|its\s+)?deadlines?\b", "deadline", "DEADLINE"),
    (_KILLED + r"(?:by|for|because\s+of|due\s+to)\s+(?:a\s+)?(?:preemption|higher[\s-]priority\s+(?:jobs?|work)|preempting\s+jobs?)\b"
     r"|\bpre-empted\b|\b(?:got\s+|were\s+|was\s+)?(?:bumped|evicted|kicked\s+off)\b", "preempted", "PREEMPTED"),
    (r"\b(?:got\s+|were\s+|was\s+)?(?:scancel(?:l?ed|'d|s)?|cancel(?:s|ing|ling)?|canceled|kill(?:ed|s|ing)?)\b", "cancelled", "CANCELLED"),
    # an ML 'run' is a job ('training runs that died'): the noun after a workload or a determiner, never the verb
    (r"\b(training|fine[\s-]tuning|evaluation|eval|experiment|inference|batch|how\s+many|our|my|the|all|of|which)\s+runs\b", r"\1 jobs", "jobs"),
    (r"\b(?:crash(?:ed|es|ing)?|died|dies|die|dying|blew\s+up|blown\s+up|blowing\s+up|errored(?:\s+out)?|error(?:ed|ing)?\s+out|bombed(?:\s+out)?|fell\s+over)\b",
     "failed", "a failure"),
    # 'finished successfully yesterday': COMPLETED, and 'finished' stays the time verb (End in the period)
    (r"\b(finished|ended|ending|finishing)\s+(?:successfully|ok|fine|cleanly|without\s+(?:an?\s+)?errors?)\b", r"\1 completed", "COMPLETED"),
    (r"\b(?:succeeded|succeed|successful(?:ly)?|success(?:es)?|ran\s+to\s+completion|completed\s+(?:successfully|ok|fine|cleanly))\b"
     r"(?!\s+(?:rate|ratio|share|percentage|fraction))", "completed", "COMPLETED"),
    (r"\b(?:stuck|sitting|waiting|still\s+waiting|still\s+queued|queued\s+up)\s+(?:in\s+(?:the\s+)?(?:queue|pending)|to\s+(?:start|run|be\s+scheduled)"
     r"|pending)\b|\b(?:are|is)\s+(?:still\s+)?(?:stuck|queued|waiting)\b(?!\s+(?:for|on)\b)", "pending", "PENDING"),
)
_COMPILED = tuple((re.compile(p, re.I), words, state) for p, words, state in RULES)
_FAILED_NOTE = ("Read '{said}' as a failed job: pace counts a job as failed when it ended in Slurm state FAILED, TIMEOUT, "
                "OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL or DEADLINE.")
# 'GPU-hours used by jobs', 'accelerator hours of failed jobs': the jobs' own accelerator-hours (sacct AllocTRES x Elapsed),
# not the fleet's allocated hours beside a count of jobs. One qualifying word may sit before 'jobs' and is kept.
_JOB_HOURS = re.compile(r"\b(?:gpu|accelerator)[\s-]*hours?\s+(?:(?:used|consumed|burned|burnt|spent|taken|eaten|lost|wasted)\s+)?(?:by|of|for|in|on|across|to)\s+"
                        r"(?:the\s+|our\s+|all\s+|those\s+)?(?:(?P<what>[a-z]+)\s+)??jobs\b"
                        r"|\b(?:gpu|accelerator)[\s-]*hours?\s+(?:did|do|does|have|had)\s+(?:the\s+|our\s+|all\s+)?(?:(?P<what2>[a-z]+)\s+)??jobs\s+"
                        r"(?:use|used|consume|consumed|burn|burned|take|took|eat|ate)\b"
                        r"|\bjobs?'?\s*(?:s\s+)?(?:gpu|accelerator)[\s-]*hours?\b", re.I)
# A split or filter only Slurm jobs record (sacct User, Partition, QOS): 'GPU-hours by user' can only be the jobs' hours.
_JOB_ONLY = re.compile(r"\b(?:by|per|each|every|for\s+each|which|what|the|top(?:\s+\d+)?|bottom(?:\s+\d+)?|across)\s+(?:the\s+)?"
                       r"(?:users?|user\s*names?|partitions?|qos|quality\s+of\s+service)\b", re.I)
_HOURS = re.compile(r"\b(?:gpu|accelerator)[\s-]*hours?\b", re.I)
_JOBS = re.compile(_JOBS.pattern + r"|" + _JOB_ONLY.pattern, re.I)


# 'jobs that ran longer than 24 hours', 'jobs with a wall time over 2 days': a threshold on each job's run time (sacct Elapsed).
# Only 'longer than' / 'over' / 'more than': a job at exactly the threshold is not over it, and 'long-running' alone names
# no threshold, so it stays unplaced and the planner asks rather than picking one.
_UNITS = {"h": 1.0, "hr": 1.0, "hrs": 1.0, "hour": 1.0, "hours": 1.0, "d": 24.0, "day": 24.0, "days": 24.0,
          "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60}
_OVER = r"(?:longer\s+than|more\s+than|over|above|beyond|exceeding|in\s+excess\s+of|>)\s*"
_AMOUNT = r"(?P<n>\d+(?:\.\d+)?|an?|one|two|three)\s*(?P<unit>hours?|hrs?|h|days?|d|minutes?|mins?)\b"
_COUNTS = {"a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0}
_RUN_OVER = (
    re.compile(r"\bjobs?\s+(?P<mid>(?:per|by|for\s+each|on|in|from|of)\s+[\w-]+\s+)?(?:that\s+|which\s+)?(?:(?:ran|run|running|lasted|lasting|took|taking|went|were\s+running)\s+(?:for\s+)?)?"
               + _OVER + _AMOUNT + r"(?:\s+(?:long|to\s+run|of\s+(?:run\s*time|wall\s*time|elapsed\s+time)))?", re.I),
    re.compile(r"\bjobs?\s+(?:with|having|whose)\s+(?:an?\s+|the\s+|their\s+)?(?:run\s*time|wall\s*(?:clock\s+)?time|elapsed(?:\s+time)?"
               r"|duration)\s+(?:(?:is|was|of)\s+)?" + _OVER + _AMOUNT, re.I),
)
FAILED_METRIC = "failed_jobs"
"""The catalog's failure count (six Slurm states); a question naming the FAILED code asks for that one state."""
THRESHOLD_METRIC = "jobs_over_run_hours"
"""The job count with a run-time threshold (its measure's parameter `min_run_hours`)."""


def run_over(question: str) -> tuple[str, float, str] | None:
    """(the question with the run-time threshold written as the thresholded job count, the hours, what was said).

    >>> run_over("how many jobs ran longer than 2 days last week")[:2]
    ('how many jobs over run hours last week', 48.0)
    >>> run_over("how many long-running jobs last week") is None
    True
    """
    m = next((m for m in (p.search(question) for p in _RUN_OVER) if m is not None), None)
    if m is None:
        return None
    n = m.group("n").lower()
    hours = (_COUNTS[n] if n in _COUNTS else float(n)) * _UNITS[m.group("unit").lower()]
    mid = (m.groupdict().get("mid") or "").strip()  # 'jobs per team ran longer than ...': the split stays
    return question[: m.start()] + " ".join(["jobs over run hours", mid]).strip() + question[m.end():], hours, " ".join(m.group(0).split())


def with_readings(plan: Any, notes: list[str], readings: list[Reading]) -> Any:
    """The plan of a rewritten question, with the readings stated and a run-time threshold set as the metric's parameter."""
    if getattr(plan, "kind", None) != "query" or plan.query is None:
        return plan
    query = plan.query
    if any("state code for FAILED" in n for n in notes) and query.metrics == [FAILED_METRIC]:
        # 'state F' is Slurm's FAILED state only; the failed-jobs metric would add TIMEOUT, OUT_OF_MEMORY, NODE_FAIL...
        order = [o.model_copy(update={"field": "jobs"}) if o.field == FAILED_METRIC else o for o in query.order_by]
        flt = Filter(dimension="job_state", operator="=", values=["failed"])
        query = query.model_copy(update={"metrics": ["jobs"], "order_by": order, "filters": [*query.filters, flt]})
    hours = [float(state.split(":", 1)[1]) for _, state in readings if state.startswith("threshold:")]
    if hours and THRESHOLD_METRIC in query.metrics:
        query = query.model_copy(update={"parameters": {**query.parameters, "min_run_hours": hours[0]}})
    return plan.model_copy(update={"query": query, "notes": [*notes, *reading_notes(readings, query), *plan.notes]})


def about_jobs(question: str, catalog: Any = None) -> bool:
    """Whether the question names jobs, runs or Slurm (a state verb elsewhere means something else), or a job metric by
    its catalog name (another rule may have written 'p95 queue wait for jobs' as `queue_wait_p95_minutes`)."""
    if _JOBS.search(question):
        return True
    from assistant.planner.job_times import on_jobs

    named = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", question))
    return any(name in getattr(catalog, "metrics", {}) and on_jobs(catalog, name) for name in named)


Reading = tuple[str, str]
"""(what the question said, the Slurm state it was read as, or 'failed' for a failure word)."""


def state_words(question: str) -> tuple[str, list[Reading]]:
    """The question with each everyday phrase for a job's end written as its Slurm state, and what was read as what.

    >>> state_words("how many jobs got killed for running out of memory yesterday")[0]
    'how many jobs out of memory yesterday'
    >>> state_words("jobs that crashed last week")[0]
    'jobs that failed last week'
    >>> state_words("what is the job success rate")[0]
    'what is the job success rate'
    >>> state_words("gpu hours used by crashed jobs")[0]
    'job gpu hours for failed'
    """
    readings: list[Reading] = []
    taken: list[tuple[int, int]] = []
    edits: list[tuple[int, int, str]] = []
    for pattern, words, state in _COMPILED:
        for m in pattern.finditer(question):
            if any(s < m.end() and m.start() < e for s, e in taken) or m.group(0).strip().lower().replace("_", " ") == words:
                continue
            taken.append(m.span())
            edits.append((m.start(), m.end(), m.expand(words) if "\\" in words else words))
            readings.append((" ".join(m.group(0).split()), state))
    for start, end, words in sorted(edits, reverse=True):
        question = question[:start] + words + question[end:]
    hours = [m for m in _JOB_HOURS.finditer(question) if " ".join(m.group(0).lower().split()) != "job gpu hours"]
    if (over := run_over(question)) is not None:
        question = over[0]
        readings.append((over[2], f"threshold:{over[1]:g}"))
    kind = "hours"
    if not hours and _JOB_ONLY.search(question) and not re.search(r"\b(?:jobs?|request\w*)\b", question, re.I):
        hours, kind = list(_HOURS.finditer(question)), "hours by a job's own attribute"
    for m in reversed(hours):
        what = m.groupdict().get("what") or m.groupdict().get("what2")
        question = question[: m.start()] + ("job gpu hours" + (f" for {what}" if what else "")) + question[m.end():]
        readings.append((" ".join(m.group(0).split()), kind))
    return question, list(dict.fromkeys(readings))


def reading_notes(readings: list[Reading], query: Any) -> list[str]:
    """What the answer says about each reading; a failure word names the states the answer actually counted."""
    filtered = {str(v) for f in getattr(query, "filters", []) if f.dimension == "job_state" for v in f.values}
    notes = []
    for said, state in readings:
        if state.startswith("threshold:"):
            notes.append(f"Read '{said}' as jobs whose run time (Slurm Elapsed, start to end) was over {state.split(':', 1)[1]} hours.")
        elif state.startswith("hours"):
            why = ": only Slurm jobs record a user, partition or QOS" if state != "hours" else ""
            notes.append(f"Read '{said}' as the jobs' own accelerator-hours (accelerators x run time, Slurm AllocTRES x Elapsed){why}.")
        elif state == "jobs":
            notes.append(f"Read '{said}' as jobs (a run is one Slurm job).")
        elif state != "a failure":
            notes.append(f"Read '{said}' as Slurm job state {state} (sacct JOB STATE CODES).")
        elif "failed" in filtered:
            notes.append(f"Read '{said}' as Slurm job state FAILED (a non-zero exit or other failure; TIMEOUT, OUT_OF_MEMORY and "
                         "NODE_FAIL are states of their own).")
        elif any("fail" in m for m in getattr(query, "metrics", [])):  # the failure metric's own rule names the states
            notes.append(f"Read '{said}' as a failed job.")
        else:
            notes.append(_FAILED_NOTE.format(said=said))
    return notes


__all__ = ["RULES", "THRESHOLD_METRIC", "Reading", "about_jobs", "reading_notes", "run_over", "state_words", "with_readings"]
