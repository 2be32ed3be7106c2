"""What a free-text report states about impact, and the severity that alone would justify.

Warehouse data cannot see a customer timeout or an Xid in a node's kernel log, so a report that names
them must count: "XID 79 on node gpu-a17, customers are seeing timeouts, p95 tripled" is a node lost
and customers hurt, whatever the job tables say. The report is untrusted text: it is only read here,
never put into SQL, and every fragment it contributes is quoted verbatim in the draft (as data, not
as a number pace measured).

Rules live in tools/rules/severity.yaml (`stated`) and tools/rules/xid.yaml (NVIDIA's Xid meanings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.triage_rules import Decision, load_rules

_CUSTOMER = re.compile(r"\b(customers?|users?|clients?|end[- ]users?|customer[- ]facing|user[- ]facing)\b", re.I)
_HURT = re.compile(r"\b(time ?outs?|timing out|errors?|5\d\d|5xx|outage|down|unavailable|failing|failures?|slow|latency)\b", re.I)
_SLO = re.compile(r"\b(slo|sla)s?\b[^.,;]*?\b(breach\w*|violat\w*|miss\w*|burn\w*|broken|blown)\b|\berror budget\b", re.I)
_XID = re.compile(r"\bxids?\s*[:#-]?\s*(\d{1,3}(?:\s*(?:,|and|/)\s*\d{1,3})*)", re.I)
_WORD_TIMES = {"doubled": 2.0, "tripled": 3.0, "quadrupled": 4.0, "tenfold": 10.0}
_LATENCY = re.compile(
    r"\b(p9[05]|p99|p50|latency)\b[^.,;]*?\b(?:(doubled|tripled|quadrupled|tenfold)|(?:up\s*)?(\d+(?:\.\d+)?)\s*(?:x|times)\b)",
    re.I)
_GPUS = re.compile(r"\b(\d{1,5})\s*(?:x\s*)?(?:[A-Z]\d{2,3}\s*)?(?:gpus?|accelerators?)\b", re.I)
_JOBS = re.compile(r"\b(\d{1,6})\s+(?:(?:failed|failing|training|batch|evaluation|inference)\s+)?jobs?\b", re.I)


@dataclass
class Xid:
    code: int
    meaning: str
    cls: str
    action: str


@dataclass
class Stated:
    """Impact the report states, each with the fragment of text it came from."""

    customer_facing: bool = False
    slo_breach: bool = False
    latency_multiplier: float | None = None
    xids: list[Xid] = field(default_factory=list)
    gpus_affected: int | None = None
    jobs_affected: int | None = None
    fragments: dict[str, str] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.fragments)


def _clause(text: str, start: int, end: int) -> str:
    """The comma- or period-delimited clause around a match, as the reader wrote it."""
    left = max(text.rfind(c, 0, start) for c in ",.;\n") + 1
    rights = [i for i in (text.find(c, end) for c in ",.;\n") if i != -1]
    return text[left: min(rights) if rights else len(text)].strip()


def parse(text: str) -> Stated:
    """The impact a report states (nothing here is measured)."""
    s = Stated()
    codes = load_rules("xid")["codes"]
    for clause in re.split(r"[,.;\n]", text):
        if _CUSTOMER.search(clause) and _HURT.search(clause):
            s.customer_facing = True
            s.fragments.setdefault("customer_facing", clause.strip())
    if m := _SLO.search(text):
        s.slo_breach = True
        s.fragments["slo_breach"] = _clause(text, m.start(), m.end())
    if m := _LATENCY.search(text):
        s.latency_multiplier = _WORD_TIMES[m[2].lower()] if m[2] else float(m[3])
        s.fragments["latency_multiplier"] = _clause(text, m.start(), m.end())
    for m in _XID.finditer(text):
        for code in (int(c) for c in re.findall(r"\d{1,3}", m[1])):
            info: dict[str, Any] = codes.get(code) or {"meaning": "not in pace's Xid table", "class": "unknown",
                                                       "action": "look it up in NVIDIA's Xid catalog"}
            s.xids.append(Xid(code, info["meaning"], info["class"], info["action"]))
        s.fragments.setdefault("xid", m[0].strip())
    if m := _GPUS.search(text):
        s.gpus_affected = int(m[1])
        s.fragments["gpus_affected"] = m[0].strip()
    if m := _JOBS.search(text):
        s.jobs_affected = int(m[1])
        s.fragments["jobs_affected"] = m[0].strip()
    return s


WORDS = {
    "customer_facing": "customer-facing errors or timeouts",
    "slo_breach": "an SLO breach",
    "customer_and_slo": "customer-facing errors with an SLO breach",
    "latency_multiplier": "a stated latency increase",
    "xid_class": "an Xid of class",
    "gpus_affected": "GPUs stated affected",
    "jobs_affected": "jobs stated affected",
}


def stated_severity(s: Stated, rules: list[dict[str, Any]] | None = None) -> Decision | None:
    """The first `stated` level (most urgent first) any of whose conditions the report meets; None when
    the report states nothing the rubric weighs."""
    rules = rules if rules is not None else load_rules("severity").get("stated", [])
    for lv in rules:
        hits = []
        if lv.get("customer_and_slo") and s.customer_facing and s.slo_breach:
            hits.append(WORDS["customer_and_slo"])
        if lv.get("customer_facing") and s.customer_facing:
            hits.append(WORDS["customer_facing"])
        if lv.get("slo_breach") and s.slo_breach:
            hits.append(WORDS["slo_breach"])
        if "latency_multiplier" in lv and (s.latency_multiplier or 0) >= float(lv["latency_multiplier"]):
            hits.append(WORDS["latency_multiplier"])
        for x in s.xids:
            if x.cls in lv.get("xid_class", []):
                hits.append(f"`Xid {x.code}` ({x.meaning}: {x.cls.replace('_', ' ')})")  # quoted: the code is data
        for key in ("gpus_affected", "jobs_affected"):
            if key in lv and (getattr(s, key) or 0) >= int(lv[key]):
                hits.append(WORDS[key])
        if hits:
            return Decision(lv["level"], "the report states " + "; ".join(dict.fromkeys(hits)))
    return None
