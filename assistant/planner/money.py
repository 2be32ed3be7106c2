"""Money in everyday English, read as the catalog's cost words before the lexicon matches a question.

People ask about spend with verbs and idioms the catalog's nouns do not hold: "what is idle GPU time
*costing us*", "what did we *pay* in October", "how much cash did we *burn*", "our *burn rate*",
"how much *money* went to H100s", "the *cloud* bill". Each is rewritten to the noun the catalog
already defines, so the ordinary rules then place it (a subject next to a money word is that
subject's cost, 'cost' alone is effective cost and the answer says so):

- a money verb ("cost us", "costing", "pay", "paid", "paying for") is the word "cost";
- "burn" (FinOps: the rate money is spent) is "spend"; a "burn rate" is the average daily spend;
- a money noun ("money", "cash", "bucks", "dollars", not "in dollars") is "spend", but only where no
  metric is named (in "which team wasted the most money on idle GPUs" it restates idle cost);
- "cloud" as a qualifier ("cloud bill", "spend in the cloud") is every provider but on-prem, where the
  warehouse holds an on-prem provider; "by cloud" still splits by provider, and "cloud vs on-prem"
  shows every provider side by side (both sides, never one).

Nothing here guesses a metric: it only swaps words for the catalog's own, and what cannot be placed
afterwards still abstains.
"""

from __future__ import annotations

import re
from typing import Any

_VERB = re.compile(
    r"\b(?:cost(?:s|ed)?|costing)\s+(?:us|me|the company|our (?:team|org|company))\b"
    r"|\bcosting\b"
    r"|\b(?:pay(?:s|ing)?|paid)\b(?![\s-]+as[\s-]+you)(?:\s+(?:for|on|out(?:\s+for)?)\b)?",
    re.I,
)
"""'costing us', 'cost us', 'paid for': a verb whose object is money; read as 'cost'."""

_PAY_FOR = re.compile(r"\b(?:pay(?:s|ing)?|paid|spen[dt](?:ing)?|wast(?:e|es|ed|ing)(?:\s+(?:money|cash))?)\s+(?:for|on)\s+(?:the\s+|our\s+)?([a-z]+(?:\s+[a-z]+){0,2})\b", re.I)
"""'what were we paying for serving', 'wasting money on unused commitments': the subject paid for, if the catalog
has its cost ('serving cost', 'unused commitment cost'); otherwise the verb's own reading stands."""

_CHARGED = re.compile(r"\bcharg(?:e|es|ed|ing)\s+(?:us|me|the company)\b", re.I)
"""'how much did azure charge us': what a provider charges is its invoice (FOCUS BilledCost)."""
_SET_BACK = re.compile(r"\bset\s+(?:us|me|the company|our (?:team|org|company))\s+back\b", re.I)
"""'what did the H100 fleet set us back': an idiom for what something cost."""
_AFTER_DISCOUNTS = re.compile(r"\b(?:net\s+)?(?:cost|spend|spending)\s+after\s+(?:all\s+)?(?:the\s+|our\s+)?discounts?\b", re.I)
"""'net cost after discounts': FOCUS EffectiveCost is the cost after every discount, not cost plus savings."""
_HOURLY_PRICE = re.compile(r"\b([\w-]+)\s+(?:cost|costs|price|prices)\s+(?:us\s+)?per\s+hour\b", re.I)
"""'what do GPUs cost per hour', 'H100s cost us per hour': the price of a GPU-hour, not an hourly series of spend."""
_THE_GPU_BILL = re.compile(r"\b(the|our|my|total)\s+(?:gpus?|accelerators?)\s+(?=(?:bill|spend|spending|cost|costs|invoice)\b)", re.I)
"""'what's the GPU bill': the fleet's bill; 'GPU' describes it and is not a split by accelerator type."""

_TIME_BEFORE = re.compile(r"\btime\s+(?=cost\b)", re.I)
"""'idle GPU time cost': the time of the subject is what costs ('idle GPU cost')."""

_BURN_RATE = re.compile(r"\b(?:(daily|weekly|monthly)\s+)?(?:cash\s+)?burn(?:\s+rate)\b", re.I)
_BURN = re.compile(r"\bburn(?:ed|t|ing|s)?(?:\s+through)?\b", re.I)
"""FinOps burn: money spent over time ('how much did we burn last month')."""

_NOUNS = r"(?:money|cash|bucks|dollars|dough)"
_HOW_MUCH = re.compile(rf"\bhow (?:much|many)\s+(?:of\s+(?:our|the)\s+)?{_NOUNS}\b", re.I)
"""'how much cash did we spend', 'how many bucks': the noun only says the answer is money."""
_MONEY_NOUN = re.compile(rf"(?<!\bin )(?<!\bas )(?<!\binto )\b{_NOUNS}\b", re.I)
_WENT_TO = re.compile(r"\b(?:went|goes|go|gone|going)\s+(?:in)?to(?:wards?)?\b", re.I)
"""'how much money went to H100s': money going to a thing is spend on it."""

_PREM = r"on[- ]?prem(?:ise)?s?"
_CLOUD_VS = re.compile(rf"\b(?:the\s+)?(?:public\s+)?cloud\s+(?:vs\.?|versus|and|or|compared (?:to|with)|against)\s+(?:the\s+)?{_PREM}\b"
                       rf"|\b{_PREM}\s+(?:vs\.?|versus|and|or|compared (?:to|with)|against)\s+(?:the\s+)?(?:public\s+)?cloud\b", re.I)
"""'cloud vs on-prem spend': both sides, so every provider side by side (never the on-prem side alone)."""

_CLOUD = re.compile(
    r"\b(?:in|on|from|across)\s+(?:the\s+)?(?:public\s+)?cloud\b(?!\s*(?:provider|vendor|s\b))"
    r"|(?<!\beach )(?<!\bevery )(?<!\bper )(?<!\bby )(?<!\bwhich )(?<!\bwhat )\b(?:public\s+)?cloud\s+(?=(?:bill|bills|billing|cost|costs|spend|spending|invoice|invoices|charges|expenses?|expenditure|burn)\b)",
    re.I,
)


def read_money(question: str, lexicon: Any) -> str:
    """`question` with money verbs, burn, money nouns and the 'cloud' qualifier in the catalog's words.

    >>> class Lex:
    ...     metrics = {"spend": {"effective_cost_usd"}}
    ...     values = {"on prem": {("provider", "on-prem")}}
    ...     def find(self, text, kind): return [1] if "spend" in text or "cost" in text else []
    >>> read_money("what is idle GPU time costing us?", Lex())
    'what is idle GPU cost?'
    >>> read_money("cloud bill so far this month", Lex())
    'bill so far this month excluding on-prem'
    >>> read_money("how much money went to H100s", Lex())
    'how much spend on H100s'
    >>> read_money("how many bucks did atlas spend", Lex())
    'how much did atlas spend'
    >>> read_money("cloud vs on-prem spend last month", Lex())
    'spend last month by provider'
    >>> read_money("what's our burn rate", Lex())
    "what's our average daily spend"
    """
    text = question[:2000]
    if _CLOUD_VS.search(text) and _on_prem(lexicon) is not None:
        text = f"{_CLOUD_VS.sub(' ', text).strip(' ?.!')} by provider"
    text = _CLOUD.sub(" ", text) if (cloud := _CLOUD.search(text)) else text
    text = _CHARGED.sub("billed", _SET_BACK.sub("cost", _THE_GPU_BILL.sub(r"\1 ", text)))
    text = _HOURLY_PRICE.sub(lambda m: _hour_price(m, lexicon), _AFTER_DISCOUNTS.sub("effective cost", text))
    text = _PAY_FOR.sub(lambda m: _subject_cost(m, lexicon), text)
    text = _VERB.sub("cost", text)
    text = _TIME_BEFORE.sub("", text)
    text = _BURN_RATE.sub(lambda m: f"average {(m.group(1) or 'daily').lower()} spend", text)
    text = _BURN.sub("spend", text)
    placed = _placed_metric(text, lexicon)
    text = _HOW_MUCH.sub("how much" if placed else "how much spend", text)
    if _MONEY_NOUN.search(text) and not placed:
        text = _MONEY_NOUN.sub("spend", text, count=1)
    if re.search(r"\b(?:spend|cost)\b", text, re.I):
        text = _WENT_TO.sub("on", text)
    if cloud is not None:
        text = text.strip()
        on_prem = _on_prem(lexicon)
        if on_prem is not None:
            text = f"{text.rstrip(' ?.!')} excluding {on_prem}"
    return re.sub(r"\s{2,}", " ", text) if text != question[:2000] else question


def _subject_cost(m: re.Match[str], lexicon: Any) -> str:
    """'paying for serving' -> 'serving cost' where the catalog names that cost; 'paying for unused savings plans' -> the
    money metric it names (catalog money metrics end in `_usd`); else the verb alone ('cost for ...')."""
    from assistant.planner.lexicon import fold
    from assistant.planner.words import GAP_OK

    subject = [w for w in m.group(1).split() if fold(w) not in GAP_OK]
    metrics = getattr(lexicon, "metrics", {})
    for n in range(len(subject), 0, -1):
        if fold(" ".join([*subject[:n], "cost"])) in metrics:
            return " ".join([*subject[:n], "cost", *subject[n:]])
        said = fold(" ".join(subject[:n]))
        if any(name.endswith("_usd") for name in metrics.get(said, ())) and not _longer_value(fold(" ".join(subject)), said, lexicon):
            return " ".join(subject)  # already money: 'paying for unused savings plans'
    return m.group(0)


def _hour_price(m: re.Match[str], lexicon: Any) -> str:
    """'H100s cost per hour' -> 'H100s cost per gpu hour' when what costs is an accelerator (a type the data holds)."""
    from assistant.planner.lexicon import fold

    word = fold(m.group(1))
    kinds = {dim for dim, _ in getattr(lexicon, "values", {}).get(word, ())}
    if word in ("gpu", "accelerator") or "accelerator_type" in kinds:
        return "cost per gpu hour" if word in ("gpu", "accelerator") else f"{m.group(1)} cost per gpu hour"
    return m.group(0)


def _longer_value(text: str, phrase: str, lexicon: Any) -> bool:
    """A data value that starts where `phrase` does and runs longer ('savings plans' is a value, 'savings' a metric)."""
    match_at = getattr(lexicon, "match_at", None)
    end = match_at(text, 0, "value") if match_at is not None else None
    return end is not None and end > len(phrase)


def _placed_metric(text: str, lexicon: Any) -> bool:
    from assistant.planner.lexicon import fold

    return bool(lexicon.find(fold(text), "metric"))


def _on_prem(lexicon: Any) -> str | None:
    """The provider value the warehouse writes for on-prem clusters ('on-prem'), if it holds one."""
    for dim, value in sorted(getattr(lexicon, "values", {}).get("on prem", ()), key=str):
        if dim == "provider":
            return str(value)
    return None


__all__ = ["read_money"]
