"""Reading the learned profile, and the service role's manual phase override."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.phases import PhaseRules
from habitloop.feedback import learning as learn
from habitloop.feedback.schemas import FavouriteOut, FrictionOut, PhaseIn, ProfileOut
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.schemas import UserOut
from habitloop.users.service import require_user, to_out


def read_profile(
    session: Session, settings: Settings, libraries: LibrarySource, user_id: UUID, as_of: date
) -> ProfileOut:
    """The profile as of ``as_of``; days before it that went unanswered count as such, as they
    will when the profile is next updated (nothing is written by reading)."""
    user = require_user(session, user_id)
    library = libraries.current(session)
    learning = learn.open_learning(session, user, library, settings.profile_half_life_days, as_of)
    learn.settle(session, learning, library, before=as_of, store=False)
    phase = learn.advance_phase(learning, as_of, PhaseRules(), store=False)
    seen = learning.view(as_of)
    favourites = [library.by_id[t] for t in seen.favourites if t in library.by_id]
    return ProfileOut(
        user_id=user_id,
        as_of=as_of,
        learning_phase=phase.phase,
        phase_since=phase.since,
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
    settings: Settings,
    libraries: LibrarySource,
    user_id: UUID,
    body: PhaseIn,
    today: date,
) -> UserOut:
    """Pin (or, with ``locked`` false, just set) the user's phase from today."""
    user = require_user(session, user_id)
    learning = learn.open_learning(
        session, user, libraries.current(session), settings.profile_half_life_days, today
    )
    user.learning_phase = body.phase.value
    user.phase_since = today
    user.phase_locked = body.locked
    user.phase_completions = learning.view(today).completions
    users_repo.save_phase(session, user)
    return to_out(user)
