"""What the running service shares across requests, built once in the app's lifespan, and how a
request runs its use case: admitted on the event loop, then in one transaction on one thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from habitloop.api.metrics import AppMetrics
from habitloop.application import Application
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache

P = ParamSpec("P")
R = TypeVar("R")


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
        return await self._run(True, use_case, *args, **kwargs)

    async def read(
        self, use_case: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._run(False, use_case, *args, **kwargs)

    async def _run(
        self,
        write: bool,
        use_case: Callable[Concatenate[Session, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        async with self.db.admission.turn(write=write) as waited:
            self.metrics.turn_wait.labels("write" if write else "read").observe(waited)
            return await run_in_threadpool(self.db.run, use_case, write, *args, **kwargs)
