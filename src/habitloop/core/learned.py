"""What one user's answers have taught, and the one step that learns from an answer.

``Learned`` is the state every learning policy reads: the profile (``core.profile``) and, when
one is kept for the user, the completion model (``core.completion_model``) with its population
prior. ``learn`` applies (or retracts) one ``Observation`` to both; every learning policy's
``update`` is this step, so the service and the simulator learn the same way.

An ``Observation`` carries the model's features and prediction as they were when the answer was
first learned from: a retraction must undo exactly that step, whatever was learned since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from habitloop.core.completion_model import (
    UNSEEN,
    FeatureSpace,
    LearnedColumns,
    Model,
    draw_weights,
    learned_columns,
    predict,
    reward,
    update,
)
from habitloop.core.estimates import Estimates
from habitloop.core.library import Task
from habitloop.core.profile import FeedbackEvent, Profile, apply
from habitloop.core.profile_view import (
    ProfileView,
    has_tried,
    task_exposure,
    task_last_answered,
    view,
)
from habitloop.core.task_effects import EffectStep, TaskEffects
from habitloop.core.vocab import (
    ContinuePreference,
    Mode,
    Outcome,
    SkipReason,
    TimeBlock,
)

Features = Mapping[int, float]


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


@dataclass(frozen=True, slots=True)
class Observation:
    """One answer as a policy learns it; ``sign`` -1 retracts an answer learned before.
    ``effect`` is its step in the task's pooled effect (``core.task_effects``)."""

    event: FeedbackEvent
    features: Features | None = None
    predicted: float | None = None
    sign: int = 1
    effect: EffectStep | None = None

    def retraction(self) -> Observation:
        return replace(self, sign=-self.sign)


@dataclass(frozen=True, eq=False)
class Learned:
    """A user's profile and, when kept, their completion model with its prior. A value:
    ``learn`` returns a new one. What is derived for a day (the profile's view or estimates,
    the model relaxed to the day, posterior draws) is remembered per instance, as a plan asks
    for it once per slot."""

    profile: Profile
    half_life_days: float
    space: FeatureSpace | None = None
    prior: Model | None = None
    model: Model | None = None
    effects: TaskEffects | None = None
    _views: dict[date, ProfileView] = field(default_factory=dict, init=False, repr=False)
    _estimates: dict[date, Estimates] = field(default_factory=dict, init=False, repr=False)
    _models: dict[date, Model] = field(default_factory=dict, init=False, repr=False)
    _draws: dict[tuple[date, int, int, float], NDArray[np.float64]] = field(
        default_factory=dict, init=False, repr=False
    )
    _effect_draws: dict[tuple[date, int, int, float], NDArray[np.float64]] = field(
        default_factory=dict, init=False, repr=False
    )

    def view(self, day: date) -> ProfileView:
        if day not in self._views:
            self._views[day] = view(self.profile, day)
        return self._views[day]

    def estimates(self, day: date) -> Estimates:
        """What a plan scores candidates with on ``day`` (the parts of ``view`` it needs)."""
        if day not in self._estimates:
            self._estimates[day] = Estimates(self.profile, day)
        return self._estimates[day]

    def model_on(self, day: date) -> Model:
        """The model (the prior until the user's own starts) with its precision relaxed to
        ``day``."""
        if self.prior is None:
            raise ValueError("no completion model is kept for this user")
        if day not in self._models:
            self._models[day] = (self.model or self.prior).at(day, self.prior)
        return self._models[day]

    def history_columns(self, task_id: UUID, day: date) -> LearnedColumns:
        """The model's history features of a task on ``day`` (``UNSEEN`` for one never
        answered). Worked out per call: a plan asks once per candidate, and a task is a
        candidate in one slot only."""
        record = self.profile.tasks.get(task_id)
        if record is None:
            return UNSEEN
        ref = record.outcomes.ref
        return learned_columns(
            record.outcomes.at(day, self.profile.half_life_days)[1],
            record.tried,
            (day - ref).days if ref is not None else None,
        )

    def draws(self, day: date, count: int, seed: int, temper: float) -> NDArray[np.float64]:
        """``count`` posterior draws of the weights on ``day`` from the generator ``seed``."""
        key = (day, count, seed, temper)
        if key not in self._draws:
            self._draws[key] = draw_weights(self.model_on(day), count, seed, temper)
        return self._draws[key]

    def effect_draws(self, day: date, count: int, seed: int, temper: float) -> NDArray[np.float64]:
        """``count`` posterior draws of every task's pooled effect (rows in ``effects.index``
        order), from their own stream of the plan's seed; zeros when there are no effects."""
        effects = self.effects
        key = (day, count, seed, temper)
        if key not in self._effect_draws:
            if effects is None:
                self._effect_draws[key] = np.zeros((0, count))
            else:
                noise = np.random.default_rng([seed, 1]).standard_normal(
                    (len(effects.index), count)
                )
                self._effect_draws[key] = effects.draws(noise, temper)
        return self._effect_draws[key]

    def effect(self, task_id: UUID) -> float:
        return self.effects.mean(task_id) if self.effects is not None else 0.0

    def features(
        self, task: Task, block: TimeBlock, mode: Mode, day: date, fit: float
    ) -> dict[int, float] | None:
        """The model's features of ``task`` as the user knew it on ``day`` (None when no
        model is kept); ``fit`` is the task's fit to the user's archetype."""
        if self.space is None:
            return None
        last = task_last_answered(self.profile, task.id)
        return self.space.encode(
            task,
            mode,
            task_exposure(self.profile, task.id, day),
            has_tried(self.profile, task.id),
            fit,
            block,
            (day - last).days if last is not None else None,
            weekend=is_weekend(day),
        )

    def predict(self, features: Features | None, day: date, task_id: UUID) -> float | None:
        if self.prior is None or features is None:
            return None
        model = self.model or self.prior
        return predict(model, features, day, self.prior, self.effect(task_id))


def event_for(
    task: Task,
    *,
    block: TimeBlock,
    day: date,
    outcome: Outcome,
    is_new: bool,
    rating: int | None = None,
    skip_reason: SkipReason | None = None,
    keep: ContinuePreference | None = None,
) -> FeedbackEvent:
    return FeedbackEvent(
        task_id=task.id,
        category=task.category,
        time_block=block,
        difficulty=task.difficulty,
        duration_minutes=task.duration_minutes,
        tags=tuple(task.tags),
        day=day,
        outcome=outcome,
        rating=rating,
        skip_reason=skip_reason,
        keep=keep,
        is_new=is_new,
    )


def observe(
    state: Learned, task: Task, event: FeedbackEvent, mode: Mode, fit: float
) -> Observation:
    """``event`` about ``task`` with the model's features and prediction as of now, and the
    step it takes in the task's pooled effect."""
    features = state.features(task, event.time_block, mode, event.day, fit)
    predicted = state.predict(features, event.day, task.id)
    effect = None
    if state.effects is not None and predicted is not None:
        value, weight = reward(event.outcome, event.rating)
        effect = state.effects.step(task.id, predicted, value, weight)
    return Observation(event, features, predicted, effect=effect)


def learn(state: Learned, observation: Observation) -> Learned:
    """The state after applying (or retracting) one observation: the profile always, the model
    when one is kept and the observation carries its features (the prior starts it)."""
    event, sign = observation.event, observation.sign
    profile = apply(state.profile, event, half_life_days=state.half_life_days, sign=sign)
    model = state.model
    features, predicted, prior = observation.features, observation.predicted, state.prior
    if features is not None and predicted is not None and prior is not None:
        value, weight = reward(event.outcome, event.rating)
        start = model if model is not None else prior
        model = update(start, features, value, weight, event.day, prior, sign, predicted)
    effects = state.effects
    if effects is not None and observation.effect is not None:
        effects = effects.add(observation.effect.scaled(sign))
    return replace(state, profile=profile, model=model, effects=effects)
