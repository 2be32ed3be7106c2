"""The simulated fleet: accelerator catalog, clusters, orgs, teams, projects and serving endpoints.

These are the dimension rows of the embedded warehouse and the parameters that shape its facts
(each team's efficiency, each project's workload and accelerator mix). Prices are plausible 2026
cloud list prices per accelerator-hour; committed prices are about a third off.
"""

from __future__ import annotations

from dataclasses import dataclass

# accelerator_type, kind, vendor, model_name, memory_gb, tdp_watts, peak_bf16_tflops,
# on_demand $/h, committed $/h, mig_slices, on_device, introduced (days before the data end, None = always)
ACCELERATORS: tuple[tuple, ...] = (
    ("H100", "GPU", "NVIDIA", "H100 SXM 80GB", 80.0, 700.0, 989.0, 4.00, 2.60, 7, False, None),
    ("H200", "GPU", "NVIDIA", "H200 SXM 141GB", 141.0, 700.0, 989.0, 5.00, 3.30, 7, False, None),
    ("A100", "GPU", "NVIDIA", "A100 SXM 80GB", 80.0, 400.0, 312.0, 2.50, 1.60, 7, False, None),
    ("L40S", "GPU", "NVIDIA", "L40S 48GB", 48.0, 350.0, 362.0, 1.60, 1.05, 0, False, None),
    ("MI300X", "GPU", "AMD", "Instinct MI300X 192GB", 192.0, 750.0, 1307.0, 4.20, 2.80, 0, False, None),
    ("TPU v5e", "TPU", "Google", "Cloud TPU v5e", 16.0, 200.0, 197.0, 1.20, 0.84, 0, False, 42),
    ("Inferentia2", "custom", "AWS", "Inferentia2 (inf2)", 32.0, 175.0, 190.0, 0.76, 0.50, 0, False, None),
    ("Jetson Orin", "custom", "NVIDIA", "Jetson AGX Orin 64GB", 64.0, 60.0, 138.0, 0.30, 0.20, 0, True, None),
)

# cluster, region, provider, is_on_prem, $/kWh, capacity {type: accelerators}
CLUSTERS: tuple[tuple, ...] = (
    ("us-west-onprem", "us-west", "on-prem", True, 0.11, {"H100": 512, "A100": 256}),
    ("us-east-aws", "us-east-1", "aws", False, 0.0, {"H100": 256, "H200": 128, "L40S": 128, "Inferentia2": 96}),
    ("eu-west-gcp", "europe-west4", "gcp", False, 0.0, {"A100": 128, "L40S": 64, "TPU v5e": 128}),
    ("us-central-azure", "centralus", "azure", False, 0.0, {"H100": 128, "MI300X": 96}),
    ("device-lab", "us-west", "on-prem", True, 0.11, {"Jetson Orin": 48}),
)

# org, cost_center, vp
ORGS: tuple[tuple, ...] = (
    ("research", "CC-1000", "dana.k"),
    ("product-ml", "CC-2000", "miguel.r"),
    ("platform", "CC-3000", "priya.s"),
    ("devices", "CC-4000", "tomas.l"),
)


@dataclass(frozen=True)
class Team:
    """A team and the knobs that make its telemetry its own."""

    team: str
    org: str
    tier2_lead: str
    sm_efficiency: float  # mean SM activity while busy (0-1)
    busy_share: float  # share of allocated hours that are busy
    failure_rate: float  # share of jobs that fail


TEAMS: tuple[Team, ...] = (
    Team("atlas", "research", "maria.chen", 0.78, 0.88, 0.05),
    Team("orion", "research", "sam.okafor", 0.62, 0.74, 0.08),
    Team("nova", "research", "li.wei", 0.55, 0.66, 0.10),
    Team("helix", "product-ml", "ana.silva", 0.70, 0.80, 0.06),
    Team("lyra", "product-ml", "jon.berg", 0.48, 0.58, 0.04),
    Team("vega", "product-ml", "ravi.n", 0.52, 0.70, 0.03),
    Team("forge", "platform", "kim.park", 0.60, 0.62, 0.07),
    Team("pulse", "platform", "olu.ade", 0.66, 0.77, 0.05),
    Team("ember", "devices", "eva.novak", 0.45, 0.55, 0.09),
    Team("quill", "devices", "noah.f", 0.42, 0.50, 0.08),
)


@dataclass(frozen=True)
class Stream:
    """One allocation stream: a project's workload on one accelerator pool, with its typical size."""

    team: str
    project: str
    workload: str
    cluster: str
    accelerator_type: str
    base_count: float  # typical accelerators allocated at any hour
    memory_share: float  # typical share of accelerator memory in use while busy


# project, team, primary workload, description, [(workload, cluster, type, base accelerators, memory share)]
PROJECTS: tuple[tuple, ...] = (
    ("atlas-pretrain", "atlas", "training", "Frontier LLM pretraining",
     [("training", "us-west-onprem", "H100", 220, 0.92), ("training", "us-east-aws", "H200", 64, 0.90)]),
    ("atlas-evals", "atlas", "evaluation", "Benchmarks and evals for atlas checkpoints",
     [("evaluation", "us-west-onprem", "H100", 24, 0.55), ("evaluation", "eu-west-gcp", "TPU v5e", 24, 0.60)]),
    ("orion-vision", "orion", "training", "Multimodal vision-language training",
     [("training", "us-central-azure", "MI300X", 56, 0.80), ("training", "us-west-onprem", "A100", 96, 0.75)]),
    ("orion-ft", "orion", "fine-tuning", "Instruction fine-tuning of vision models",
     [("fine-tuning", "us-east-aws", "H100", 48, 0.70)]),
    ("nova-rl", "nova", "training", "Reinforcement learning from feedback",
     [("training", "us-central-azure", "H100", 72, 0.65), ("evaluation", "eu-west-gcp", "A100", 32, 0.45)]),
    ("helix-ranker", "helix", "fine-tuning", "Ranking model fine-tuning",
     [("fine-tuning", "us-west-onprem", "A100", 80, 0.60), ("batch-inference", "eu-west-gcp", "L40S", 24, 0.50)]),
    ("helix-embed", "helix", "batch-inference", "Embedding backfills",
     [("batch-inference", "us-east-aws", "L40S", 40, 0.45)]),
    ("lyra-search", "lyra", "online-inference", "Search answer serving",
     [("online-inference", "us-east-aws", "H100", 56, 0.40), ("online-inference", "us-east-aws", "Inferentia2", 48, 0.55)]),
    ("vega-assistant", "vega", "online-inference", "Assistant chat serving",
     [("online-inference", "us-east-aws", "H200", 40, 0.65), ("online-inference", "us-east-aws", "L40S", 32, 0.50),
      ("online-inference", "eu-west-gcp", "TPU v5e", 32, 0.55)]),
    ("vega-distill", "vega", "fine-tuning", "Distilling the assistant model",
     [("fine-tuning", "us-west-onprem", "H100", 40, 0.72)]),
    ("forge-ci", "forge", "evaluation", "Model CI and regression evals",
     [("evaluation", "us-west-onprem", "A100", 48, 0.35), ("evaluation", "eu-west-gcp", "L40S", 20, 0.30)]),
    ("pulse-batch", "pulse", "batch-inference", "Nightly batch scoring",
     [("batch-inference", "us-west-onprem", "H100", 64, 0.55), ("batch-inference", "us-east-aws", "Inferentia2", 24, 0.60)]),
    ("pulse-labels", "pulse", "batch-inference", "Auto-labelling pipelines",
     [("batch-inference", "eu-west-gcp", "A100", 40, 0.50)]),
    ("ember-ondevice", "ember", "on-device", "On-device model compression",
     [("on-device", "device-lab", "Jetson Orin", 20, 0.40), ("fine-tuning", "us-west-onprem", "A100", 16, 0.50)]),
    ("quill-speech", "quill", "on-device", "On-device speech recognition",
     [("on-device", "device-lab", "Jetson Orin", 16, 0.35), ("training", "us-central-azure", "MI300X", 16, 0.60)]),
)

# endpoint, team, project, model, cluster, accelerator type, production, requests/hour at peak
ENDPOINTS: tuple[tuple, ...] = (
    ("search-answer", "lyra", "lyra-search", "pace-lm-8b", "us-east-aws", "H100", True, 90_000),
    ("search-rerank", "lyra", "lyra-search", "rerank-1b", "us-east-aws", "Inferentia2", True, 150_000),
    ("assistant-chat", "vega", "vega-assistant", "pace-lm-70b", "us-east-aws", "H200", True, 60_000),
    ("assistant-lite", "vega", "vega-assistant", "pace-lm-8b", "us-east-aws", "L40S", True, 40_000),
    ("assistant-eu", "vega", "vega-assistant", "pace-lm-8b", "eu-west-gcp", "TPU v5e", True, 25_000),
    ("embed-api", "helix", "helix-embed", "embed-2", "us-east-aws", "L40S", False, 30_000),
)

GOVERNANCE_APPROVERS: tuple[str, ...] = ("gov.alvarez", "gov.iyer")
ONCALL_TIER1: str = "oncall-fleet"
TIER3_TEAM: str = "infra-escalations"


def streams() -> list[Stream]:
    """Every allocation stream of the base fleet, in a fixed order."""
    return [
        Stream(team, project, workload, cluster, acc, float(base), mem)
        for project, team, _primary, _desc, allocs in PROJECTS
        for workload, cluster, acc, base, mem in allocs
    ]


def team(name: str) -> Team:
    return next(t for t in TEAMS if t.team == name)
