"""Which policy serves a plan, the state it reads, and the static fallback when it cannot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from random import Random
from typing import Any, Generic

import structlog
from sqlalchemy.orm import Session

from habitloop.core.learned import Learned
from habitloop.core.library import Library
from habitloop.core.phases import PhaseRules
from habitloop.core.planner import PlanDraft, PlanInput, PlannedItem, build_plan, choose_slot
from habitloop.core.policies import AdaptivePolicy, DynamicPolicy, Policy, StaticPolicy
from habitloop.core.policies.bandit import BanditPolicy
from habitloop.core.policies.base import S
from habitloop.core.scoring import CategoryCandidates, ScoreWeights, window_days
from habitloop.core.vocab import Phase, Strategy
from habitloop.learning import service as learning
from habitloop.learning.repository import LearningRows
from habitloop.learning.state import Learning
from habitloop.settings import Settings
from habitloop.users.repository import User

log = structlog.get_logger(__name__)

AVAILABLE_STRATEGIES = tuple(Strategy)
LEARNING_STRATEGIES = (Strategy.ADAPTIVE, Strategy.BANDIT)


@dataclass(frozen=True)
class Serving(Generic[S]):
    """A policy with the state it reads for one plan."""

    policy: Policy[S]
    state: S

    def draft(
        self, library: Library, inp: PlanInput, rng: Random, weights: ScoreWeights
    ) -> PlanDraft:
        return build_plan(library, inp, self.policy, self.state, rng, weights)

    def choose(self, inp: PlanInput, slot: CategoryCandidates, rng: Random) -> PlannedItem:
        return choose_slot(self.policy, self.state, inp, slot, rng)


STATIC: Serving[None] = Serving(StaticPolicy(), None)


def phase_rotation_hours(phase: Phase, settings: Settings) -> int:
    """The phase's window, never narrower than ROTATION_THRESHOLD_HOURS: the promise that a
    variation does not come back within that many hours holds in every phase."""
    by_phase = {
        Phase.DISCOVERY: settings.rotation_hours_discovery,
        Phase.ESTABLISHMENT: settings.rotation_hours_establishment,
        Phase.MASTERY: settings.rotation_hours_mastery,
    }[phase]
    return max(by_phase, settings.rotation_threshold_hours)


@dataclass
class Planning:
    """What the chosen strategy needs for one plan: its phase, window and learned state."""

    strategy: Strategy
    phase: Phase
    rotation_days: int
    serving: Serving[Any]
    learning: Learning | None = None
    fallback_reason: str | None = None


def prepare(
    session: Session,
    *,
    settings: Settings,
    library: Library,
    user: User,
    requested: Strategy,
    day: date,
    draw_seed: int,
    rows: LearningRows | None,
) -> Planning:
    """The plan's policy and state; for a learning strategy the user's unanswered days are
    settled and their phase moved first (``rows``: their stored learning state)."""
    phase = Phase(user.learning_phase)
    window = window_days(settings.rotation_threshold_hours)
    dynamic = Serving(DynamicPolicy(epsilon=settings.exploration_epsilon), None)
    if requested in LEARNING_STRATEGIES and not settings.adaptive_learning_enabled:
        reason = "adaptive learning is disabled (ADAPTIVE_LEARNING_ENABLED=false)"
        return Planning(Strategy.DYNAMIC, phase, window, dynamic, fallback_reason=reason)
    if requested is Strategy.STATIC:
        return Planning(requested, phase, window, STATIC)
    if requested is Strategy.DYNAMIC:
        return Planning(requested, phase, window, dynamic)
    if rows is None:
        user, rows = learning.require_learner(session, user.user_id)
    bandit = requested is Strategy.BANDIT
    state = _learned_for_plan(session, settings, library, user, rows, day, bandit=bandit)
    phase = learning.advance_phase(state, day, PhaseRules()).phase
    # The phase windows are the adaptive strategy's hand-set exploration schedule; the bandit
    # learns how fast each user tires of a task (recency and familiarity features) and keeps
    # only the product's promise.
    hours = settings.rotation_threshold_hours if bandit else phase_rotation_hours(phase, settings)
    policy: Policy[Learned] = BanditPolicy(draw_seed=draw_seed) if bandit else AdaptivePolicy()
    serving = Serving(policy, state.state)
    return Planning(requested, phase, window_days(hours), serving, state)


def _learned_for_plan(
    session: Session,
    settings: Settings,
    library: Library,
    user: User,
    rows: LearningRows,
    day: date,
    *,
    bandit: bool,
) -> Learning:
    """The user's learned state as of ``day``, with the days before it settled."""
    state = learning.open_learning(
        user=user,
        rows=rows,
        library=library,
        half_life_days=settings.profile_half_life_days,
        today=day,
        keep_model=bandit or settings.strategy is Strategy.BANDIT,
    )
    starts_model = bandit and state.state.model is None
    if starts_model:
        # The user's first bandit plan starts their model, so it learns from every answer
        # from now on, also where the bandit is not the default strategy.
        state.state = replace(state.state, model=state.state.prior)
    # Yesterday's unanswered items are settled in memory only: the day's answers settle them
    # for good, in their own insert, so a plan writes no learned state on a normal day. Older
    # ones are stored now, so a user who stopped answering costs the next plans no more.
    # Answers stored but not learned from yet are learned now, and saved with the plan.
    waiting = learning.learn_waiting(session, state, library, rows)
    last = state.settled_through
    recent = last is not None and last >= day - timedelta(days=2)
    held = recent and not starts_model and not waiting
    learning.settle(session, state, library, before=day, store=not held)
    return state


def draft(
    library: Library,
    inp: PlanInput,
    planning: Planning,
    settings: Settings,
    rng_seed: int,
) -> tuple[PlanDraft, str | None]:
    """The plan from the chosen strategy, or from the static template when it is switched off
    or fails (the reason is returned and shown in the response)."""
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    fallback_reason = planning.fallback_reason
    if planning.strategy is not Strategy.STATIC:
        if not settings.enable_dynamic_plans:
            fallback_reason = "dynamic plans are disabled (ENABLE_DYNAMIC_PLANS=false)"
        else:
            try:
                plan = planning.serving.draft(library, inp, Random(rng_seed), weights)
                return plan, fallback_reason
            except Exception as exc:  # the static template is the documented safety net
                log.exception("plan_strategy_failed", strategy=planning.strategy.value)
                name = f"{planning.strategy.value} planner"
                fallback_reason = f"the {name} failed ({type(exc).__name__})"
    return STATIC.draft(library, inp, Random(rng_seed), weights), fallback_reason
