"""Hand-picked WordNet senses, one group per concept pace already understands, and the word it reads them as.

Each `Anchor` names synsets by their WordNet 3.0 id (lemma.pos.nn, as nltk spells them) whose meaning is
the concept in a question about compute operations: spend.v.02 'pay out' is spend, deny.v.03 'refuse
to grant, as of a petition or request' is a denied request. The build script (`build_wordnet.py`)
collects their lemmas, the lemmas' derivational forms and, where `hyponyms` is set, the lemmas of their
direct hyponyms ('squander' is a way to spend). `skip` names lemmas reached by these relations whose
everyday sense is not the concept ('save' and 'economize' are hyponyms of spend.v.02 but mean the
opposite in a question); `only` keeps just the named lemmas of a synset whose other lemmas mean
something else. The anchor word is one the planner places without this layer (catalog vocabulary or
its own words), so a rewritten question goes through the ordinary rules.

Nothing here is read at run time; the generated `general_english.yaml` is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """One concept: the WordNet senses that mean it, and the words pace reads it as, per part of speech."""

    concept: str
    senses: tuple[str, ...]
    """Synset ids (WordNet 3.0) whose meaning is the concept."""
    read_as: dict[str, str]
    """Part of speech ('v', 'n', 'a') -> the word the planner already places ('denied' for a verb, 'denials' for a noun)."""
    hyponyms: tuple[str, ...] = ()
    """Senses (a subset of `senses`) whose direct hyponyms are ways of the same thing ('squander' is a way to spend)."""
    skip: tuple[str, ...] = ()
    """Lemmas these relations reach whose everyday reading is not the concept (the reason is in a comment)."""
    only: dict[str, tuple[str, ...]] | None = None
    """Synset id -> the only lemmas taken from it (the rest of the synset means something else)."""


ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "spend",
        senses=("spend.v.02", "spending.n.01", "outgo.n.01", "splurge.v.01", "hand_over.v.01"),
        read_as={"v": "spend", "n": "spend"},
        hyponyms=("spend.v.02",),
        # opposite or unrelated readings of spend.v.02's hyponyms and derived words: saving money, affording,
        # investing, placing or putting, eating, committing, using up stock; 'expensive' is an adjective of cost
        skip=("save", "economize", "economise", "afford", "penny-pinch", "nickel-and-dime", "underspend", "invest",
              "place", "put", "commit", "eat", "eat_up", "consume", "deplete", "exhaust", "use_up", "wipe_out",
              "run_through", "expensive", "drop", "ware", "piddle", "piddle_away", "trifle", "trifle_away", "wanton",
              "wanton_away", "deficit_spending", "compensatory_spending", "pump_priming", "fling", "transfer_payment",
              "cost", "expense"),
        # 'fork out/over/up' (hand_over.v.01) are the money idioms of that synset; 'deliver', 'render', 'turn in' are not
        only={"hand_over.v.01": ("fork_out", "fork_over", "fork_up"), "splurge.v.01": ("splurge",)},
    ),
    Anchor(
        "waste",  # money spent on nothing: pace's 'waste' is idle cost, so WordNet's synonyms of waste read as it
        senses=("waste.v.01", "misspend.v.02"),
        read_as={"v": "waste", "n": "waste"},
        hyponyms=("waste.v.01",),
        # ('squander' and 'misspend' are also hyponyms of spend.v.02, so the build lists them as ambiguous)
        skip=("ware", "blow"),
    ),
    Anchor(
        "money",
        senses=("money.n.01",),
        read_as={"n": "money"},
        hyponyms=("money.n.01",),
        # public-finance kinds of money and historical currencies are no everyday word for cash
        skip=("appropriation", "subsidization", "subsidisation", "fund", "monetary_fund", "token_money", "wampum",
              "shinplaster", "monetary", "moneyer", "sugar", "scratch", "loot", "kale", "lettuce", "cabbage", "bread"),
    ),
    Anchor(
        "deny",  # a compute request turned down: request_status 'denied' (the governance workflow)
        senses=("deny.v.03", "refuse.v.02", "reject.v.06", "veto.v.01"),
        read_as={"v": "denied", "n": "denials"},
        hyponyms=("refuse.v.02",),
        # 'decline' is already a trend word (a fall); 'bounce', 'dishonor' are about cheques; 'pass_up' is forgoing
        skip=("decline", "declination", "bounce", "dishonor", "dishonour", "pass_up", "denier"),
    ),
    Anchor(
        "approve",  # a compute request granted: request_status 'approved'
        senses=("approve.v.01", "authorize.v.01"),
        read_as={"v": "approved", "n": "approvals"},
        # 'pass' and 'clear' have everyday readings far from a decision ('clear the filter'); 'back', 'support',
        # 'confirm' are hyponyms of approve.v.01 that do not grant anything
        skip=("pass", "clear", "clearance", "approbative", "approver", "authoriser", "authorizer", "o.k.", "ok"),
    ),
    Anchor(
        "fail",  # a job that stopped with an error: Slurm FAILED (sacct(1) JOB STATE CODES)
        senses=("fail.v.04", "fail.v.02"),
        read_as={"v": "failed", "n": "failures"},
        hyponyms=("fail.v.04",),
        # fail.v.04's other lemmas ('go', 'break', 'die', 'give way') are everyday verbs with other readings
        # ('blow' and 'go down' stay: they also reach spend and decrease, so the build lists them as ambiguous)
        skip=("go", "break", "die", "give_way", "give_out", "go_bad", "breakable", "miscarriage", "breakdown",
              "blow_out", "burn_out"),
    ),
    Anchor(
        "cancel",  # a job or request called off: Slurm CANCELLED ('explicitly cancelled by the user or administrator')
        senses=("cancel.v.01", "abort.v.01", "kill.v.14"),
        read_as={"v": "cancelled", "n": "cancelled"},
        skip=("scratch", "abortive", "abortion"),
    ),
    Anchor(
        "idle",  # an accelerator doing nothing: idle accelerator-hours (allocated but below the busy threshold)
        senses=("idle.s.02", "inactive.a.07"),
        read_as={"a": "idle", "n": "idle"},
        # similar adjectives of inactive.a.07 that describe light, sound or a person, not a machine
        skip=("dark", "dead", "dull", "slow", "sluggish", "strikebound", "idleness", "inactiveness"),
    ),
    Anchor(
        "increase",  # a measure that became bigger between periods (increase.v.01 'become bigger or greater in amount')
        senses=("increase.v.01",),
        read_as={"v": "increase", "n": "increase"},
        hyponyms=("increase.v.01",),
        # hyponyms about collecting things, sound, light or appraisal rather than an amount going up
        skip=("accrue", "accumulate", "add", "add_to", "amass", "appreciate", "apprise", "apprize", "broaden",
              "compound", "conglomerate", "crescendo", "cumulate", "deepen", "full", "gather", "heighten",
              "intensify", "irrupt", "pile_up", "pullulate", "pyramid", "revalue", "wax", "widen", "gain"),
    ),
    Anchor(
        "decrease",  # a measure that became smaller between periods (decrease.v.01)
        senses=("decrease.v.01",),
        read_as={"v": "decrease", "n": "decrease"},
        hyponyms=("decrease.v.01",),
        # hyponyms about cooking, speed, value or strength rather than an amount going down
        skip=("boil_down", "break", "concentrate", "decoct", "decrescendo", "depreciate", "devaluate", "devalue",
              "flag", "fly", "retard", "remit", "undervalue", "vaporize", "weaken", "wither", "slow", "slow_down",
              "slow_up", "slack", "slack_off", "slacken_off", "decelerate", "diminution", "fall", "shrivel",
              "shrivel_up", "vanish", "contract", "thin_out", "deflate", "die_away", "shorten", "ease_off", "ease_up"),
    ),
)
