"""JSON built inside a statement, one spelling for SQLite and PostgreSQL, so a set-based
statement can hand back (or store) a document per row without a round trip per row.

SQLite's JSON functions mark their results as JSON only while they nest directly; a value that
crossed a sub-query is plain text again and would be embedded as a string, so ``as_json``
re-reads it. PostgreSQL builds ``json`` text, several times cheaper to build and nest than
``jsonb``. SQLite 3.40 has no ``ORDER BY`` inside an
aggregate: ``json_array_agg`` there keeps the order its input arrives in, which the caller
fixes with an ordered sub-query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from habitloop.models.base import JsonText


class json_object(FunctionElement[Any]):
    """``json_object(key, value, ...)``; PostgreSQL: ``json_build_object``."""

    type = JsonText
    inherit_cache = True
    name = "json_object"


class json_array(FunctionElement[Any]):
    """``json_array(value, ...)``; PostgreSQL: ``json_build_array``. Cheaper to build than an
    object of the same values: no keys."""

    type = JsonText
    inherit_cache = True
    name = "json_array"


class json_array_agg(FunctionElement[Any]):
    """The aggregate of its first argument as a JSON array, ordered by the others on
    PostgreSQL (SQLite: the input's order)."""

    type = JsonText
    inherit_cache = True
    name = "json_array_agg"


class as_json(FunctionElement[Any]):
    """A JSON document from a sub-query, embedded as a document (``empty`` when NULL)."""

    type = JsonText
    inherit_cache = True
    name = "as_json"


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(json_object)
def _object_sqlite(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({', '.join(_arguments(element, compiler, **kw))})"


@compiles(json_object, "postgresql")
def _object_postgres(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({', '.join(_arguments(element, compiler, **kw))})"


@compiles(json_array)
def _array_sqlite(element: json_array, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({', '.join(_arguments(element, compiler, **kw))})"


@compiles(json_array, "postgresql")
def _array_postgres(element: json_array, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_array({', '.join(_arguments(element, compiler, **kw))})"


@compiles(json_array_agg)
def _agg_sqlite(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({_arguments(element, compiler, **kw)[0]})"


@compiles(json_array_agg, "postgresql")
def _agg_postgres(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    value, *order = _arguments(element, compiler, **kw)
    return f"json_agg({value}{' ORDER BY ' + ', '.join(order) if order else ''})"


@compiles(as_json)
def _as_json_sqlite(element: as_json, compiler: SQLCompiler, **kw: Any) -> str:
    value, empty = _arguments(element, compiler, **kw)
    return f"json(coalesce({value}, {empty}))"


@compiles(as_json, "postgresql")
def _as_json_postgres(element: as_json, compiler: SQLCompiler, **kw: Any) -> str:
    value, empty = _arguments(element, compiler, **kw)
    return f"coalesce({value}, CAST({empty} AS json))"


def document(value: ColumnElement[Any], empty: str = "[]") -> as_json:
    return as_json(value, literal(empty))
