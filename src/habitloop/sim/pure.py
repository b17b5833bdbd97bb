"""Reference strategies that run on the pure core, with the same rotation rule as the engine.

``oracle`` picks, per slot, the allowed task with the highest latent completion probability;
``random`` picks uniformly; ``greedy`` keeps a profile and bandit arms in memory exactly as the
engine would (including "no response" for unanswered items) and takes the highest posterior
mean with no exploration; ``vw`` is Vowpal Wabbit's ``cb_explore_adf`` (``habitloop.sim.vw``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any, Protocol
from uuid import UUID

from habitloop.core.library import Library, Task
from habitloop.core.modes import CheckinSignals, decide_mode
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies import Policy
from habitloop.core.policies.bandit import (
    DRAWS,
    TEMPER,
    BanditPolicy,
    BanditState,
    GreedyPolicy,
    draw_weights,
    reward,
)
from habitloop.core.policies.contextual import FeatureSpace, Model, population_prior, update
from habitloop.core.profile import FeedbackEvent, Profile, apply, archetype_priors, new_profile
from habitloop.core.profile_view import view
from habitloop.core.scoring import GroupUse, ScoreWeights, record_use
from habitloop.core.vocab import (
    ALL_CATEGORIES,
    Archetype,
    Mode,
    Outcome,
    Phase,
    TimeBlock,
)
from habitloop.sim.baselines import OraclePolicy, OracleView, RandomPolicy
from habitloop.sim.behaviour import Response, SimUser

START = date(2026, 1, 5)
WINDOW_DAYS = 2
HALF_LIFE_DAYS = 14.0
ARM_HALF_LIFE_DAYS = 30.0


@dataclass
class ServedItem:
    task: Task
    block: TimeBlock
    propensity: float
    item_id: object = None


@dataclass
class Memory:
    """One simulated user's state as the strategy sees it."""

    rotation: dict[str, GroupUse] = field(default_factory=dict)
    mode: Mode | None = None
    profile: Profile | None = None
    model: Model | None = None


def _day(index: int) -> date:
    return START + timedelta(days=index - 1)


class PureStrategy:
    def __init__(self, name: str, library: Library, seed: int, policy: Policy) -> None:
        self.name = name
        self.library = library
        self.seed = seed
        self.policy = policy
        self.weights = ScoreWeights()
        self.memory: dict[UUID, Memory] = {}
        self.space = FeatureSpace.of(library)
        self.population: dict[Archetype, tuple[list[float], int]] = {}
        self.learns = isinstance(policy, GreedyPolicy | BanditPolicy)

    def _prior(self, archetype: Archetype) -> Model:
        sums, users = self.population.get(archetype, ([], 0))
        return population_prior(self.space, sums, users)

    def _memory(self, user: SimUser) -> Memory:
        if user.user_id not in self.memory:
            memory = Memory()
            if self.learns:
                memory.profile = new_profile(archetype_priors(self.library, user.archetype))
            self.memory[user.user_id] = memory
        return self.memory[user.user_id]

    def _state(self, user: SimUser, memory: Memory, day: int) -> object:
        if isinstance(self.policy, OraclePolicy):
            return OracleView(user, day)
        if memory.profile is not None:
            prior = self._prior(user.archetype)
            stored = memory.model if memory.model is not None else prior
            model = stored.at(_day(day), prior)
            seen = view(memory.profile, _day(day))
            draws = None
            if isinstance(self.policy, BanditPolicy):  # the greedy policy never reads draws
                seed = int.from_bytes(f"{self.seed}|{user.user_id}|{day}".encode()[-8:], "big")
                draws = draw_weights(model, DRAWS, seed, TEMPER)
            last = {t: r.outcomes.ref for t, r in memory.profile.tasks.items() if r.outcomes.ref}
            return BanditState(seen, _day(day), self.space, model, prior, draws, last)
        return None

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]:
        memory = self._memory(user)
        checkin = CheckinSignals(**signals) if signals else None
        memory.mode = decide_mode(checkin, last_known=memory.mode).mode
        inp = PlanInput(
            day=_day(day),
            archetype=user.archetype,
            mode=memory.mode,
            phase=Phase.DISCOVERY,
            categories=ALL_CATEGORIES,
            rotation=memory.rotation,
            rotation_days=WINDOW_DAYS,
        )
        rng = Random(f"{self.seed}|{self.name}|{user.user_id}|{day}")
        draft = build_plan(
            self.library, inp, self.policy, rng, self.weights, self._state(user, memory, day)
        )
        for item in draft.items:
            group = item.task.variation_group
            memory.rotation[group] = record_use(
                memory.rotation.get(group), group, item.task.category, _day(day)
            )
        return [ServedItem(i.task, i.time_block, i.propensity) for i in draft.items]

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        memory = self._memory(user)
        if memory.profile is None:
            return
        prior = self._prior(user.archetype)
        model = memory.model if memory.model is not None else prior
        before = model.mean
        seen = view(memory.profile, _day(day))
        for item, response in pairs:
            outcome = Outcome(response.outcome.value) if response.outcome else Outcome.NO_RESPONSE
            stats = seen.task_stats.get(item.task.id)
            x = self.space.encode(
                item.task,
                memory.mode or Mode.MEDIUM,
                stats.trials if stats else 0.0,
                item.task.id in seen.tried,
                item.task.archetype_fit[user.archetype],
                item.block,
                _days_since(memory.profile, item.task.id, _day(day)),
            )
            event = FeedbackEvent(
                item.task.id,
                item.task.category,
                item.block,
                item.task.difficulty,
                item.task.duration_minutes,
                tuple(item.task.tags),
                _day(day),
                outcome,
                response.rating,
                response.skip_reason,
                response.keep,
                is_new=item.task.id not in seen.tried,
            )
            memory.profile = apply(memory.profile, event, half_life_days=HALF_LIFE_DAYS)
            value, weight = reward(outcome, response.rating)
            model = update(model, x, value, weight, _day(day), prior)
        sums, users = self.population.get(user.archetype, ([0.0] * len(self.space), 0))
        first = memory.model is None
        sums = [
            s + new - old
            for s, new, old in zip(
                sums, model.mean, before if not first else [0.0] * len(sums), strict=True
            )
        ]
        self.population[user.archetype] = (sums, users + (1 if first else 0))
        memory.model = model


def _days_since(profile: Profile, task_id: UUID, today: date) -> int | None:
    record = profile.tasks.get(task_id)
    ref = record.outcomes.ref if record is not None else None
    return (today - ref).days if ref is not None else None


class Serving(Protocol):
    """A reference strategy as the harness drives it."""

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]: ...

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None: ...


def pure_strategy(name: str, library: Library, seed: int) -> Serving:
    factories: dict[str, Callable[[], Policy]] = {
        "oracle": OraclePolicy,
        "random": RandomPolicy,
        "greedy": GreedyPolicy,
        "bandit-core": BanditPolicy,
    }
    if name == "vw":
        from habitloop.sim.vw import VowpalStrategy

        return VowpalStrategy(library, seed)
    if name not in factories:
        raise ValueError(f"unknown reference strategy {name!r}")
    return PureStrategy(name, library, seed, factories[name]())
