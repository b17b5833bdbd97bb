"""Text ordered as Python orders it, in SQL on both databases: a statement that ranks rows
for Python to re-rank (``summaries``) must break ties the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class codepoint_order(FunctionElement[Any]):
    """Text compared by code point, as Python compares it (``core.summary`` ranks ties by
    name): SQLite's default; PostgreSQL's ``"C"`` collation."""

    inherit_cache = True
    name = "codepoint_order"


@compiles(codepoint_order)
def _codepoint_sqlite(element: codepoint_order, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(codepoint_order, "postgresql")
def _codepoint_postgres(element: codepoint_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
