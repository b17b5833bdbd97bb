"""One transaction per request or command: the caller opens it, services only flush."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator, Mapping
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
    transactions in an event loop (``admission``, ``lanes`` at once on PostgreSQL).

    Every transaction acts as an identity: a request as its caller, everything else (commands,
    the simulator, the embedded library) as ``service_role``; None is the login itself, which
    owns nothing and may read nothing. On PostgreSQL the row level security policies see it;
    SQLite ignores it.
    """

    def __init__(self, engine: Engine, *, lanes: int = 1) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read = sessionmaker(_reading(engine), expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )
        self.admission = Admission(_lanes(engine, lanes), _writer_file(engine))

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


def _reading(engine: Engine) -> Engine:
    """The engine read transactions use. On PostgreSQL each reads one snapshot throughout
    (REPEATABLE READ): at the default READ COMMITTED every statement sees what has committed
    since the last, and a read that loads a user's learned state and then the answers waiting
    for it could see an answer the learner has since learned, and changed again, on top of a
    state from before. SQLite's read transactions already keep their first snapshot."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="REPEATABLE READ")


def _lanes(engine: Engine, wanted: int) -> int:
    """How many transactions of this process may run at once (``Admission``): one on SQLite;
    on PostgreSQL ``wanted``, at most the pool's steady size, so an admitted transaction never
    waits for a connection (the overflow is kept for callers that are not admitted, such as
    commands and the simulator)."""
    pool = engine.pool
    if engine.dialect.name == "sqlite" or not isinstance(pool, QueuePool):
        return 1
    return min(wanted, pool.size())


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


def lock_users(session: Session, user_ids: Collection[UUID]) -> None:
    """``lock_user`` for several users in one statement, in the order of their lock numbers:
    two transactions locking some of the same users this way wait, never deadlock."""
    if session.get_bind().dialect.name != "postgresql" or not user_ids:
        return
    numbers = sorted({_lock_number(user_id.bytes) for user_id in user_ids})
    session.connection().execute(_LOCK_MANY, {"keys": numbers})


def lock_key(session: Session, key: bytes) -> None:
    """Serialise writers that name ``key`` for the rest of the transaction (PostgreSQL; SQLite
    has one writer at a time already)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(_LOCK, {"key": _lock_number(key)})


def _lock_number(key: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# The locks are taken after the sort: PostgreSQL evaluates a volatile select list last.
_LOCK_MANY = text(
    "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS t(k) ORDER BY k"
)
