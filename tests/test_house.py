"""The house rules of issue #19, checked on the source: imports go one way, rooms stay small.

- ``pipeline/`` never imports ``flows/`` or ``benchmarks/`` (the library is free of the
  orchestration above it), and no stage package imports ``pipeline.ingest``, the one place
  that strings the stages together.
- No module in ``pipeline/``, ``flows/`` or ``benchmarks/`` is over ``MAX_LINES``, and no
  function is over ``MAX_FUNCTION`` lines unless a ``Long on purpose`` comment at its top
  says why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAX_LINES = 420  # "about 400"
MAX_FUNCTION = 60
PACKAGES = ("pipeline", "flows", "benchmarks")


def modules(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports (top level or inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_library_never_imports_the_orchestration() -> None:
    bad = [f"{p.relative_to(ROOT)} imports {m}" for p in modules("pipeline") for m in imported(p)
           if m.split(".")[0] in ("flows", "benchmarks")]
    assert bad == []


def test_no_stage_imports_the_ingest() -> None:
    bad = [f"{p.relative_to(ROOT)} imports {m}" for p in modules("pipeline")
           if "ingest" not in p.relative_to(ROOT).parts
           for m in imported(p) if m == "pipeline.ingest" or m.startswith("pipeline.ingest.")]
    assert bad == []


@pytest.mark.parametrize("path", modules(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_too_big(path: Path) -> None:
    assert path.read_text(encoding="utf-8").count("\n") <= MAX_LINES


@pytest.mark.parametrize("path", modules(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_long_functions_say_why(path: Path) -> None:
    src = path.read_text(encoding="utf-8")
    lines = src.split("\n")
    unexplained = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            top = "\n".join(lines[node.lineno - 1: node.lineno + 12])
            if length > MAX_FUNCTION and "Long on purpose" not in top:
                unexplained.append(f"{node.name} ({length} lines)")
    assert unexplained == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The import reader sees imports inside functions, so a late import is no way around it."""
    p = tmp_path / "m.py"
    p.write_text("def f():\n    from flows.cli import app\n    import pipeline.ingest.run\n", encoding="utf-8")
    assert imported(p) == {"flows.cli", "pipeline.ingest.run"}


def exported(package: Path) -> set[str]:
    """The names a package's ``__init__`` binds: explicit imports, and for ``import *`` every
    public top-level name of that module (what the star brings in)."""
    names: set[str] = set()
    for node in ast.parse((package / "__init__.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if a.name != "*":
                    names.add(a.asname or a.name)
                    continue
                src = ROOT / (node.module.replace(".", "/") + ".py")
                for top in ast.parse(src.read_text(encoding="utf-8")).body:
                    if isinstance(top, (ast.FunctionDef, ast.ClassDef)):
                        names.add(top.name)
                    elif isinstance(top, (ast.Import, ast.ImportFrom)):
                        names.update((x.asname or x.name).split(".")[0] for x in top.names)
                    elif isinstance(top, (ast.Assign, ast.AnnAssign)):
                        targets = top.targets if isinstance(top, ast.Assign) else [top.target]
                        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")} | {n for n in names if n.startswith("_")}


@pytest.mark.parametrize("package", sorted(p.parent for p in (ROOT / "pipeline").glob("*/__init__.py")),
                         ids=lambda p: p.name)
def test_no_package_name_hides_a_module(package: Path) -> None:
    """A name a package's ``__init__`` binds must not be one of its modules: ``decide`` was once
    both a function and a module of ``pipeline.classify``, and which one ``from pipeline.classify
    import decide`` gave depended on whether the module had been imported yet."""
    modules_here = {p.stem for p in package.glob("*.py")} - {"__init__"}
    assert exported(package) & modules_here == set()
