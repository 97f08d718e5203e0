"""The rooms of DESIGN.md hold: no import cycle, and small functions where the sweep, the compiler
and the command line live. (The import rules themselves are import-linter contracts in
``pyproject.toml``, checked by ``make check``.)"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from radon.complexity import cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parent.parent
#: Where the issue asks for small functions: run_scenarios and its steps, the compiler, the CLI.
SMALL = [
    "runner/api.py",
    "runner/plan.py",
    "runner/collector.py",
    "runner/worker.py",
    "runner/backends",
    "runner/cli",
    "lumix/expand",
    "lumix/compile.py",
    "lumix/passes",
    "lumix/scenario.py",
]
MAX_COMPLEXITY = 12
MAX_LINES = 60


def _cycles(adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(adjacency):
        if root in index:
            continue
        work = [(root, iter(sorted(adjacency[root])))]
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
                    work.append((child, iter(sorted(adjacency.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_lumix_and_runner():
    """Every import counts, including those inside functions (only ``TYPE_CHECKING`` ones not)."""
    graph = grimp.build_graph("lumix", "runner", exclude_type_checking_imports=True)
    adjacency = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert _cycles(adjacency) == []


def _functions(path: Path) -> list[Function]:
    """Every function and method of a module (radon lists methods with their class name)."""
    return [block for block in cc_visit(path.read_text()) if isinstance(block, Function)]


@pytest.mark.parametrize("where", SMALL)
def test_functions_are_small(where):
    target = ROOT / where
    files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
    too_big = []
    for path in files:
        for f in _functions(path):
            lines = f.endline - f.lineno + 1
            if f.complexity > MAX_COMPLEXITY or lines > MAX_LINES:
                where = f"{path.relative_to(ROOT)}:{f.lineno} {f.fullname}"
                too_big.append(f"{where}: complexity {f.complexity}, {lines} lines")
    assert not too_big, "\n".join(too_big)
