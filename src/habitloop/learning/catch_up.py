"""The service's learner: it catches up with users whose answers are stored but not learned
from yet (``learning.pending``), a few users per transaction, so a batch of answers is learned
from soon even when its users ask for nothing more."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.learned_documents import Pool
from habitloop.core.vocab import Strategy
from habitloop.db import Database, lock_users
from habitloop.learning import repository as repo
from habitloop.learning import service as learning
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo


def catch_up(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_ids: Sequence[UUID],
) -> int:
    """Learn from these users' waiting answers now, as recording them one by one would have,
    and save their states together (each archetype's pool changes once). Returns how many
    answers were learned (none for a user another transaction caught up with first)."""
    lock_users(session, user_ids)
    states = []
    # Each archetype's pool is read once: nothing here writes it before ``save_all``.
    pools: dict[str, Pool] = {}
    for user_id in sorted(user_ids):
        found = repo.load_learning(session, user_id, pools)
        if found is None or not found[1].pending:
            continue
        user, rows = found
        library = library_cache.current(session, revision=rows.library_revision)
        state = learning.open_learning(
            user=user,
            rows=rows,
            library=library,
            half_life_days=settings.profile_half_life_days,
            today=user.phase_since or date.min,
            keep_model=settings.strategy is Strategy.BANDIT,
        )
        learning.learn_waiting(session, state, library, rows)
        states.append(state)
    learned = sum(len(state.learned_rows) for state in states)
    learning.save_all(session, states)
    users_repo.bump_revisions(session, [state.user for state in states])
    return learned


def waiting_users(session: Session, limit: int) -> list[UUID]:
    """Up to ``limit`` users with answers waiting to be learned from, in order of their ids."""
    return repo.users_with_pending(session, limit)


def waiting_answers(session: Session) -> int:
    """How many answers wait to be learned from, across users."""
    return repo.count_pending(session)


def catch_up_everyone(
    db: Database,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    progress: Callable[[int], None] = lambda learned: None,
    users_per_round: int = 500,
    users_per_transaction: int = 20,
) -> int:
    """Learn every waiting answer, some users per transaction, until none is left; how many.
    ``progress`` is told each transaction's count as it is learned."""
    total = 0
    while True:
        with db.transaction(write=False) as session:
            waiting = waiting_users(session, users_per_round)
        if not waiting:
            return total
        before = total
        for start in range(0, len(waiting), users_per_transaction):
            with db.transaction() as session:
                learned = catch_up(
                    session,
                    settings=settings,
                    library_cache=library_cache,
                    user_ids=waiting[start : start + users_per_transaction],
                )
            total += learned
            progress(learned)
        if total == before:  # only answers another transaction is learning from right now
            return total
