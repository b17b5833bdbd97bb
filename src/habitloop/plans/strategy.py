"""Which policy serves a plan, what it sees, and the static fallback when it cannot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import structlog
from sqlalchemy.orm import Session

from habitloop.core.library import Library
from habitloop.core.phases import PhaseRules
from habitloop.core.planner import PlanDraft, PlanInput, build_plan
from habitloop.core.policies import AdaptivePolicy, DynamicPolicy, Policy, StaticPolicy
from habitloop.core.policies.bandit import (
    DRAWS,
    TEMPER,
    BanditPolicy,
    BanditState,
    draw_weights,
)
from habitloop.core.scoring import ScoreWeights, window_days
from habitloop.core.vocab import Phase, Strategy
from habitloop.errors import BadRequest
from habitloop.feedback import learning as learn
from habitloop.feedback.repository import LearningRows
from habitloop.settings import Settings
from habitloop.users.repository import User

log = structlog.get_logger(__name__)

AVAILABLE_STRATEGIES = (Strategy.STATIC, Strategy.DYNAMIC, Strategy.ADAPTIVE, Strategy.BANDIT)
LEARNING_STRATEGIES = (Strategy.ADAPTIVE, Strategy.BANDIT)


def policy_for(strategy: Strategy, settings: Settings) -> Policy:
    if strategy is Strategy.STATIC:
        return StaticPolicy()
    if strategy is Strategy.DYNAMIC:
        return DynamicPolicy(epsilon=settings.exploration_epsilon)
    if strategy is Strategy.ADAPTIVE:
        return AdaptivePolicy()
    if strategy is Strategy.BANDIT:
        return BanditPolicy()
    available = ", ".join(s.value for s in AVAILABLE_STRATEGIES)
    raise BadRequest(f"strategy {strategy.value!r} is not available; use one of: {available}")


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
    learning: learn.Learning | None
    fallback_reason: str | None = None
    state: object = None


def prepare(
    session: Session,
    settings: Settings,
    library: Library,
    user: User,
    requested: Strategy,
    day: date,
    draw_seed: int = 0,
    rows: LearningRows | None = None,
) -> Planning:
    """Settle the user's unanswered days and move their phase when the strategy learns
    (``rows``: the user's stored learning state, when the caller has read it already)."""
    policy_for(requested, settings)  # refuse an unavailable strategy before any work
    phase = Phase(user.learning_phase)
    if requested in LEARNING_STRATEGIES and not settings.adaptive_learning_enabled:
        return Planning(
            Strategy.DYNAMIC,
            phase,
            window_days(settings.rotation_threshold_hours),
            None,
            "adaptive learning is disabled (ADAPTIVE_LEARNING_ENABLED=false)",
        )
    if requested not in LEARNING_STRATEGIES:
        return Planning(requested, phase, window_days(settings.rotation_threshold_hours), None)
    bandit = requested is Strategy.BANDIT
    learning = learn.open_learning(
        session,
        user,
        library,
        settings.profile_half_life_days,
        day,
        bandit=bandit or settings.strategy is Strategy.BANDIT,
        rows=rows,
    )
    starts_model = bandit and learning.model is None and learning.prior is not None
    if starts_model:
        # The user's first bandit plan starts their model, so it learns from every answer
        # from now on, also where the bandit is not the default strategy.
        learning.model = learning.prior
    # Yesterday's unanswered items are settled in memory only: the day's answers settle them
    # for good, in their own insert, so a plan writes no learned state on a normal day. Older
    # ones are stored now, so a user who stopped answering costs the next plans no more.
    pending = learning.settled_through
    held = pending is not None and pending >= day - timedelta(days=2) and not starts_model
    learn.settle(session, learning, library, before=day, store=not held)
    phase = learn.advance_phase(learning, day, PhaseRules()).phase
    # The phase windows are the adaptive strategy's hand-set exploration schedule; the bandit
    # learns how fast each user tires of a task (recency and familiarity features) and keeps
    # only the product's promise. On the simulator a 72-hour window in mastery cost it about
    # two points of expected completion relative to the oracle, which is held to the promise.
    hours = settings.rotation_threshold_hours if bandit else phase_rotation_hours(phase, settings)
    days = window_days(hours)
    view = learning.view(day)
    state: object = view
    if bandit and learning.space is not None and learning.prior is not None:
        prior = learning.prior
        model = (learning.model or prior).at(day, prior)
        draws = draw_weights(model, DRAWS, draw_seed, TEMPER)
        last = learning.last_answered()
        state = BanditState(view, day, learning.space, model, prior, draws, last)
    return Planning(requested, phase, days, learning, state=state)


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
        if settings.enable_dynamic_plans:
            policy = policy_for(planning.strategy, settings)
            try:
                plan = build_plan(library, inp, policy, Random(rng_seed), weights, planning.state)
                return plan, fallback_reason
            except Exception as exc:  # the static template is the documented safety net
                log.exception("plan_strategy_failed", strategy=planning.strategy.value)
                fallback_reason = (
                    f"the {planning.strategy.value} planner failed ({type(exc).__name__})"
                )
        else:
            fallback_reason = "dynamic plans are disabled (ENABLE_DYNAMIC_PLANS=false)"
    static = build_plan(library, inp, StaticPolicy(), Random(rng_seed), weights)
    return static, fallback_reason
