"""The arithmetic of placement, free of SQL: sizes, memory fit, throughput, counts and prices.

Memory follows what real frameworks hold per parameter. Training and full fine-tuning with Adam in
mixed precision keep bf16 weights and gradients (2 + 2 bytes) plus fp32 master weights and two Adam
moments (4 + 4 + 4): 16 bytes a parameter, sharded across every accelerator used (ZeRO-3 / FSDP),
with a quarter of each device left for activations. Inference keeps bf16 weights (2 bytes a
parameter, sharded by tensor parallelism) and leaves 30% for the KV cache.

Throughput is achieved FLOP/s = peak bf16 FLOP/s x MFU, and tokens = FLOPs / (k N) with k = 6 for
training (forward + backward, PaLM appendix B) and 2 for inference. MFU is throughput already
normalized by model size, which is why observed MFU carries over from the fleet's jobs to a model of
another size.

>>> parse_params("70B"), parse_params("1.5T"), parse_params("350m")
(70000000000.0, 1500000000000.0, 350000000.0)
>>> min_count(70e9, "fine-tuning", 80.0)
24
"""

from __future__ import annotations

import math
import re

from core.errors import UserError

WORKLOADS: tuple[str, ...] = (
    "training", "fine-tuning", "evaluation", "batch-inference", "online-inference", "on-device",
)
_ALIASES: dict[str, str] = {
    "train": "training", "pretrain": "training", "pretraining": "training", "pre-training": "training",
    "finetune": "fine-tuning", "fine-tune": "fine-tuning", "finetuning": "fine-tuning", "ft": "fine-tuning",
    "sft": "fine-tuning", "eval": "evaluation", "evals": "evaluation", "benchmark": "evaluation",
    "batch": "batch-inference", "inference": "batch-inference", "batch inference": "batch-inference",
    "online": "online-inference", "serving": "online-inference", "online inference": "online-inference",
    "device": "on-device", "edge": "on-device", "on device": "on-device", "ondevice": "on-device",
}
TRAINING = ("training", "fine-tuning")
TRAIN_BYTES_PER_PARAM = 16.0  # bf16 weights + grads, fp32 master weights + Adam m and v
INFER_BYTES_PER_PARAM = 2.0  # bf16 weights
TRAIN_USABLE = 0.75  # share of device memory for sharded state; the rest holds activations
INFER_USABLE = 0.70  # share of device memory for weights; the rest is KV cache
# typical MFU per workload when the fleet has too little history (PaLM/Megatron-scale figures)
TYPICAL_MFU: dict[str, float] = {
    "training": 0.40, "fine-tuning": 0.35, "evaluation": 0.20, "batch-inference": 0.30,
    "online-inference": 0.25, "on-device": 0.15,
}
TYPICAL_COUNT: dict[str, int] = {
    "training": 64, "fine-tuning": 16, "evaluation": 8, "batch-inference": 8, "online-inference": 8, "on-device": 1,
}
DEFAULT_PARAMS: dict[str, float] = {  # typical model sizes in this fleet when none is given
    "training": 13e9, "fine-tuning": 7e9, "evaluation": 7e9, "batch-inference": 7e9,
    "online-inference": 8e9, "on-device": 1e9,
}
DEFAULT_TOKENS = 1e9
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmbt]?)\s*(?:params?|parameters?)?\s*$", re.IGNORECASE)
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def workload_name(text: str) -> str:
    """The canonical workload type for a name or alias ('fine-tune' -> 'fine-tuning')."""
    key = text.strip().lower().replace("_", "-")
    if key in WORKLOADS:
        return key
    if key in _ALIASES or key.replace("-", " ") in _ALIASES:
        return _ALIASES.get(key) or _ALIASES[key.replace("-", " ")]
    raise UserError(f"unknown workload {text!r}; use one of: {', '.join(WORKLOADS)}")


def parse_params(text: str | float | int) -> float:
    """A model size such as 7B, 70B, 1.5T, 350M or 7e9 as a number of parameters."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = _SIZE.match(str(text))
        if not m:
            raise UserError(f"cannot read the model size {text!r}; write it like 7B, 70B, 1.5T or 350M")
        value = float(m.group(1)) * _SCALE[m.group(2).lower()]
    if not value > 0 or math.isinf(value):
        raise UserError(f"the model size must be a positive number of parameters, got {text!r}")
    return value


def parse_amount(text: str | float | int, what: str = "--tokens") -> float:
    """A token count such as 2B, 500M or 2e9."""
    try:
        return parse_params(text)
    except UserError:
        raise UserError(f"cannot read {what} {text!r}; write it like 2B, 500M or 2e9") from None


def bytes_per_param(workload: str) -> tuple[float, float]:
    """(bytes per parameter, usable share of device memory) for the workload."""
    if workload in TRAINING:
        return TRAIN_BYTES_PER_PARAM, TRAIN_USABLE
    return INFER_BYTES_PER_PARAM, INFER_USABLE


def round_count(n: float) -> int:
    """Accelerators come in powers of two up to a node of 8, then in whole nodes of 8."""
    n = max(1, math.ceil(n - 1e-9))
    if n <= 8:
        return 1 << (n - 1).bit_length()
    return 8 * math.ceil(n / 8)


def min_count(params: float, workload: str, memory_gb: float) -> int:
    """The fewest accelerators whose memory holds the model's state, sharded, with headroom."""
    per_param, usable = bytes_per_param(workload)
    return round_count(params * per_param / (memory_gb * 1e9 * usable))


def memory_words(params: float, workload: str, memory_gb: float, count: int) -> str:
    per_param, usable = bytes_per_param(workload)
    total = params * per_param / 1e9
    what = "weights, grads and Adam state" if workload in TRAINING else "bf16 weights"
    return (f"{total:,.0f} GB of {what} ({per_param:g} B/param) over {count} x {memory_gb:g} GB = "
            f"{total / count:,.1f} GB each (limit {memory_gb * usable:,.1f} GB after headroom)")


def flops_per_token(params: float, workload: str) -> float:
    return (6.0 if workload in TRAINING else 2.0) * params


def tokens_per_hour(peak_tflops: float, mfu: float, params: float, workload: str) -> float:
    """Tokens one accelerator processes in an hour at this MFU."""
    return peak_tflops * 1e12 * mfu * 3600 / flops_per_token(params, workload)


def blended_price(on_demand: float, committed: float, headroom_per_day: float, use_per_day: float,
                  on_prem: bool) -> tuple[float, str]:
    """Price per accelerator-hour: owned capacity at the rate card, unused commitments first, then on-demand."""
    if on_prem:
        return committed, "on-prem rate card"
    if use_per_day <= 0 or headroom_per_day <= 0:
        return on_demand, "on-demand (no unused commitment in the last 7 days)"
    covered = min(1.0, headroom_per_day / use_per_day)
    price = covered * committed + (1 - covered) * on_demand
    return price, f"{covered:.0%} on unused commitment at ${committed:.2f}/h, the rest on-demand at ${on_demand:.2f}/h"


def ratio_words(name: str, ref: str, tph: float, ref_tph: float, price: float, ref_price: float) -> str:
    """'H200: 1.6x the tokens per hour of H100 at 1.3x the price: 19% cheaper per token'."""
    speed, cost = tph / ref_tph, price / ref_price
    per_token = cost / speed - 1
    verdict = ("the same cost per token" if abs(per_token) < 0.005 else
               f"{-per_token:.0%} cheaper per token" if per_token < 0 else f"{per_token:.0%} dearer per token")
    return f"{name}: {speed:.2f}x the tokens per hour of {ref} at {cost:.2f}x the price: {verdict}"
