"""The application factory. Engines and the library are built in the lifespan, not at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from habitloop.api.context import AppContext
from habitloop.api.errors import install_error_handlers
from habitloop.api.learner import learn_waiting_answers
from habitloop.api.limits import RateLimits, install_rate_limits
from habitloop.api.metrics import AppMetrics
from habitloop.api.middleware import BodyLimitMiddleware, DateHorizonMiddleware, IncidentMiddleware
from habitloop.application import Application
from habitloop.auth import resolve_secret
from habitloop.checkins.endpoints import router as checkins_router
from habitloop.feedback.endpoints import router as feedback_router
from habitloop.health.endpoints import router as health_router
from habitloop.heap import settle_after_startup
from habitloop.learning.endpoints import router as learning_router
from habitloop.logging import configure_logging
from habitloop.plans.endpoints import router as plans_router
from habitloop.settings import Settings, load_settings
from habitloop.summaries.endpoints import router as summaries_router
from habitloop.swaps.endpoints import router as swaps_router
from habitloop.tasks.endpoints import router as tasks_router
from habitloop.users.endpoints import router as users_router
from habitloop.web.pages import install_pages

API_VERSION = "1.0.0"


def build_context(settings: Settings, metrics: AppMetrics) -> AppContext:
    """The application at the current schema (never migrated by the server's workers) and
    the token secret."""
    application = Application.start(settings, migrate=False)
    try:
        secret = resolve_secret(settings)
    except Exception:
        application.close()
        raise
    return AppContext(application, secret, metrics)


def create_app(settings: Settings | None = None, *, settle_heap: bool = False) -> FastAPI:
    """The API and pages. ``settle_heap`` is for a process that serves only this app (as
    ``habitloop serve`` does): what startup built is set aside from garbage collection."""
    settings = settings or load_settings()
    metrics = AppMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, json=settings.log_json)
        ctx = build_context(settings, metrics)
        metrics.watch_pool(ctx.db.engine)
        app.state.ctx = ctx
        if settle_heap:
            settle_after_startup()
        learner = None
        if settings.learner_interval_seconds > 0:
            learner = asyncio.create_task(learn_waiting_answers(ctx), name="learner")
        try:
            yield
        finally:
            if learner is not None:
                learner.cancel()
                with suppress(asyncio.CancelledError):
                    await learner
            ctx.application.close()

    app = FastAPI(
        title="habitloop",
        version=API_VERSION,
        summary="Daily wellness plans that learn from what each user does with them.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_rate_limits(app, RateLimits.from_settings(settings, metrics.registry))
    routers = (
        health_router,
        users_router,
        checkins_router,
        plans_router,
        swaps_router,
        feedback_router,
        learning_router,
        summaries_router,
        tasks_router,
    )
    for router in routers:
        app.include_router(router)
    install_pages(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(DateHorizonMiddleware, days=settings.plan_horizon_days)
    metrics.instrument(app)
    # Outermost of the app's own middleware: it sees every answer and exception the others
    # let through, and the time it takes to store one is not counted as the request's.
    app.add_middleware(IncidentMiddleware)
    return app
