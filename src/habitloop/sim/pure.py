"""Reference strategies that run on the pure core, with the same rotation rule as the engine.

``oracle`` picks, per slot, the allowed task with the highest latent completion probability;
``random`` picks uniformly; ``greedy`` (and ``bandit-core``, the bandit without the service)
learn through their policy's ``update``, the step the service learns with, and keep the state
in memory (including "no response" for unanswered items); ``vw`` and ``vw-squarecb`` are
Vowpal Wabbit's ``cb_explore_adf`` (``habitloop.sim.vw``); ``pool-only``, ``user-only`` and
``pool-and-user`` are the pooling diagnostics (``habitloop.sim.pooling``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any, Generic, Protocol
from uuid import UUID

from habitloop.core.completion_model import FeatureSpace, Model, population_prior
from habitloop.core.learned import Learned, event_for, observe
from habitloop.core.library import Library, Task
from habitloop.core.modes import CheckinSignals, decide_mode
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies.bandit import BanditPolicy
from habitloop.core.policies.base import Policy, S
from habitloop.core.profile import archetype_priors, new_profile
from habitloop.core.profile_view import has_tried
from habitloop.core.scoring import GroupUse, ScoreWeights, record_use
from habitloop.core.task_effects import TaskEffects
from habitloop.core.vocab import (
    ALL_CATEGORIES,
    Archetype,
    Mode,
    Outcome,
    Phase,
    TimeBlock,
)
from habitloop.sim.baselines import GreedyPolicy, OraclePolicy, OracleView, RandomPolicy
from habitloop.sim.behaviour import Response, SimUser

START = date(2026, 1, 5)
WINDOW_DAYS = 2
HALF_LIFE_DAYS = 14.0


@dataclass
class ServedItem:
    task: Task
    block: TimeBlock
    propensity: float
    item_id: object = None


@dataclass
class Rotation:
    """One simulated user's rotation and last known mode, as the engine would keep them."""

    groups: dict[str, GroupUse] = field(default_factory=dict)
    mode: Mode | None = None


def day_of(index: int) -> date:
    return START + timedelta(days=index - 1)


class Serving(Protocol):
    """A reference strategy as the harness drives it."""

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]: ...

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None: ...


class PureStrategy(ABC, Generic[S]):
    """Plans with a policy on the pure core under the engine's rotation rule; subclasses give
    the policy its state and, if it learns, feed it the answers."""

    def __init__(self, name: str, library: Library, seed: int) -> None:
        self.name = name
        self.library = library
        self.seed = seed
        self.weights = ScoreWeights()
        self.rotations: dict[UUID, Rotation] = {}

    @abstractmethod
    def policy(self, user: SimUser, day: int) -> Policy[S]: ...

    @abstractmethod
    def state(self, user: SimUser, day: int) -> S: ...

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]:
        rotation = self.rotations.setdefault(user.user_id, Rotation())
        checkin = CheckinSignals(**signals) if signals else None
        rotation.mode = decide_mode(checkin, last_known=rotation.mode).mode
        inp = PlanInput(
            day=day_of(day),
            archetype=user.archetype,
            mode=rotation.mode,
            phase=Phase.DISCOVERY,
            categories=ALL_CATEGORIES,
            rotation=rotation.groups,
            rotation_days=WINDOW_DAYS,
        )
        rng = Random(f"{self.seed}|{self.name}|{user.user_id}|{day}")
        policy, state = self.policy(user, day), self.state(user, day)
        draft = build_plan(self.library, inp, policy, state, rng, self.weights)
        for item in draft.items:
            group = item.task.variation_group
            rotation.groups[group] = record_use(
                rotation.groups.get(group), group, item.task.category, day_of(day)
            )
        return [ServedItem(i.task, i.time_block, i.propensity) for i in draft.items]

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        """References that do not learn ignore the answers."""


class OracleStrategy(PureStrategy[OracleView]):
    def policy(self, user: SimUser, day: int) -> Policy[OracleView]:
        return OraclePolicy()

    def state(self, user: SimUser, day: int) -> OracleView:
        return OracleView(user, day)


class RandomStrategy(PureStrategy[None]):
    def policy(self, user: SimUser, day: int) -> Policy[None]:
        return RandomPolicy()

    def state(self, user: SimUser, day: int) -> None:
        return None


class LearningStrategy(PureStrategy[Learned]):
    """A learning policy with each user's state in memory and the archetypes' pooled model
    means, as the service keeps them in rows."""

    def __init__(self, name: str, library: Library, seed: int) -> None:
        super().__init__(name, library, seed)
        self.space = FeatureSpace.of(library)
        self.learned: dict[UUID, Learned] = {}
        self.population: dict[Archetype, tuple[list[float], int]] = {}
        self.effects: dict[Archetype, TaskEffects] = {}

    def policy(self, user: SimUser, day: int) -> Policy[Learned]:
        if self.name == "greedy":
            return GreedyPolicy()
        seed = int.from_bytes(f"{self.seed}|{user.user_id}|{day}".encode()[-8:], "big")
        return BanditPolicy(draw_seed=seed)

    def _prior(self, archetype: Archetype) -> Model:
        sums, users = self.population.get(archetype, ([], 0))
        return population_prior(self.space, sums, users)

    def state(self, user: SimUser, day: int) -> Learned:
        known = self.learned.get(user.user_id)
        if known is None:
            profile = new_profile(archetype_priors(self.library, user.archetype))
            known = Learned(profile, HALF_LIFE_DAYS, self.space)
        # The prior and the pooled effects move with the population between the user's days.
        effects = self.effects.get(user.archetype) or TaskEffects.prior(
            t.id for t in self.library.tasks
        )
        return Learned(
            known.profile,
            HALF_LIFE_DAYS,
            self.space,
            self._prior(user.archetype),
            known.model,
            effects,
        )

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        policy, state = self.policy(user, day), self.state(user, day)
        before = state.model
        for item, response in pairs:
            outcome = Outcome(response.outcome.value) if response.outcome else Outcome.NO_RESPONSE
            event = event_for(
                item.task,
                block=item.block,
                day=day_of(day),
                outcome=outcome,
                is_new=not has_tried(state.profile, item.task.id),
                rating=response.rating,
                skip_reason=response.skip_reason,
                keep=response.keep,
            )
            fit = item.task.archetype_fit[user.archetype]
            mode = self.rotations[user.user_id].mode or Mode.MEDIUM
            state = policy.update(state, observe(state, item.task, event, mode, fit))
        self._pool(user.archetype, before, state.model)
        if state.effects is not None:
            self.effects[user.archetype] = state.effects
        self.learned[user.user_id] = state

    def _pool(self, archetype: Archetype, before: Model | None, after: Model | None) -> None:
        """Add the user's change of weight means (and a new user) to the archetype's sums."""
        if after is None:
            return
        sums, users = self.population.get(archetype, ([0.0] * len(self.space), 0))
        old = before.mean if before is not None else [0.0] * len(sums)
        sums = [s + new - o for s, new, o in zip(sums, after.mean, old, strict=True)]
        self.population[archetype] = (sums, users + (1 if before is None else 0))


def pure_strategy(name: str, library: Library, seed: int) -> Serving:
    if name.startswith("vw"):
        from habitloop.sim.vw import CONFIGS, VowpalStrategy

        if name in CONFIGS:
            return VowpalStrategy(library, seed, name)
    if name.startswith(("pool-", "user-")):
        from habitloop.sim.pooling import POOLING, PoolingStrategy

        if name in POOLING:
            return PoolingStrategy(name, library, seed)
    kinds: dict[str, type[PureStrategy[Any]]] = {
        "oracle": OracleStrategy,
        "random": RandomStrategy,
        "greedy": LearningStrategy,
        "bandit-core": LearningStrategy,
    }
    if name not in kinds:
        raise ValueError(f"unknown reference strategy {name!r}")
    return kinds[name](name, library, seed)
