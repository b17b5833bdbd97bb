"""One user's learned state inside one transaction: changed in memory as answers are learned
from, and written back once by ``learning.service.save``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from habitloop.core.completion_model import Model
from habitloop.core.learned import Learned, Observation
from habitloop.core.policies.base import Policy
from habitloop.core.task_effects import EffectStep
from habitloop.users.repository import User


@dataclass
class Learning:
    """The user, their ``Learned`` state, and what saving it must write.

    ``learner`` is the policy whose ``update`` learns for this user: every learning policy
    learns the same way, and the bandit's keeps the completion model as well as the profile.
    """

    user: User
    state: Learned
    learner: Policy[Learned]
    settled_through: date | None
    exists: bool
    today: date
    dirty: bool = False
    settled_moved: bool = False
    phase_moved: bool = False
    # Settled in memory only (``settle(store=False)``): the state holds observations that
    # have no feedback rows, so it is not saved.
    held: bool = False
    model_stored: Model | None = None
    # The "no response" rows of settled items, written by ``save`` with the rest.
    settled_rows: list[dict[str, Any]] = field(default_factory=list)
    # Steps in the tasks' pooled effects, added to the archetype's pool by ``save``.
    effect_steps: list[EffectStep] = field(default_factory=list)
    # Waiting answers learned from here (``learning.pending``), marked learned by ``save``.
    learned_rows: list[dict[str, Any]] = field(default_factory=list)

    def learn(self, observation: Observation) -> None:
        """Apply (or, for a retraction, undo) one observation."""
        self.state = self.learner.update(self.state, observation)
        if observation.effect is not None and self.state.effects is not None:
            self.effect_steps.append(observation.effect.scaled(observation.sign))
        self.dirty = True

    def snapshot(self) -> tuple[Learned, bool, int]:
        return self.state, self.dirty, len(self.effect_steps)

    def restore(self, saved: tuple[Learned, bool, int]) -> None:
        self.state, self.dirty, steps = saved
        del self.effect_steps[steps:]
