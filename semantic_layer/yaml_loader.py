"""A YAML loader that remembers where every mapping came from, so catalog errors can name file and line.

Mappings load as `LineDict`: a plain dict plus `.line` (1-based line of the mapping) and
`.key_lines` ({key: line}), which `catalog` threads into each definition's `Location`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A dict that knows the 1-based line it starts on and the line of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, else of the mapping itself."""
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are `LineDict`s carrying line marks (never constructs Python objects)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        # keys stay the text written (YAML 1.1 would read `on:` as True)
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    """Parse YAML text with line marks on every mapping."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass


def load_yaml_file(path: Path) -> Any:
    """Parse one YAML file with line marks."""
    return load_yaml(Path(path).read_text(encoding="utf-8"))
