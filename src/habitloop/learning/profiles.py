"""Reading the learned state back: the profile as of a day, and the phase a person pins."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.library import Library
from habitloop.core.phases import PhaseRules, PhaseState
from habitloop.core.profile_view import ProfileView
from habitloop.learning.schemas import FavouriteOut, FrictionOut, PhaseIn, ProfileOut
from habitloop.learning.service import (
    advance_phase,
    learn_waiting,
    open_learning,
    require_learner,
    settle,
)
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.schemas import UserOut
from habitloop.users.service import to_out


def read_profile(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    as_of: date,
) -> ProfileOut:
    """The profile as of ``as_of``; answers not learned from yet, and days before it that went
    unanswered, count as they will when the profile is next updated (nothing is written by
    reading)."""
    user, rows = require_learner(session, user_id)
    library = library_cache.current(session)
    learning = open_learning(
        user=user,
        rows=rows,
        library=library,
        half_life_days=settings.profile_half_life_days,
        today=as_of,
    )
    learn_waiting(session, learning, library, rows, store=False)
    settle(session, learning, library, before=as_of, store=False)
    phase = advance_phase(learning, as_of, PhaseRules(), store=False)
    # Until a learning strategy has served the user their phase has no start to show.
    unstarted = user.phase_since is None and phase.phase.value == user.learning_phase
    since = None if unstarted else phase.since
    return profile_out(learning.state.view(as_of), phase, since, library, user_id, as_of)


def profile_out(
    seen: ProfileView,
    phase: PhaseState,
    since: date | None,
    library: Library,
    user_id: UUID,
    as_of: date,
) -> ProfileOut:
    favourites = [library.by_id[t] for t in seen.favourites if t in library.by_id]
    return ProfileOut(
        user_id=user_id,
        as_of=as_of,
        learning_phase=phase.phase,
        phase_since=since,
        phase_locked=phase.locked,
        category_affinity={c: round(v, 4) for c, v in seen.category_affinity.items()},
        time_of_day={b: round(v, 4) for b, v in seen.time_of_day.items()},
        difficulty_tolerance=round(seen.difficulty_tolerance, 4),
        variety_seeking=round(seen.variety_seeking, 4),
        consistency=round(seen.consistency, 4),
        streak_current=seen.streak_current,
        streak_longest=seen.streak_longest,
        friction={
            c: FrictionOut(score=round(v, 4), level=seen.friction_level[c])
            for c, v in seen.friction.items()
        },
        favourites=[
            FavouriteOut(task_id=t.id, slug=t.slug, name=t.name, category=t.category)
            for t in sorted(favourites, key=lambda t: (t.category.value, t.slug))
        ],
        events=seen.events,
        completions=seen.completions,
        partials=seen.partials,
        skips=seen.skips,
        no_responses=seen.no_responses,
        completion_rate=seen.completion_rate,
        completion_rate_7d=seen.completion_rate_7d,
        unique_tasks_tried=seen.unique_tasks_tried,
        confidence=round(seen.confidence, 4),
    )


def override_phase(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    body: PhaseIn,
    today: date,
) -> UserOut:
    """Pin (or, with ``locked`` false, just set) the user's phase from today."""
    user, rows = require_learner(session, user_id)
    library = library_cache.current(session)
    learning = open_learning(
        user=user,
        rows=rows,
        library=library,
        half_life_days=settings.profile_half_life_days,
        today=today,
    )
    # Answers waiting to be learned from came before the pin: its completions start after them.
    learn_waiting(session, learning, library, rows, store=False)
    user.learning_phase = body.phase.value
    user.phase_since = today
    user.phase_locked = body.locked
    user.phase_completions = learning.state.view(today).completions
    users_repo.save_phase(session, user)
    users_repo.bump_revision(session, user)
    return to_out(user)
