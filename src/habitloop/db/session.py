"""One transaction per request or command: the caller opens it, services only flush."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar
from uuid import UUID

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from habitloop.db.admission import Admission
from habitloop.db.engine import WRITE_OPTION
from habitloop.db.identity import IDENTITY_OPTION, SERVICE, Identity

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    """The engine, two session factories (read and write transactions), and the admission of
    transactions in an event loop (``admission``).

    Every transaction acts as an identity: a request as its caller, everything else (commands,
    the simulator, the embedded library) as ``service_role``; None is the login itself, which
    owns nothing and may read nothing. On PostgreSQL the row level security policies see it;
    SQLite ignores it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )
        self.admission = Admission(_connections(engine), _writer_file(engine))

    @contextmanager
    def transaction(
        self, *, write: bool = True, identity: Identity | None = SERVICE
    ) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on error."""
        factory = self._write if write else self._read
        with factory() as session, session.begin():
            if self.dialect == "postgresql" and identity is not None:
                # Given to the session's first connection only: should a use case ever end
                # the transaction early, the next one has no identity, and the login role
                # alone may read nothing.
                options: Mapping[str, Identity] = {IDENTITY_OPTION: identity}
                session.connection(execution_options=options)
            yield session

    def run(
        self,
        use_case: Callable[Concatenate[Session, P], R],
        write: bool,
        identity: Identity | None,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """``use_case(session, ...)`` in one transaction as ``identity``, committed before it
        returns."""
        with self.transaction(write=write, identity=identity) as session:
            return use_case(session, *args, **kwargs)

    def dispose(self) -> None:
        self.engine.dispose()


def _connections(engine: Engine) -> int:
    """How many transactions may run at once: the pool's steady size (its overflow is kept for
    callers that are not admitted, such as commands and the simulator)."""
    pool = engine.pool
    return pool.size() if isinstance(pool, QueuePool) else 1


def _writer_file(engine: Engine) -> Path | None:
    """The lock file beside a SQLite database file (None for PostgreSQL or memory)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{database}.writer")


def lock_user(session: Session, user_id: UUID) -> None:
    """Serialise writers of one user's plans for the rest of the transaction.

    SQLite already serialises writers with BEGIN IMMEDIATE; PostgreSQL takes a transaction-scoped
    advisory lock keyed by the user, so two requests for one user and date make one plan.
    """
    lock_key(session, user_id.bytes)


def lock_key(session: Session, key: bytes) -> None:
    """Serialise writers that name ``key`` for the rest of the transaction (PostgreSQL; SQLite
    has one writer at a time already)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    number = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)
    session.connection().execute(_LOCK, {"key": number})


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
