"""Every ops tool declared once: name, purpose, input and result models, the phrases that reach it,
its renderers. The faces and the agent derive from these specs:

- `assistant.intents` routes a question to a tool by the spec's `cues` and its own words (`keywords`, the
  subject, inside one of its `asks`, a request frame; `assistant.tool_words`), scored, in `SPECS` order;
- `assistant.toolbox.REGISTRY` (the graph's run_tool) calls the spec's `entry`;
- `pace <command>` exists for every spec (a hand-written command with richer flags where one is
  registered, else one generic `pace <command> [QUESTION] [--db] [--json]`);
- Slack's `/pace <command>` and its help text list every spec;
- the evals check `expect_tool` against the spec names and derive a routing case from each example.

Adding a tool is one module (its function `(settings, question, time_range) -> ToolAnswer`) plus one
`register(ToolSpec(...))`. This module stays light (no tool is imported here): faces read specs at
start-up, and `load()` imports the tool only when it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ToolInput(BaseModel):
    """What every tool accepts from a question-shaped face (agent, Slack, the generic CLI command)."""

    question: str = Field(default="", description="The words that asked for the tool; tools read options from them.")
    start: datetime | None = Field(default=None, description="Period start (inclusive); None for the tool's default.")
    end: datetime | None = Field(default=None, description="Period end (exclusive).")


@dataclass(frozen=True)
class ToolSpec:
    """One tool, declared once."""

    name: str
    """Registry key and intent name (`platform_review`)."""
    purpose: str
    """One line for `--help`, Slack's help and the agent's tool list."""
    entry: str
    """'module:function' with the signature `(settings, question, time_range) -> ToolAnswer`."""
    cues: str
    """A regex over the question: a match is a strong cue for this tool (weighed in `assistant.intents`)."""
    examples: tuple[str, ...]
    """Questions that must reach this tool (help text, and one eval routing case each)."""
    keywords: tuple[str, ...] = ()
    """The tool's subject in everyday and field words ('leak', 'red flag', 'runway'), stemmed when matched.
    With one of `asks`, they make a tool reading without a cue (scored in `assistant.tool_words`)."""
    asks: tuple[str, ...] = ()
    """How people ask for what the tool gives ('where could', 'will we', 'put together'): a request frame."""
    result_model: str = ""
    """'module:Class' of the tool's pydantic result (`ToolAnswer.result`)."""
    renderers: tuple[str, ...] = ("text", "table", "json")
    """Formats the tool's answer renders to in the faces."""
    input_model: type[BaseModel] = ToolInput
    command: str = ""
    """CLI and Slack subcommand; defaults to the name with '-' for '_'."""
    slack_usage: str = ""
    """The argument shown in Slack's help (`TEXT`), empty for none."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cli_name(self) -> str:
        return self.command or self.name.replace("_", "-")

    def load(self) -> Callable[..., Any]:
        """The tool function (imported on first use: tools are heavy)."""
        module, _, attr = self.entry.partition(":")
        return getattr(importlib.import_module(module), attr)


SPECS: dict[str, ToolSpec] = {}
"""Specs in routing order: on equal scores the earlier spec wins (see `assistant.intents.classify`)."""


class _Names(Sequence[str]):
    """The registered tool names, read live (a spec registered later is in it too)."""

    def __getitem__(self, index: Any) -> Any:
        return list(SPECS)[index]

    def __len__(self) -> int:
        return len(SPECS)

    def __repr__(self) -> str:
        return f"ToolNames({list(SPECS)!r})"


NAMES: Sequence[str] = _Names()


def register(spec: ToolSpec) -> ToolSpec:
    """Declare a tool (replacing a spec of the same name)."""
    SPECS[spec.name] = spec
    return spec


def specs() -> list[ToolSpec]:
    return list(SPECS.values())


def by_command(command: str) -> ToolSpec | None:
    """The spec whose CLI/Slack subcommand (or name) is `command`."""
    c = command.lower()
    return next((s for s in SPECS.values() if c in (s.cli_name, s.name)), None)


_TYPES = r"(h100|h200|a100|l40s|mi300x?|tpu\w*|inferentia\w*|jetson\w*)"

# before savings/forecast: "cheaper per million tokens than L40S" is a placement question, not a savings hunt
register(ToolSpec(
    name="platform_review", purpose="How a newly introduced accelerator type does against the incumbents",
    entry="tools.placement_tools:platform_review_tool", result_model="tools.platform_review:PlatformReview",
    cues=r"\b(pilot|platform[- ]review|new (\w+ )?(platform|accelerator|chip|hardware) (doing|going|paying off|working out)|"
         r"newly introduced|(rollout|roll-out|adoption) of (the )?\w+)\b",
    examples=("how is the MI300X pilot doing?",), slack_usage="TYPE",
    keywords=("pilot", "rollout", "roll out", "adoption", "trial", "new platform", "new accelerator", "new chip",
              "new hardware", "new gpu", "newly introduced", "onboarding", "introduction"),
    asks=("how is", "how s", "how are", "how has", "going", "doing", "paying off", "working out", "worth it", "verdict",
          "review", "performing", "stack up", "compare")))
register(ToolSpec(
    name="placement", purpose="Where to run a workload: accelerators ranked by cost, time and energy",
    entry="tools.placement_tools:placement_tool", result_model="tools.placement:Placement",
    cues=r"\b(where should ([\w-]+ ){1,2}(run|put|place|train|host|serve|fine[- ]?tune)|which (accelerator|gpu|chip|hardware|platform)s? "
         r"(should|to use|is (best|cheapest)|for)|best (accelerator|gpu|hardware|chip|platform) (for|to)|placement|"
         r"(cheaper|dearer|more expensive|cheapest) per (million|1m|m|thousand|billion|token)|"
         rf"(cheaper|dearer|faster) than (the )?{_TYPES}|\d+(\.\d+)?\s*[bt][- ](param\w*[- ])?(model[- ])?"
         r"(fine[- ]?tun\w*|pre[- ]?train\w*|train\w*) on|"
         r"(what if|what would happen if|what happens if|suppose|supposing|imagine|if we|should we) .{0,40}\b(mov\w*|shift\w*|migrat\w*|"
         rf"switch\w*|port\w*|put|run|ran) .{{0,40}}\b(to|onto|on) (the )?{_TYPES}s?)\b",
    examples=("where should we fine-tune a 7B model?", "what if we moved orion's training to H100s?"), slack_usage="QUESTION",
    keywords=("run", "place", "host", "train", "training run", "fine tune", "finetune", "fine tuning", "pretrain", "serve",
              "deploy", "workload", "training job"),
    asks=("where should", "where would", "where to", "best place", "best hardware", "best gpu for", "best accelerator for",
          "which accelerator should", "which gpu should", "which hardware should", "which chip should", "cheapest place",
          "recommend", "what hardware should", "what gpu should")))
register(ToolSpec(
    name="weekly", purpose="The executive weekly narrative, every number cited",
    entry="tools.drafting_tools:weekly_tool", result_model="tools.weekly:WeeklyReport",
    renderers=("md", "html", "slack", "json"),
    cues=r"\b(weekly (report|summary|digest|narrative|update)|exec(utive)? (summary|report|narrative)|narrative|digest|"
         r"write[- ]?up of the week|week in review)\b",
    examples=("write the weekly report",),
    keywords=("recap", "digest", "roundup", "round up", "rundown", "narrative", "briefing",
              "exec summary", "executive summary", "week in review", "status report", "summarize last week",
              "summarize the week", "summary of the week", "summary of last week", "week summary"),
    asks=("give me", "draft", "write", "put together", "prepare", "compose", "generate", "produce", "send", "can i get",
          "for the exec", "for leadership", "for the leadership", "for my boss", "for my manager", "for the board")))
register(ToolSpec(
    name="triage", purpose="A triage draft for an alert or incident",
    entry="tools.drafting_tools:triage_tool", result_model="tools.triage:TriageDraft",
    renderers=("md", "slack", "json"),
    cues=r"\b(triage|diagnose|root[- ]cause|what'?s (wrong|broken)|why is .{0,40}(down|failing|slow|broken)|xid error|"
         r"incident [A-Z]*-?\d+|inc-\d+|page (the )?on[- ]call)\b",
    examples=("triage: training jobs failing on us-east-aws",), slack_usage="TEXT",
    keywords=("incident", "outage", "alert", "page", "nccl", "xid", "timeout", "ecc error", "hang", "failing", "broken",
              "degraded", "root cause", "postmortem", "post mortem", "sev1", "sev2"),
    asks=("draft", "write up", "prepare", "put together", "help me with", "help with", "investigate", "look into",
          "dig into", "figure out", "start a", "open a")))
# "what is a 10-point utilization gain worth?": the financial impact model, before savings and forecast
register(ToolSpec(
    name="impact", purpose="What a utilization gain is worth, per month",
    entry="tools.registry:impact_tool", result_model="tools.impact:ImpactResult",
    cues=r"\b(\d+(\.\d+)?[- ]?(point|pt|pp|percentage[- ]point)s?\b.{0,40}\b(gain|increase|improvement|rise|better)|"
         r"(utili[sz]ation|util) (gain|increase|improvement)s?\b.{0,30}\b(worth|value|save|free)|what (is|would) .{0,40}"
         r"\b(utili[sz]ation|util)\b.{0,40}\bworth|(raising|raise|increasing|increase|improving|improve) (fleet )?"
         r"(utili[sz]ation|util)\b.{0,40}\b(to|by|from)\b.{0,20}\d|(what if|what would happen if|suppose|supposing|imagine|"
         r"hypothetically|if we) .{0,40}\b(utili[sz]ation|util|idle|busy)\b|"
         r"\b(utili[sz]ation|util)\b.{0,40}\b(bump|boost|gain|increase|improvement|rise|uplift|went up|goes up|go up)\b.{0,40}"
         r"\b(worth|save|saving|savings|value|free)|\b(worth|save|saving|savings|value)\b.{0,40}\b(utili[sz]ation|util)\b.{0,30}"
         r"\b(went up|goes up|go up|rose|rise|rises|increased?|improved?|bumped|boosted|higher))",
    examples=("what is a 10-point utilization gain worth?",), slack_usage="QUESTION",
    keywords=("busier", "utilization gain", "utilization increase", "utilization improvement", "higher utilization",
              "better utilization", "more utilized", "point gain", "point increase", "percentage point", "util bump",
              "utilization went up", "utilization goes up", "utilization go up", "utilization rose", "utilization improved",
              "utilization increased", "utilization climbed"),
    asks=("what if", "if", "suppose", "imagine", "would", "worth", "value of", "how much would")))
register(ToolSpec(
    name="forecast", purpose="Demand vs capacity for the coming weeks",
    entry="tools.registry:forecast_tool", result_model="tools.forecast:Forecast",
    cues=r"\b(forecast\w*|predict\w*|projection|projected|will we (run out|exceed|hit|need)|run out of|capacity plan\w*|"
         r"(how much|how many) .{0,40}\b(will|going to)\b.{0,20}\bneed|demand outlook|outlook for (demand|capacity)|"
         r"expected demand|outlook\b.{0,30}\b(demand|capacity)|(will|going to) .{0,30}\b(exceed|go over|run over|outgrow|blow through)\b"
         r".{0,20}\b(quota|capacity|limit)s?|(demand|capacity|gpus?|accelerators?) .{0,30}\bnext (\d+ )?(week|month|quarter)s?|"
         r"next (week|month|quarter)'?s? (demand|capacity))\b",
    examples=("forecast H100 demand for the next 8 weeks",),
    keywords=("forecast", "projection", "outlook", "run out", "runway", "enough", "short", "shortfall",
              "outgrow", "capacity plan", "demand"),
    asks=("will we", "will there", "are we going to", "going to", "next week", "next month", "next quarter",
          "coming week", "coming month", "upcoming", "ahead", "before q1", "before q2", "before q3", "before q4",
          "by q1", "by q2", "by q3", "by q4", "by year end", "end of the year", "in the future", "how long until",
          "how long before", "do we have")))
register(ToolSpec(
    name="savings", purpose="Where money can be saved (28 days, per month; no accelerator-hour counted twice)",
    entry="tools.registry:savings_tool", result_model="tools.savings:SavingsReport",
    cues=r"\b(savings? opportunit\w*|(where|how) (can|could|should) we save|could (we )?save|save money|cut (cost|spend)|"
         r"reduce (cost|spend)|rightsiz\w*|right-siz\w*|optimi[sz]e (cost|spend)|cheaper|idle capacity we could)\b",
    examples=("any savings opportunities?",),
    keywords=("savings opportunity", "save", "saving", "leak", "leaking", "waste", "wasting", "wasteful", "overspend",
              "overprovisioned", "over provisioned", "rightsize", "right size", "trim", "cost avoidance",
              "money on the table", "burning money", "cost optimization", "optimize cost", "optimize spend"),
    asks=("where", "how can", "how could", "how do we", "what can we", "what could we", "ways to", "way to", "give me", "plan",
          "find", "any", "ideas", "opportunit", "recommend", "suggest", "should we", "could we", "can we")))
register(ToolSpec(
    name="scan", purpose="Anomalies: spikes, idle capacity, failing jobs",
    entry="tools.registry:scan_tool", result_model="tools.scan:ScanResult",
    cues=r"\b(anomal\w*|outliers?|unusual|spikes?|weird|strange|scan|regressions?|abnormal|something off)\b",
    examples=("any anomalies last week?",),
    keywords=("anomaly", "anomalies", "anomalous", "outlier", "unusual", "abnormal", "irregular", "weird", "odd",
              "strange", "fishy", "suspicious", "out of the ordinary", "spike", "surge", "red flag", "warning sign",
              "something off", "look off", "looks off", "regression", "unexpected"),
    asks=("anything", "any", "is there", "are there", "what", "flag", "spot", "detect", "scan", "check", "going on",
          "find", "catch", "notice")))
