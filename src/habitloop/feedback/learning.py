"""One user's learned profile inside one transaction: load it, settle unanswered days, apply
or retract feedback, move the learning phase, and write it back once.

Feedback and plan generation both go through here, so the profile is updated incrementally in
the same transaction as what changed it, from compact state (one profile row and the plan
items since the last settlement), never by recomputing over the whole history.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.bandit import repository as bandit_repo
from habitloop.core.library import Library, Task
from habitloop.core.phases import PhaseRules, PhaseState, advance
from habitloop.core.policies.bandit import reward
from habitloop.core.policies.contextual import (
    FeatureSpace,
    Model,
    feature_space,
    population_prior,
    predict,
    update,
)
from habitloop.core.profile import FeedbackEvent, Profile, apply, archetype_priors, new_profile
from habitloop.core.profile_document import from_document, to_document
from habitloop.core.profile_view import (
    ProfileView,
    has_tried,
    recent_completion_rate,
    task_exposure,
    task_last_answered,
    view,
)
from habitloop.core.vocab import (
    Archetype,
    Mode,
    Outcome,
    Phase,
    TimeBlock,
)
from habitloop.feedback import repository as repo
from habitloop.feedback.events import event_document, event_for
from habitloop.plans.repository import ItemRef
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.service import user_not_found


@dataclass
class Learning:
    """The profile and the bandit's arms of one user, changed in memory and saved once."""

    user: User
    profile: Profile
    settled_through: date | None
    exists: bool
    half_life_days: float
    today: date
    space: FeatureSpace | None = None
    prior: Model | None = None
    model: Model | None = None
    dirty: bool = False
    settled_moved: bool = False
    phase_moved: bool = False
    # Settled in memory only (``settle(store=False)``): the profile and model hold events
    # that have no feedback rows, so they are not saved.
    held: bool = False
    _views: dict[date, ProfileView] = field(default_factory=dict)
    _model_stored: Model | None = None

    def apply(
        self,
        event: FeedbackEvent,
        sign: int = 1,
        features: Mapping[int, float] | None = None,
        predicted: float | None = None,
    ) -> None:
        """Apply (or, with ``sign`` -1, retract) one event to the profile and, given its
        features and the bandit's prediction for them, to the bandit's model."""
        self.profile = apply(self.profile, event, half_life_days=self.half_life_days, sign=sign)
        if features is not None and predicted is not None and self.prior is not None:
            value, weight = reward(event.outcome, event.rating)
            start = self.model if self.model is not None else self.prior
            self.model = update(
                start, features, value, weight, event.day, self.prior, sign, predicted
            )
        self.dirty = True
        self._views.clear()

    def predict(self, features: Mapping[int, float] | None, day: date) -> float | None:
        if self.prior is None or features is None:
            return None
        return predict(self.model or self.prior, features, day, self.prior)

    def snapshot(self) -> tuple[Profile, Model | None, bool]:
        return self.profile, self.model, self.dirty

    def restore(self, saved: tuple[Profile, Model | None, bool]) -> None:
        self.profile, self.model, self.dirty = saved
        self._views.clear()

    def features(
        self, task: Task, block: TimeBlock, mode: Mode, day: date
    ) -> dict[int, float] | None:
        """The bandit's features of ``task`` as the user knew it on ``day`` (None when the
        bandit's model is not kept for this user)."""
        if self.space is None:
            return None
        return self.space.encode(
            task,
            mode,
            task_exposure(self.profile, task.id, day),
            has_tried(self.profile, task.id),
            task.archetype_fit[Archetype(self.user.archetype)],
            block,
            self.days_since(task.id, day),
        )

    def days_since(self, task_id: UUID, day: date) -> int | None:
        last = task_last_answered(self.profile, task_id)
        return (day - last).days if last is not None else None

    def last_answered(self) -> dict[UUID, date]:
        return {t: r.outcomes.ref for t, r in self.profile.tasks.items() if r.outcomes.ref}

    def view(self, today: date) -> ProfileView:
        if today not in self._views:
            self._views[today] = view(self.profile, today)
        return self._views[today]


def require_learner(session: Session, user_id: UUID) -> tuple[User, repo.LearningRows]:
    """The user with their stored learning state, in one read; 404 when there is no user."""
    found = repo.load_learning(session, user_id)
    if found is None:
        raise user_not_found(user_id)
    return found


def open_learning(
    session: Session,
    user: User,
    library: Library,
    half_life_days: float,
    today: date,
    *,
    bandit: bool = False,
    rows: repo.LearningRows | None = None,
) -> Learning:
    """The user's profile as stored, or a new one from the archetype's priors; and the
    bandit's model with its population prior when ``bandit`` or when the user already has a
    model (a user the bandit has served keeps it learning from every answer). ``rows`` are
    the user's stored learning state when the caller has read them already."""
    if rows is None:
        rows = require_learner(session, user.user_id)[1]
    if rows.profile is not None:
        profile = from_document(rows.profile.state)
        learning = Learning(
            user, profile, rows.profile.settled_through, True, half_life_days, today
        )
    else:
        priors = archetype_priors(library, Archetype(user.archetype))
        learning = Learning(
            user, new_profile(priors), None, False, half_life_days, today, dirty=True
        )
    if not bandit and rows.model is None:
        return learning
    space = feature_space(library)
    sums, users = bandit_repo.population_of(space, rows.population)
    learning.space = space
    learning.prior = population_prior(space, sums, users)
    stored = bandit_repo.model_of(space, rows.model) if rows.model is not None else None
    learning.model = learning._model_stored = stored
    return learning


def item_event_parts(item: ItemRef, library: Library) -> tuple[Task, TimeBlock] | None:
    task = library.by_id.get(item.task_id)
    return (task, TimeBlock(item.time_block)) if task is not None else None


def end_of_day(day: date, timezone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), ZoneInfo(timezone))


def settle(
    session: Session,
    learning: Learning,
    library: Library,
    before: date,
    *,
    store: bool = True,
    answered: Collection[UUID] = (),
    into: list[dict[str, Any]] | None = None,
) -> int:
    """Count the active items of days before ``before`` that got no answer as "no response".

    Each becomes an implicit feedback row (so a late answer is an update, seen exactly once)
    and a profile event; with ``store`` false only the in-memory profile changes, for reads.
    Items in ``answered`` have answers not inserted yet; with ``into`` the rows are appended
    there for the caller to insert with those answers, in one statement.
    Returns how many items were settled.
    """
    last_day = before - timedelta(days=1)
    if learning.settled_through is not None and learning.settled_through >= last_day:
        return 0
    user = learning.user
    rows = []
    for item in repo.unanswered_items(session, user.user_id, learning.settled_through, before):
        parts = item_event_parts(item, library)
        if parts is None or item.item_id in answered:
            continue
        task, block = parts
        event = event_for(
            task,
            block=block,
            day=item.plan_date,
            outcome=Outcome.NO_RESPONSE,
            is_new=not has_tried(learning.profile, task.id),
        )
        features = learning.features(task, block, Mode(item.mode), item.plan_date)
        predicted = learning.predict(features, item.plan_date)
        learning.apply(event, features=features, predicted=predicted)
        rows.append(
            {
                "user_id": user.user_id,
                "feedback_id": uuid4(),
                "plan_item_id": item.item_id,
                "task_id": item.task_id,
                "plan_date": item.plan_date,
                "outcome": Outcome.NO_RESPONSE.value,
                "source": "implicit",
                "occurred_at": end_of_day(item.plan_date, user.timezone),
                "event": event_document(event, features, learning.space, predicted),
            }
        )
    if into is not None:
        into.extend(rows)
    elif store:
        repo.add_many(session, rows)
    else:
        learning.held = True
    learning.settled_through = last_day
    # Nothing settled: only the date moves, and saving it needs no new profile document.
    learning.settled_moved = True
    return len(rows)


def advance_phase(
    learning: Learning, today: date, rules: PhaseRules, *, store: bool = True
) -> PhaseState:
    """The user's learning phase by the canonical rule as of ``today`` (stored on the user row
    unless ``store`` is false)."""
    user = learning.user
    current = Phase(user.learning_phase)
    since = user.phase_since or today
    state = PhaseState(current, since, user.phase_locked, user.phase_completions)
    # The two counts the rule reads, without building the whole view.
    moved = advance(
        state,
        today=today,
        completions=learning.profile.outcomes[Outcome.COMPLETED],
        completion_rate_7d=recent_completion_rate(learning.profile, today),
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
    if learning.phase_moved:
        users_repo.save_phase(session, learning.user)
        learning.phase_moved = False
    if learning.held:
        return
    if learning.dirty:
        counts = learning.profile.outcomes
        repo.save_profile(
            session,
            learning.user.user_id,
            {
                "state": to_document(learning.profile),
                "settled_through": learning.settled_through,
                "events": sum(counts.values()),
                "completions": counts[Outcome.COMPLETED],
            },
            exists=learning.exists,
        )
        learning.exists = True
        learning.dirty = False
        learning.settled_moved = False
    elif learning.settled_moved and learning.exists:
        repo.save_settled_through(session, learning.user.user_id, learning.settled_through)
        learning.settled_moved = False
    model, stored, space = learning.model, learning._model_stored, learning.space
    if model is not None and model is not stored and space is not None:
        user_id = learning.user.user_id
        bandit_repo.save_model(session, user_id, space, model, exists=stored is not None)
        before = stored.mean if stored is not None else (0.0,) * len(space)
        delta = [new - old for new, old in zip(model.mean, before, strict=True)]
        bandit_repo.add_to_population(
            session, learning.user.archetype, space, delta, users=int(stored is None)
        )
        learning._model_stored = model
