"""Whether the statements a block of code sends read a table through an index or by scanning
all of it, on either database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from habitloop.db import Database


@contextmanager
def reads_of(engine: Engine, table: str) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (with their parameters) that name ``table``, as sent."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def scans_whole(db: Database, table: str, statement: str, params: Any) -> bool:
    """Whether the database would read every row of ``table`` for this statement. On
    PostgreSQL sequential scans are priced out first: a plan that keeps one has no index to
    use instead."""
    with db.transaction(write=False) as session:
        connection = session.connection()
        if db.dialect == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            return any(str(row[-1]) == f"SCAN {table}" for row in rows)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", params)
        return any(f"Seq Scan on {table}" in str(row[0]) for row in rows)
