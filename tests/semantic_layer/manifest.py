"""The catalog's definition files as documents, for tests that change one field and expect exactly one error."""

from __future__ import annotations

from typing import Any

from semantic_layer.catalog import DEFINITIONS_DIR, build_catalog
from semantic_layer.yaml_loader import load_yaml_file


def documents() -> list[tuple[str, Any]]:
    """Every definition file, parsed, in name order: (file name, document)."""
    return [(p.name, load_yaml_file(p)) for p in sorted(DEFINITIONS_DIR.glob("*.yaml"))]


def find_item(docs: list[tuple[str, Any]], section: str, name: str) -> tuple[str, dict]:
    """The file and the entry named `name` in `section` (metrics, dimensions, events...)."""
    for file, data in docs:
        for item in data.get(section) or []:
            if item.get("name") == name:
                return file, item
    raise KeyError(name)


def errors(docs: list[tuple[str, Any]]) -> list:
    """The error-level issues building a catalog from `docs` reports."""
    return [i for i in build_catalog(docs)[1] if i.level == "error"]
