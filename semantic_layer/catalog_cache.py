"""The validated catalog, cached on disk by a digest of its definitions and of the code that reads them.

Parsing 11 YAML files with PyYAML and validating them (every verified query compiled) costs about
0.4 s, at every start of every command. The result only changes when a definition file or the
semantic layer's own code changes, so it is pickled under the user's cache directory keyed by a
SHA-256 of both; any edit gives a new key and the next load validates afresh. Only a catalog that
validated without errors is stored. A cache that cannot be read or written is ignored (it is an
optimisation, never a source of truth).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).parent


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pace" / "catalog"


def digest(files: list[Path]) -> str:
    """SHA-256 over the definition files (names and bytes) and the semantic layer's source files."""
    h = hashlib.sha256()
    for path in [*files, *sorted(CODE_DIR.glob("*.py"))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def load(key: str) -> Any | None:
    path = cache_dir() / f"{key}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(key: str, catalog: Any) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{key}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            pickle.dump(catalog, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / f"{key}.pickle")
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
