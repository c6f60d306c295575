"""The tests mirror the package (see tests/README.md): every module
``kamlib/<layer>/<module>.py`` has its tests in ``tests/<layer>/test_<module>.py``
(``kamlib/<module>.py`` in ``tests/test_<module>.py``), and every test module outside
``tests/system`` is named for a module of kamlib.

A package's ``__init__.py`` that only re-exports (a docstring, imports and ``__all__``)
needs no test module of its own; one that defines anything does
(``tests/test___init__.py`` for ``kamlib/__init__.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kamlib"
TESTS = ROOT / "tests"
SYSTEM = TESTS / "system"


def only_re_exports(path: Path) -> bool:
    """Whether a module holds nothing but a docstring, imports and ``__all__``."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else getattr(node, "target", None)
        if isinstance(node, ast.Assign | ast.AnnAssign) and getattr(target, "id", "") == "__all__":
            continue
        return False
    return True


def modules() -> list[Path]:
    """Every module of kamlib that needs a test module."""
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts
            and not (p.name == "__init__.py" and only_re_exports(p))]


def mirrored(module: Path) -> Path:
    """``kamlib/a/b.py`` -> ``tests/a/test_b.py``."""
    rel = module.relative_to(PACKAGE)
    return TESTS / rel.parent / f"test_{rel.name}"


def test_the_rule_reads_a_module_as_a_test_module_path():
    assert mirrored(PACKAGE / "data" / "synth" / "money.py") == \
        TESTS / "data" / "synth" / "test_money.py"
    assert mirrored(PACKAGE / "periods.py") == TESTS / "test_periods.py"
    assert only_re_exports(PACKAGE / "stats" / "__init__.py")
    assert not only_re_exports(PACKAGE / "__init__.py")  # it defines the lazy entry points
    assert not only_re_exports(PACKAGE / "kpis" / "compute.py")


def test_every_module_has_its_mirrored_test_module():
    missing = [str(mirrored(m).relative_to(ROOT)) for m in modules()
               if not mirrored(m).is_file()]
    assert not missing, f"modules without their test module: {missing}"


def test_every_test_module_outside_system_is_named_for_a_module():
    stray = []
    for test in sorted(TESTS.rglob("test_*.py")):
        if SYSTEM in test.parents:
            continue
        rel = test.relative_to(TESTS)
        if not (PACKAGE / rel.parent / rel.name.removeprefix("test_")).is_file():
            stray.append(str(rel))
    assert not stray, f"test modules named for no module of kamlib: {stray}"


def test_shared_modules_sit_at_the_top_of_tests():
    """Test modules import what they share by name (``pythonpath = ["tests"]``), so shared
    modules stay at the top; the folders hold only test modules and conftest.py."""
    for path in sorted(TESTS.rglob("*.py")):
        if path.parent != TESTS:
            assert path.name.startswith("test_") or path.name == "conftest.py", path
