"""The mirror's modules form no import cycle, and each imports on its own in a fresh interpreter.

The graph counts every import, also those inside functions: a cycle hidden behind a lazy import
(the server importing the site apps in a function while they import the server's value types)
is still a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "newsarchive.mirror"
PACKAGE_DIR = ROOT / "newsarchive" / "mirror"
MODULES = sorted(f"{PACKAGE}.{p.stem}" if p.stem != "__init__" else PACKAGE for p in PACKAGE_DIR.glob("*.py"))


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The modules of *known* that *path* imports, at any depth of its code."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in known:  # from newsarchive.mirror import text
                    out.add(submodule)
                elif node.module in known:
                    out.add(node.module)
    return out


def import_graph() -> dict[str, set[str]]:
    known = set(MODULES)
    graph = {}
    for module in MODULES:
        path = PACKAGE_DIR / ("__init__.py" if module == PACKAGE else f"{module.rsplit('.', 1)[1]}.py")
        graph[module] = imported_modules(path, known) - {module}
    return graph


def test_the_graph_sees_the_imports() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.content" in graph[f"{PACKAGE}.server"]
    assert f"{PACKAGE}.http" in graph[f"{PACKAGE}.icma"]
    assert f"{PACKAGE}.text" in graph[f"{PACKAGE}.content"]


def test_a_cycle_is_found(tmp_path: Path) -> None:
    """The check itself: two modules importing each other (one lazily) make a cycle."""
    (tmp_path / "a.py").write_text("from pkg.b import X\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from pkg.a import Y\n", encoding="utf-8")
    known = {"pkg.a", "pkg.b"}
    graph = {"pkg.a": imported_modules(tmp_path / "a.py", known), "pkg.b": imported_modules(tmp_path / "b.py", known)}
    with pytest.raises(CycleError):
        tuple(TopologicalSorter(graph).static_order())


def test_the_mirror_has_no_import_cycle() -> None:
    try:
        tuple(TopologicalSorter(import_graph()).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone(module: str) -> None:
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
