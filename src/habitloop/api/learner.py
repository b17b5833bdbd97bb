"""The worker's learner: every second or so it learns from the answers batches stored to be
learned later (``learning.catch_up``), a few users per transaction, each transaction admitted
like a request, so it takes its turn at the database and never holds one for long."""

from __future__ import annotations

import asyncio

import structlog

from habitloop.api.context import AppContext
from habitloop.learning.catch_up import catch_up, waiting_users

log = structlog.get_logger(__name__)


async def learn_waiting_answers(ctx: AppContext) -> None:
    """Run until cancelled; a failed round is logged and the next one tries again."""
    settings = ctx.settings
    while True:
        await asyncio.sleep(settings.learner_interval_seconds)
        try:
            await _round(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("learner_round_failed")


async def _round(ctx: AppContext) -> None:
    settings = ctx.settings
    waiting = await ctx.read_as_service(waiting_users, settings.learner_users_per_round)
    step = settings.learner_users_per_transaction
    for start in range(0, len(waiting), step):
        learned = await ctx.write_as_service(
            catch_up,
            settings=settings,
            library_cache=ctx.library,
            user_ids=waiting[start : start + step],
        )
        ctx.metrics.learned_later.inc(learned)
