"""Shape limits on the sources: modules stay small and functions read as named steps.

A module over 400 lines is doing more than one job, and a function over 60 lines hides its
algorithm in detail; both are cheaper to split while young than to read for years. Generated
migration scripts are exempt.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "src" / "habitloop"
EXEMPT = SOURCES / "migrations" / "versions"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def sources() -> Iterator[tuple[str, str]]:
    for path in sorted(SOURCES.rglob("*.py")):
        if not path.is_relative_to(EXEMPT):
            yield str(path.relative_to(SOURCES.parents[1])), path.read_text(encoding="utf-8")


def long_module(name: str, text: str, limit: int = MAX_MODULE_LINES) -> list[str]:
    lines = len(text.splitlines())
    return [f"{name}:1 <module> ({lines} lines)"] if lines > limit else []


def long_functions(name: str, text: str, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            span = (node.end_lineno or node.lineno) - node.lineno + 1
            if span > limit:
                found.append((node.lineno, f"{name}:{node.lineno} {node.name} ({span} lines)"))
    return [line for _, line in sorted(found)]


def report(offenders: list[str], rule: str) -> str:
    return f"{len(offenders)} over the limit ({rule}):\n" + "\n".join(offenders)


def test_modules_are_at_most_400_lines() -> None:
    offenders = [o for name, text in sources() for o in long_module(name, text)]
    assert not offenders, report(offenders, f"modules of {MAX_MODULE_LINES} lines")


def test_functions_are_at_most_60_lines() -> None:
    offenders = [o for name, text in sources() for o in long_functions(name, text)]
    assert not offenders, report(offenders, f"functions of {MAX_FUNCTION_LINES} lines")


def test_the_function_check_reports_a_61_line_function() -> None:
    # Nested and async, so the walk is shown to reach inside other definitions.
    body = "".join(f"        x{i} = {i}\n" for i in range(59))
    text = f"class C:\n    async def long(self) -> None:\n{body}        return None\n"
    assert long_functions("synthetic.py", text) == ["synthetic.py:2 long (61 lines)"]
    assert long_functions("synthetic.py", text, limit=61) == []
