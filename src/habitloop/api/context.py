"""What the running service shares across requests, built once in the app's lifespan, and how a
request runs its use case: admitted on the event loop, then in one transaction on one thread,
acting as the request's caller."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from habitloop.api.metrics import AppMetrics
from habitloop.application import Application
from habitloop.auth import Principal, Role
from habitloop.db import SERVICE, Database, Identity
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache

P = ParamSpec("P")
R = TypeVar("R")

# The caller of the request being served, as its transactions act on PostgreSQL. Set by the
# dependency that authenticates the caller, in the request's own context, so it never reaches
# another request. Unset, a request acts as nobody: the service's login alone may read
# nothing, so a route that forgets to name its caller fails instead of seeing every user.
_caller: ContextVar[Identity | None] = ContextVar("habitloop_caller", default=None)


def identity_of(principal: Principal) -> Identity:
    """A user token acts as ``authenticated`` with its subject; a service token or a client
    key (which may act for any user) as ``service_role``."""
    if principal.role is Role.AUTHENTICATED and principal.user_id is not None:
        return Identity.user(principal.user_id)
    return SERVICE


def acting_as(principal: Principal) -> Principal:
    """Record ``principal`` as the caller the request's transactions act as; returns it."""
    _caller.set(identity_of(principal))
    return principal


def acting_as_service() -> None:
    """For a route that serves the service's own figures to a caller who is no user (the
    metrics token)."""
    _caller.set(SERVICE)


@dataclass(frozen=True)
class AppContext:
    application: Application
    jwt_secret: str
    metrics: AppMetrics

    @property
    def settings(self) -> Settings:
        return self.application.settings

    @property
    def db(self) -> Database:
        return self.application.db

    @property
    def library(self) -> LibraryCache:
        return self.application.library

    async def write(
        self, use_case: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``use_case(session, ...)`` in a write transaction, committed before the response."""
        return await self._run(True, _caller.get(), use_case, *args, **kwargs)

    async def read(
        self, use_case: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._run(False, _caller.get(), use_case, *args, **kwargs)

    async def write_as_service(
        self, use_case: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``use_case(session, ...)`` in a write transaction of its own as ``service_role``,
        whoever the request's caller is: for what the service records about itself."""
        return await self._run(True, SERVICE, use_case, *args, **kwargs)

    async def read_as_service(
        self, use_case: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._run(False, SERVICE, use_case, *args, **kwargs)

    async def _run(
        self,
        write: bool,
        identity: Identity | None,
        use_case: Callable[Concatenate[Session, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        async with self.db.admission.turn(write=write) as waited:
            self.metrics.turn_wait.labels("write" if write else "read").observe(waited)
            return await run_in_threadpool(self.db.run, use_case, write, identity, *args, **kwargs)
