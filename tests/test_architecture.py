"""The structure as tests: the import contracts, no import circles, and sizes a newcomer can
read (docs/architecture.md).

The contracts themselves live in pyproject.toml ([tool.importlinter]) and `make lint` runs
them too; here each is run on its own so that a broken one names itself in the suite.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: Modules that are data tables, not logic: they may be long, and so may their functions.
#: roster/api/openapi.py is the OpenAPI document written out as one dict. The demo's specs
#: (roster/demo/) are module-level tables in modules under the limit, so none is listed.
DATA_TABLES = frozenset({"roster/api/openapi.py"})
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60

CONTRACT_IDS = [
    contract["id"]
    for contract in tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
]

@pytest.mark.parametrize("contract", CONTRACT_IDS)
def test_import_contract_is_kept(contract: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own venv's lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", "--contract", contract, str(PYPROJECT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_circles() -> None:
    """No module of roster/ or geo/ imports, directly or not, a module that imports it back
    (lazy imports inside functions count: they are circles all the same)."""
    graph = grimp.build_graph("roster", "geo", cache_dir=None)
    circular = sorted(
        module
        for module in graph.modules
        if graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
    )
    assert circular == []


def source_files() -> list[Path]:
    return sorted([*(ROOT / "roster").rglob("*.py"), *(ROOT / "geo").rglob("*.py")])


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_is_too_long() -> None:
    too_long = {
        relative(path): lines
        for path in source_files()
        if relative(path) not in DATA_TABLES
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def function_lengths(path: Path) -> dict[str, int]:
    """Each function's length in lines, docstring included, decorators not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{relative(path)}:{node.lineno} {node.name}": node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
    }


def test_no_function_is_too_long() -> None:
    too_long = {
        name: lines
        for path in source_files()
        if relative(path) not in DATA_TABLES
        for name, lines in function_lengths(path).items()
        if lines > MAX_FUNCTION_LINES
    }
    assert too_long == {}
