"""pace governance: compute requests, approval policy as data, and an audited transactional store.

Faces call `Governance.open(settings)` and its `submit`, `act`, `waiting` and `to_json`; see
docs/governance.md for the lifecycle, the policy YAML, the roles and why the store is SQLite in WAL mode.
"""

from governance.service import Governance

__all__ = ["Governance"]
