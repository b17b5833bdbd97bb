"""The worker's learner: every second or so it learns from the answers stored to be learned
later (``learning.catch_up``), a few users per transaction, each transaction admitted like a
request, so it takes its turn at the database and never holds one for long. A round that
found as many users as it may take is followed by the next at once: a backlog is learned as
fast as those turns allow, not a round a second."""

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
            while await _round(ctx):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("learner_round_failed")


async def _round(ctx: AppContext) -> bool:
    """Learn for the users with waiting answers, up to a round's number; whether more may wait
    (the round was full and learned something)."""
    settings = ctx.settings
    waiting = await ctx.read_as_service(waiting_users, settings.learner_users_per_round)
    step, total = settings.learner_users_per_transaction, 0
    for start in range(0, len(waiting), step):
        learned = await ctx.write_as_service(
            catch_up,
            settings=settings,
            library_cache=ctx.library,
            user_ids=waiting[start : start + step],
        )
        ctx.metrics.learned_later.inc(learned)
        total += learned
    return len(waiting) >= settings.learner_users_per_round and total > 0
