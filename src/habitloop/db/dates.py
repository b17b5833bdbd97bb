"""Dates of stored instants, one spelling for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class utc_date(FunctionElement[Any]):
    """The UTC calendar date of a timestamp column. SQLite keeps the instant as written, which
    the service writes in UTC; PostgreSQL converts from the session's time zone, whatever the
    server was configured with."""

    type = Date()
    inherit_cache = True
    name = "utc_date"


@compiles(utc_date)
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "postgresql")
def _utc_date_postgres(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"
