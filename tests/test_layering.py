"""The house reads top-down: each package imports only packages on lower floors, and no file circles.

Floors (docs/architecture.md): core -> telemetry -> semantic_layer -> tools -> governance ->
dashboards | assistant -> evals -> faces. An import counts wherever it is written (module level,
inside a function, or under TYPE_CHECKING): a lazy import still ties the two modules together.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {
    "core": 0, "telemetry": 1, "semantic_layer": 2, "tools": 3, "governance": 4,
    "dashboards": 5, "assistant": 5, "evals": 6, "faces": 7,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in FLOORS for p in (ROOT / pkg).rglob("*.py")}


def _upward(modules: dict[str, Path], root: Path = ROOT) -> list[str]:
    bad = []
    for name, path in sorted(modules.items()):
        here = name.split(".")[0]
        for target in sorted(_imports(path)):
            there = target.split(".")[0]
            if there in FLOORS and there != here and FLOORS[there] >= FLOORS[here]:
                bad.append(f"{path.relative_to(root)} imports {target} ({there} is not below {here})")
    return bad


def test_no_package_imports_its_own_floor_or_above() -> None:
    assert _upward(_modules()) == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    fake = tmp_path / "semantic_layer" / "oops.py"
    fake.parent.mkdir()
    fake.write_text("def f():\n    from assistant.service import answer\n")
    assert _upward({"semantic_layer.oops": fake}, tmp_path)[0] == (
        "semantic_layer/oops.py imports assistant.service (assistant is not below semantic_layer)")


def _package_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        here = name.split(".")[0]
        for target in _imports(path):
            there = target.split(".")[0]
            if there in FLOORS and there != here:
                graph[here].add(there)
    return graph


def test_no_circle_between_packages() -> None:
    graph = _package_graph(_modules())

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    circles = sorted(p for p in FLOORS if reaches(p, p, {p}))
    assert circles == []


def test_nothing_that_ships_imports_the_faces_or_the_evals() -> None:
    modules = _modules()
    for name, path in modules.items():
        if name.split(".")[0] in ("faces", "evals"):
            continue
        reached = {t.split(".")[0] for t in _imports(path)}
        assert not reached & {"faces", "evals"}, f"{path.relative_to(ROOT)} imports a face or the evals"


# File-level circles that may remain: none (each was a module split by size whose shared types stayed
# behind; they got their own modules). A circle found here fails; list one only with the reason.
ALLOWED_FILE_CIRCLES: tuple[frozenset[str], ...] = ()


def _file_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules it imports. `from pkg import sub` ties to `pkg.sub` only, not to the
    package's `__init__`, unless it also takes a name the package itself defines."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [f"{node.module}.{a.name}" for a in node.names]
                hits = [s for s in subs if s in modules]
                deps.update(hits)
                if len(hits) < len(subs) and node.module in modules:
                    deps.add(node.module)
        deps.discard(name)
        graph[name] = deps
    return graph


def _file_circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


def test_no_file_circle_outside_the_allow_list() -> None:
    circles = _file_circles(_file_graph(_modules()))
    new = [sorted(c) for c in circles if not any(c <= allowed for allowed in ALLOWED_FILE_CIRCLES)]
    assert new == [], "file-level import circles (give the shared types their own module)"


def test_the_file_check_catches_a_circle(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "a.py").write_text("from tools.b import B\n")
    (tmp_path / "tools" / "b.py").write_text("def f():\n    from tools.a import A\n")
    (tmp_path / "tools" / "c.py").write_text("from tools import a\n")
    modules = {"tools.a": tmp_path / "tools" / "a.py", "tools.b": tmp_path / "tools" / "b.py",
               "tools.c": tmp_path / "tools" / "c.py"}
    assert _file_circles(_file_graph(modules)) == [frozenset({"tools.a", "tools.b"})]
