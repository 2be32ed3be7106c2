"""Load dashboard YAML and validate every tile against the catalog, with errors that name file:line,
the tile and the fix (the MetricFlow way: collect every issue, then raise once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dashboards.spec import Dashboard, Tile
from semantic_layer.catalog import Catalog
from semantic_layer.errors import did_you_mean
from semantic_layer.yaml_loader import LineDict, load_yaml
from core.errors import UserError

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


@dataclass(frozen=True)
class DashboardIssue:
    """One problem in a dashboard file: where, which tile, what, and how to fix it."""

    file: str
    line: int
    tile: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" tile `{self.tile}`" if self.tile else "")
        return f"{where}: {self.message}; fix: {self.fix}"


class DashboardError(UserError):
    """A dashboard file does not load or validate; carries every issue (capped in the message)."""

    def __init__(self, issues: list[DashboardIssue]) -> None:
        self.issues = issues
        shown = "\n".join(str(i) for i in issues[:10])
        more = f"\n... and {len(issues) - 10} more" if len(issues) > 10 else ""
        super().__init__("dashboard definitions are invalid:\n" + shown + more)


def _walk(doc: Any, loc: tuple[Any, ...]) -> tuple[int, str | None]:
    """The deepest line a pydantic error location reaches in the YAML, and the tile id on the way."""
    line, tile, node = getattr(doc, "line", 1), None, doc
    for key in loc:
        if isinstance(node, LineDict):
            line = node.line_of(str(key)) if key in node else node.line
            if "id" in node and "title" in node and ("metrics" in node or "tool" in node):
                tile = str(node["id"])
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            line = getattr(node, "line", line)
        else:
            break
    if isinstance(node, LineDict):
        tile = str(node["id"]) if "id" in node and ("metrics" in node or "tool" in node) else tile
    return line, tile


def parse_dashboard(text: str, file: str) -> Dashboard:
    """Parse and shape-check one dashboard (no catalog yet); raise DashboardError with lines."""
    import yaml

    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise DashboardError([DashboardIssue(file, line, None, f"not valid YAML ({getattr(exc, 'problem', exc)})",
                                             "check indentation and quoting on that line")]) from None
    if not isinstance(doc, dict):
        raise DashboardError([DashboardIssue(file, 1, None, "the file is not a mapping", "start with `title:` and `rows:`")])
    if "name" not in doc:
        doc["name"] = Path(file).stem.replace("_", "-")
    try:
        return Dashboard.model_validate(doc)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            line, tile = _walk(doc, tuple(err["loc"]))
            field = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            issues.append(DashboardIssue(file, line, tile, f"{field}: {msg}", _fix_for(err)))
        raise DashboardError(issues) from None


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"remove `{err['loc'][-1]}` or check its spelling against docs/dashboards.md"
    if kind == "missing":
        return f"add `{err['loc'][-1]}`"
    if kind == "literal_error":
        return f"use one of {err.get('ctx', {}).get('expected', 'the documented values')}"
    if kind == "string_pattern_mismatch":
        return "use lowercase letters, digits and underscores, starting with a letter"
    return "see the tile reference in docs/dashboards.md"


def check_against_catalog(dash: Dashboard, catalog: Catalog, file: str, lines: dict[str, int]) -> list[DashboardIssue]:
    """Every tile's metrics, dimensions and tool exist and fit together; the query compiles."""
    from dashboards.tools import TOOLS

    issues: list[DashboardIssue] = []
    for tile in dash.tiles():
        line = lines.get(tile.id, 0)

        def add(message: str, fix: str, _t: Tile = tile, _l: int = line) -> None:
            issues.append(DashboardIssue(file, _l, _t.id, message, fix))

        if tile.tool:
            if tile.tool not in TOOLS:
                add(f"unknown tool `{tile.tool}`", (did_you_mean(tile.tool, TOOLS).strip() or "") + f" tools: {', '.join(sorted(TOOLS))}")
            continue
        bad = False
        for m in tile.metrics:
            if m not in catalog.metrics:
                add(f"unknown metric `{m}`", (did_you_mean(m, catalog.metrics).strip() or "run `pace metrics` to list them"))
                bad = True
        dims = list(tile.group_by) + [f.dimension for f in tile.filters]
        for d in dims:
            if d not in catalog.dimensions:
                add(f"unknown dimension `{d}`", did_you_mean(d, catalog.dimensions).strip() or "run `pace metrics` to list them")
                bad = True
            elif catalog.dimensions[d].kind == "time":
                add(f"`{d}` is a time dimension", "group by time with `grain: auto` (or hour/day/week/month) instead")
                bad = True
        if bad:
            continue
        for m in tile.metrics:
            allowed = catalog.dimensions_for(m)
            for d in dims:
                if d not in allowed:
                    add(f"metric `{m}` cannot be split or filtered by `{d}`",
                        f"use one of {', '.join(sorted(x for x in allowed if x != 'time'))}, or move `{m}` to its own tile")
                    bad = True
        if not bad:
            issues.extend(_compile_check(tile, catalog, file, line))
    return issues


def _compile_check(tile: Tile, catalog: Catalog, file: str, line: int) -> list[DashboardIssue]:
    from dashboards.query import build_query
    from dashboards.state import FilterState
    from semantic_layer.compiler import compile_query

    state = FilterState(start=datetime(2026, 1, 1), end=datetime(2026, 1, 8))
    try:
        compile_query(catalog, build_query(tile, state, catalog).query)
    except (UserError, ValueError) as exc:
        return [DashboardIssue(file, line, tile.id, f"the tile does not compile: {exc}", "check metrics and dimensions with `pace query`")]
    return []


def tile_lines(text: str) -> dict[str, int]:
    """{tile id: line of its `id:` key}."""
    doc = load_yaml(text)
    out: dict[str, int] = {}
    for row in (doc or {}).get("rows") or []:
        for tile in (row or {}).get("tiles") or [] if isinstance(row, dict) else []:
            if isinstance(tile, LineDict) and "id" in tile:
                out[str(tile["id"])] = tile.line_of("id")
    return out


def load_dashboard_file(path: Path, catalog: Catalog) -> Dashboard:
    """One file, parsed and validated against the catalog."""
    text = Path(path).read_text(encoding="utf-8")
    file = _display(path)
    dash = parse_dashboard(text, file)
    issues = check_against_catalog(dash, catalog, file, tile_lines(text))
    if issues:
        raise DashboardError(issues)
    return dash


def load_dashboards(catalog: Catalog, directory: Path | None = None) -> dict[str, Dashboard]:
    """Every dashboard under `directory` (default: the shipped ones), by name, in their `order`."""
    issues: list[DashboardIssue] = []
    found: list[Dashboard] = []
    for path in sorted(Path(directory or DEFINITIONS_DIR).glob("*.y*ml")):
        try:
            found.append(load_dashboard_file(path, catalog))
        except DashboardError as exc:
            issues.extend(exc.issues)
    if issues:
        raise DashboardError(issues)
    return {d.name: d for d in sorted(found, key=lambda d: (d.order, d.name))}


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
