"""One transaction per request or command: the caller opens it, services only flush."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from habitloop.db.engine import WRITE_OPTION


class Database:
    """The engine and two session factories: read transactions and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on error."""
        factory = self._write if write else self._read
        with factory() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def lock_user(session: Session, user_id: UUID) -> None:
    """Serialise writers of one user's plans for the rest of the transaction.

    SQLite already serialises writers with BEGIN IMMEDIATE; PostgreSQL takes a transaction-scoped
    advisory lock keyed by the user, so two requests for one user and date make one plan.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(user_id.bytes, digest_size=8).digest(), "big", signed=True)
    session.connection().execute(_LOCK, {"key": key})


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
