"""The learned state's use cases inside the caller's transaction: open it, settle the days that
went unanswered, move the learning phase, and save it once.

Plans and feedback both go through here, so the state changes in the same transaction as what
changed it, from compact rows (the profile, the model, the plan items since the last
settlement), never by recomputing over the whole history.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.completion_model import feature_space, population_prior
from habitloop.core.learned import Learned, event_for, observe
from habitloop.core.learned_documents import (
    model_from_stored,
    observation_document,
    pool_changes,
    stored_model,
)
from habitloop.core.library import Library
from habitloop.core.phases import PhaseRules, PhaseState, advance
from habitloop.core.policies import AdaptivePolicy
from habitloop.core.policies.bandit import BanditPolicy
from habitloop.core.profile import archetype_priors, new_profile
from habitloop.core.profile_document import from_document, to_document
from habitloop.core.profile_view import has_tried, recent_completion_rate
from habitloop.core.vocab import Archetype, Mode, Outcome, Phase, TimeBlock
from habitloop.db.ids import new_id
from habitloop.learning import model_repository as models
from habitloop.learning import repository as repo
from habitloop.learning.pending import learn_answer
from habitloop.learning.repository import ItemRef, LearningRows, ProfileValues
from habitloop.learning.state import Learning
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.service import user_not_found

# An archetype's pool is kept in this many rows, so answers pooling at once rarely share one.
POOL_SHARDS = 4


def require_learner(session: Session, user_id: UUID) -> tuple[User, LearningRows]:
    """The user with their stored learning state, in one read; 404 when there is no user."""
    found = repo.load_learning(session, user_id)
    if found is None:
        raise user_not_found(user_id)
    return found


def open_learning(
    *,
    user: User,
    rows: LearningRows,
    library: Library,
    half_life_days: float,
    today: date,
    keep_model: bool = False,
) -> Learning:
    """The user's profile as stored, or a new one from the archetype's priors; and the
    completion model with its population prior when ``keep_model`` or when the user already
    has one (a user the bandit has served keeps it learning from every answer)."""
    if rows.profile is not None:
        profile = from_document(rows.profile.state)
    else:
        profile = new_profile(archetype_priors(library, Archetype(user.archetype)))
    settled = rows.profile.settled_through if rows.profile is not None else None
    if not keep_model and rows.model is None:
        learned = Learned(profile, half_life_days)
        learner: AdaptivePolicy | BanditPolicy = AdaptivePolicy()
    else:
        space = feature_space(library)
        stored, pool = rows.model, rows.population
        prior = population_prior(space, pool.weight_sums(space), pool.users)
        model = model_from_stored(space, stored) if stored is not None else None
        effects = pool.effects([task.id for task in library.tasks])
        learned = Learned(profile, half_life_days, space, prior, model, effects)
        learner = BanditPolicy()
    return Learning(
        user=user,
        state=learned,
        learner=learner,
        settled_through=settled,
        exists=rows.profile is not None,
        today=today,
        dirty=rows.profile is None,
        model_stored=learned.model,
    )


def learn_waiting(
    session: Session,
    learning: Learning,
    library: Library,
    rows: LearningRows,
    *,
    store: bool = True,
    answered: Collection[UUID] = (),
    into: list[dict[str, Any]] | None = None,
) -> int:
    """Learn from the user's answers stored but not learned from yet; how many. ``rows`` (read
    with the state) says whether there are any, so a user with none costs no query.

    Each day's answers come after the days before it are settled and the phase moves on the
    last answer's day, as if each answer had been learned from when it came: the state is the
    same whoever learns them, and when. ``store``, ``answered`` and ``into`` are ``settle``'s.
    """
    if not rows.pending:
        return 0
    answers = repo.pending_answers(session, learning.user.user_id)
    for answer in answers:
        settle(
            session,
            learning,
            library,
            before=answer.plan_date,
            store=store,
            answered=answered,
            into=into,
        )
        learning.learned_rows.append(learn_answer(learning, library, answer))
    if answers:
        learning.today = max(learning.today, answers[-1].plan_date)
        advance_phase(learning, answers[-1].plan_date, PhaseRules(), store=store)
    return len(answers)


def save_learned(session: Session, learning: Learning) -> None:
    """Mark the waiting answers learned from so far as learned, before the transaction changes
    any of them again."""
    repo.mark_learned(session, learning.learned_rows)
    learning.learned_rows = []


def end_of_day(day: date, timezone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), ZoneInfo(timezone))


def _settle_item(learning: Learning, library: Library, item: ItemRef) -> dict[str, Any] | None:
    """Learn that ``item`` went unanswered; its "no response" row (None for a task the
    library no longer has)."""
    task = library.by_id.get(item.task_id)
    if task is None:
        return None
    user = learning.user
    event = event_for(
        task,
        block=TimeBlock(item.time_block),
        day=item.plan_date,
        outcome=Outcome.NO_RESPONSE,
        is_new=not has_tried(learning.state.profile, task.id),
    )
    fit = task.archetype_fit[Archetype(user.archetype)]
    observation = observe(learning.state, task, event, Mode(item.mode), fit)
    learning.learn(observation)
    return {
        "user_id": user.user_id,
        "feedback_id": new_id(),
        "plan_item_id": item.item_id,
        "task_id": item.task_id,
        "plan_date": item.plan_date,
        "outcome": Outcome.NO_RESPONSE.value,
        "source": "implicit",
        "occurred_at": end_of_day(item.plan_date, user.timezone),
        "event": observation_document(observation, learning.state.space),
        "pending": False,
    }


def settle(
    session: Session,
    learning: Learning,
    library: Library,
    *,
    before: date,
    store: bool = True,
    answered: Collection[UUID] = (),
    into: list[dict[str, Any]] | None = None,
) -> int:
    """Count the active items of days before ``before`` that got no answer as "no response".

    Each becomes an implicit feedback row (so a late answer is an update, seen exactly once),
    written by ``save``, and an observation; with ``store`` false only the in-memory state
    changes, for reads. Items in ``answered`` have answers not inserted yet; with ``into`` the
    rows are appended there for the caller to insert with those answers, in one statement.
    Nothing is written here, so a plan can be prepared in a read transaction.
    Returns how many items were settled.
    """
    last_day = before - timedelta(days=1)
    if learning.settled_through is not None and learning.settled_through >= last_day:
        return 0
    items = repo.unanswered_items(session, learning.user.user_id, learning.settled_through, before)
    rows = []
    for item in items:
        row = None if item.item_id in answered else _settle_item(learning, library, item)
        if row is not None:
            rows.append(row)
    if into is not None:
        into.extend(rows)
    elif store:
        learning.settled_rows.extend(rows)
    else:
        learning.held = True
    learning.settled_through = last_day
    # When nothing was settled only the date moves, and saving it needs no new document.
    learning.settled_moved = True
    return len(rows)


def advance_phase(
    learning: Learning, today: date, rules: PhaseRules, *, store: bool = True
) -> PhaseState:
    """The user's learning phase by the canonical rule as of ``today`` (stored on the user row
    unless ``store`` is false)."""
    user, profile = learning.user, learning.state.profile
    since = user.phase_since or today
    state = PhaseState(Phase(user.learning_phase), since, user.phase_locked, user.phase_completions)
    # The two counts the rule reads, without building the whole view.
    moved = advance(
        state,
        today=today,
        completions=profile.outcomes[Outcome.COMPLETED],
        completion_rate_7d=recent_completion_rate(profile, today),
        days_observed=(today - since).days + 1,
        rules=rules,
    )
    if store and (moved != state or user.phase_since is None):
        user.learning_phase = moved.phase.value
        user.phase_since = moved.since
        user.phase_completions = moved.completions_at_start
        learning.phase_moved = True
    return moved


def save(session: Session, learning: Learning) -> None:
    """Write what changed: the phase, the profile (or only its settlement date), the model
    and the archetype's pooled sums."""
    save_all(session, [learning])


def save_all(session: Session, learnings: Sequence[Learning]) -> None:
    """Save several users' states. Each archetype's pool changes once, by the sum of its users'
    changes, in one shard, and archetypes in name order: two transactions that pool into the
    same shards lock them in the same order, so they wait for each other instead of
    deadlocking (and transactions pooling into other shards do not wait at all)."""
    pooled: dict[str, tuple[dict[str, float], int, UUID]] = {}
    for learning in learnings:
        change = _save_one(session, learning)
        if change is None:
            continue
        delta, new_user = change
        user = learning.user
        total, users, first = pooled.get(user.archetype, ({}, 0, user.user_id))
        for name, value in delta.items():
            total[name] = total.get(name, 0.0) + value
        pooled[user.archetype] = (total, users + new_user, min(first, user.user_id))
    for archetype in sorted(pooled):
        total, new_users, first = pooled[archetype]
        shard = first.int % POOL_SHARDS
        models.add_to_population(session, archetype, shard, total, users=new_users)


def _save_one(session: Session, learning: Learning) -> tuple[dict[str, float], int] | None:
    """Write the user's rows; their change to the archetype's pool by name (with 1 when their
    model is new), None when nothing changed for the pool."""
    if learning.phase_moved:
        users_repo.save_phase(session, learning.user)
        learning.phase_moved = False
    if learning.held:
        return None
    if learning.settled_rows:
        repo.add_settled(session, learning.settled_rows)
        learning.settled_rows = []
    if learning.learned_rows:
        save_learned(session, learning)
    user_id, profile = learning.user.user_id, learning.state.profile
    if learning.dirty:
        values = ProfileValues(
            to_document(profile),
            learning.settled_through,
            sum(profile.outcomes.values()),
            profile.outcomes[Outcome.COMPLETED],
        )
        repo.save_profile(session, user_id, values, exists=learning.exists)
        learning.exists, learning.dirty, learning.settled_moved = True, False, False
    elif learning.settled_moved and learning.exists:
        repo.save_settled_through(session, user_id, learning.settled_through)
        learning.settled_moved = False
    return _save_model(session, learning)


def _save_model(session: Session, learning: Learning) -> tuple[dict[str, float], int] | None:
    model, stored, space = learning.state.model, learning.model_stored, learning.state.space
    if model is None or space is None:
        return None
    steps, learning.effect_steps = learning.effect_steps, []
    if model is stored:
        return (pool_changes(space, [0.0] * len(space), steps), 0) if steps else None
    models.save_model(
        session, learning.user.user_id, stored_model(space, model), exists=stored is not None
    )
    before = stored.mean if stored is not None else (0.0,) * len(space)
    learning.model_stored = model
    delta = [new - old for new, old in zip(model.mean, before, strict=True)]
    return pool_changes(space, delta, steps), int(stored is None)
