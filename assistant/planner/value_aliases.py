"""Other names people use for values an exporter writes: matched as that value, never instead of it.

A FOCUS bill writes a provider's or service's official name (FOCUS 1.0 ProviderName, ServiceName:
"Amazon Elastic Compute Cloud", "Microsoft"), while people write the short name the provider's own
documentation uses ("EC2", "Azure"). Slurm writes state codes (sacct(1) JOB STATE CODES: TIMEOUT,
OUT_OF_MEMORY, NODE_FAIL) that people say as verbs ("timed out"). An alias only applies when the
warehouse holds the value it names (compared case-insensitively, as every value is), and the filter
that results carries the value itself, so the answer names what was used ("service_name Amazon
Elastic Compute Cloud"). Where an alias names values of two dimensions, the planner's usual
ambiguity rule asks which.
"""

from __future__ import annotations

from typing import Any

from assistant.planner.governance_words import NAMES as GOVERNANCE_NAMES

NAMES: tuple[tuple[str, ...], ...] = (
    # FOCUS ProviderName as the providers' FOCUS exports write it, pace's cluster provider names, and
    # the cloud's product name people use: one provider, whichever of these the data holds.
    ("AWS", "amazon web services"),
    ("Microsoft", "azure", "microsoft azure"),
    ("Google Cloud", "gcp", "google cloud platform"),
    ("Oracle", "oci", "oracle cloud", "oracle cloud infrastructure"),
    # FOCUS ServiceName (the provider's full service name) and the abbreviation its documentation uses.
    ("Amazon Elastic Compute Cloud", "ec2", "amazon ec2"),
    ("Amazon Simple Storage Service", "s3", "amazon s3"),
    ("Amazon Relational Database Service", "rds", "amazon rds"),
    ("Amazon Elastic Container Service for Kubernetes", "Amazon Elastic Kubernetes Service", "eks", "amazon eks"),
    ("Amazon Elastic Container Service", "ecs", "amazon ecs"),
    ("Amazon Elastic File System", "efs", "amazon efs"),
    ("Amazon Virtual Private Cloud", "vpc", "amazon vpc"),
    ("Amazon Simple Queue Service", "sqs", "amazon sqs"),
    ("Amazon Simple Notification Service", "sns", "amazon sns"),
    ("AWS Key Management Service", "kms", "aws kms"),
    ("Azure Kubernetes Service", "aks"),
    ("Google Compute Engine", "gce"),
    ("Google Kubernetes Engine", "gke"),
    # FOCUS PricingCategory (FOCUS 1.0 column definition): Standard is on-demand pricing, Dynamic is spot
    # (the provider's variable, interruptible rate), Committed is usage covered by a commitment discount:
    # AWS reserved instances and savings plans, Google committed use discounts (CUDs), owned capacity.
    ("Committed", "reserved", "reservation", "reservations", "reserved instance", "reserved instances", "ri", "ris",
     "reserved capacity", "savings plan", "savings plans", "committed use", "committed use discount",
     "committed use discounts", "cud", "cuds", "commitment discount", "commitment discounts", "committed capacity"),
    ("Standard", "on-demand", "on demand", "on-demand pricing", "pay as you go", "pay-as-you-go", "payg"),
    ("Dynamic", "spot", "spot instance", "spot instances", "spot vm", "spot vms", "spot pricing", "interruptible"),
    # FOCUS ChargeCategory: one-time fees are Purchase; credits include refunds; Tax; Adjustment.
    ("Purchase", "purchases", "upfront fee", "upfront fees", "one-time fee", "one-time fees"),
    ("Credit", "credits", "refund", "refunds"),
    ("Tax", "taxes", "sales tax", "vat"),
    ("Adjustment", "adjustments"),
    # Slurm job state codes (sacct(1)), stored lower case, as people say them.
    ("timeout", "timed out", "time out", "timeouts"),
    ("out_of_memory", "ran out of memory", "oom killed", "oom"),
    ("node_fail", "node failure"),
    # Incident severity levels and compute-request outcomes as people say them (planner.governance_words).
    *GOVERNANCE_NAMES,
)
"""Groups of names for one thing; a value the data holds answers to every other name in its group."""

_BY_VALUE: dict[str, tuple[str, ...]] = {
    name.lower(): tuple(other for other in group if other.lower() != name.lower()) for group in NAMES for name in group
}


def aliases_for(value: Any) -> tuple[str, ...]:
    """The other names of one value found in the data (none for a value no exporter names differently)."""
    return _BY_VALUE.get(value.lower(), ()) if isinstance(value, str) else ()
