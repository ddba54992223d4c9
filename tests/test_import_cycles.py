"""The sidecar's imports form no circle: handlers depend on the hook API, the map on the handlers, and
nothing depends back on the map.

Imports are read from the source with ``ast``, so this runs without WordPress or a database. Every import
counts (at module level or inside a function) except those under ``if TYPE_CHECKING:``, which never run;
importing ``sidecar.a.b`` also runs ``sidecar/a/__init__.py``, so it counts as an import of ``sidecar.a``
too, except from inside ``sidecar.a`` itself (a module's own packages have always started before it). ``python -m tests.test_import_cycles`` prints the modules per package and the cycles.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sidecar"


def module_name(path: Path) -> str:
    parts = ["sidecar", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The sidecar modules ``name`` imports, with the packages each import runs on the way."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = ".".join(base[:len(base) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import x` imports module x
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found: set[str] = set()
    for target in targets:
        parts = target.split(".")
        for end in range(2, len(parts) + 1):  # each package on the way runs its __init__
            prefix = ".".join(parts[:end])
            if prefix in known and not (name == prefix or name.startswith(prefix + ".")):  # not its own package
                found.add(prefix)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(name, path, set(found)) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_the_sidecar_has_no_import_cycle():
    assert cycles(graph()) == []


def test_nothing_but_the_runtime_and_the_worker_depends_on_the_map():
    readers = sorted(name for name, targets in graph().items() if "sidecar.hooks.map" in targets)
    assert readers == ["sidecar.jobs.worker", "sidecar.runtime"]


if __name__ == "__main__":
    per_package = Counter(name.rpartition(".")[0] if not path.name == "__init__.py" else name
                          for name, path in modules().items())
    for package, count in sorted(per_package.items()):
        print(f"{package}: {count} modules")
    found = cycles(graph())
    print(f"{len(found)} import cycle(s)" + "".join(f"\n  {len(c)}: {', '.join(c)}" for c in found))
