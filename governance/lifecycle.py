"""The request lifecycle as an explicit state machine: a table of (status, action) -> next status.

    submitted -> needs_info <-> submitted -> approved | denied -> provisioned -> active -> expired | released
    submitted | needs_info | approved -> cancelled (by the requester, before provisioning)

Anything not in `TRANSITIONS` is refused with `IllegalTransition` naming what *is* allowed, and the
store applies a transition only inside the same transaction that re-reads the status, so a refused
action changes nothing.
"""

from __future__ import annotations

from typing import Literal

from core.errors import Refused

Status = Literal["submitted", "needs_info", "approved", "denied", "provisioned", "active", "expired", "released", "cancelled"]
Action = Literal["ask_info", "answer", "approve", "deny", "provision", "activate", "expire", "release", "cancel"]

TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "ask_info"): "needs_info",
    ("needs_info", "answer"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "deny"): "denied",
    ("approved", "provision"): "provisioned",
    ("provisioned", "activate"): "active",
    ("active", "expire"): "expired",
    ("active", "release"): "released",
    ("provisioned", "release"): "released",
    ("submitted", "cancel"): "cancelled",
    ("needs_info", "cancel"): "cancelled",
    ("approved", "cancel"): "cancelled",
}
STATUSES: tuple[str, ...] = ("submitted", "needs_info", "approved", "denied", "provisioned", "active", "expired", "released", "cancelled")
ACTIONS: tuple[str, ...] = ("ask_info", "answer", "approve", "deny", "provision", "activate", "expire", "release", "cancel")
TERMINAL: frozenset[str] = frozenset({"denied", "expired", "released", "cancelled"})
PENDING: frozenset[str] = frozenset({"submitted", "needs_info"})
# Actions that decide a request: only the approvers the policy names may take them.
DECISIONS: frozenset[str] = frozenset({"approve", "deny", "ask_info"})
# Statuses that hold (or will hold) capacity, for quota headroom.
HOLDING: frozenset[str] = frozenset({"approved", "provisioned", "active"})


class IllegalTransition(Refused):
    """The action does not apply to the request's current status; nothing was changed."""


def allowed_actions(status: str) -> list[str]:
    """The actions that apply from `status`, in `ACTIONS` order."""
    return [a for a in ACTIONS if (status, a) in TRANSITIONS]


def next_status(status: str, action: str) -> str:
    """The status `action` leads to from `status`, or `IllegalTransition` saying what would be legal.

    >>> next_status("submitted", "approve")
    'approved'
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {STATUSES}")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        legal = allowed_actions(status)
        options = ", ".join(a.replace("_", "-") for a in legal) if legal else "none (it is final)"
        raise IllegalTransition(
            f"cannot {action.replace('_', '-')} a request that is {status}; actions allowed from {status}: {options}"
        ) from None
