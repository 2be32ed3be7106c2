"""Who is acting: the person really at the keyboard (or Slack's verified user) and whom they act as.

The CLI's person is the operating-system user (`getpass.getuser()`); Slack's is the user id Slack put in
the signed payload, mapped to a pace user by the policy. Acting as someone else is allowed only to the
policy's `act_as` roles, and every audit row then names both ("A acting as B").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: str
    """Who really acts: the operating-system login or the Slack user."""
    as_user: str | None = None
    """Whom they act as (`--as`), when that is someone else."""

    @property
    def name(self) -> str:
        """The identity the policy checks and the request records (requester, approver)."""
        return self.as_user or self.user

    @property
    def audit_name(self) -> str:
        """What the audit row's actor says.

        >>> Actor("gov.alvarez", "maria.chen").audit_name
        'gov.alvarez acting as maria.chen'
        """
        return f"{self.user} acting as {self.as_user}" if self.as_user else self.user

    @classmethod
    def resolve(cls, user: str, as_user: str | None) -> Actor:
        """`--as` naming oneself is just oneself."""
        as_user = (as_user or "").strip() or None
        return cls(user, None if as_user == user else as_user)
