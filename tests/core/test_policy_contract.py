"""The contract every policy honours, checked on each one alike.

Plans, the simulator and off-policy evaluation treat every ``Policy[S]`` the same way, so each
one (static, dynamic, adaptive, bandit, greedy) must:

(a) choose the same candidate again from the same seed (a plan is reproducible);
(b) leave the candidates and the state it is given untouched, in ``select`` and ``update``
    (one state serves many slots, and one candidate table every user of an archetype);
(c) log a propensity in (0, 1] that is the real probability of its choice: for every candidate
    the logged propensity is its long-run frequency, and they sum to one over the slot (the
    logs feed off-policy evaluation);
(d) keep a state that survives its stored forms and chooses the same from them (the service
    rebuilds the state from rows for every request);
(e) return to the start when an answer is learned and then retracted (a changed answer is
    "retract the old, learn the new"), also when the answer comes back from its stored form:
    the same stored profile for an answer dated within what was learned; for a later one the
    same profile as seen from its day on (learning it moved the decayed sums forward).

The learning states have already learned from a few answers, so the checks do not run on an
empty profile; the bandit's and greedy's keep a completion model, the adaptive one does not (as
``learning.service.open_learning`` builds them).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from random import Random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.blocks import block_for
from habitloop.core.completion_model import FeatureSpace, Model, population_prior
from habitloop.core.learned import Learned, Observation, event_for, learn, observe
from habitloop.core.learned_documents import (
    model_from_stored,
    observation_document,
    observation_from_document,
    stored_model,
)
from habitloop.core.library import load_library_file
from habitloop.core.policies import AdaptivePolicy, DynamicPolicy, Policy, SlotContext, StaticPolicy
from habitloop.core.policies.bandit import BanditPolicy
from habitloop.core.profile import archetype_priors, new_profile
from habitloop.core.profile_document import from_document, to_document
from habitloop.core.profile_view import has_tried, view
from habitloop.core.scoring import Candidate, ScoreWeights, score_table
from habitloop.core.vocab import Archetype, Category, ContinuePreference, Mode, Outcome, Phase
from habitloop.sim.baselines import GreedyPolicy
from habitloop.tasks.files import shipped_library_path

LIBRARY = load_library_file(shipped_library_path("v1"))
SPACE = FeatureSpace.of(LIBRARY)
PRIOR = population_prior(SPACE, None, 0)
ARCHETYPE = Archetype.SYSTEMATIC_IMPROVER
MODE = Mode.MEDIUM
DAY = date(2026, 3, 10)
HALF_LIFE = 14.0
TABLE = score_table(LIBRARY, ARCHETYPE, MODE, ScoreWeights())
# (category, rank among its candidates, outcome, days before DAY, rating, keep): a favourite in
# movement, a skipped task beside it, a category that feels hard, and a few others.
HISTORY = (
    (Category.MOVEMENT, 1, Outcome.COMPLETED, 6, 5, ContinuePreference.YES),
    (Category.MOVEMENT, 0, Outcome.SKIPPED, 5, None, None),
    (Category.NUTRITION, 0, Outcome.PARTIAL, 5, 1, ContinuePreference.NO),
    (Category.SLEEP, 2, Outcome.COMPLETED, 4, 4, None),
    (Category.MOVEMENT, 1, Outcome.COMPLETED, 3, 5, None),
    (Category.FOCUS, 3, Outcome.NO_RESPONSE, 2, None, None),
    (Category.NUTRITION, 4, Outcome.SKIPPED, 1, 2, ContinuePreference.NO),
)
FIRST_DAY = DAY - timedelta(days=max(h[3] for h in HISTORY))
DRAWS = 2000


def candidates(category: Category) -> list[Candidate]:
    """A fresh list, so a policy that reorders or trims what it is given would show it."""
    return list(TABLE[category])


def slot(category: Category, phase: Phase = Phase.DISCOVERY) -> SlotContext:
    return SlotContext(DAY, category, ARCHETYPE, MODE, phase)


def learned(keep_model: bool) -> Learned:
    profile = new_profile(archetype_priors(LIBRARY, ARCHETYPE))
    state = (
        Learned(profile, HALF_LIFE, SPACE, PRIOR, None)
        if keep_model
        else Learned(profile, HALF_LIFE)
    )
    for category, rank, outcome, days_ago, rating, keep in HISTORY:
        day = DAY - timedelta(days=days_ago)
        state = learn(state, answer(state, TABLE[category][rank], outcome, day, rating, keep))
    return state


def answer(
    state: Learned,
    candidate: Candidate,
    outcome: Outcome,
    day: date,
    rating: int | None = None,
    keep: ContinuePreference | None = None,
) -> Observation:
    task = candidate.task
    event = event_for(
        task,
        block=block_for(task),
        day=day,
        outcome=outcome,
        is_new=not has_tried(state.profile, task.id),
        rating=rating,
        keep=keep,
    )
    return observe(state, task, event, MODE, candidate.archetype_fit)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    policy: Policy[Any]
    state: Learned | None
    deterministic: bool = False


CASES = [
    Case("static", StaticPolicy(), None, deterministic=True),
    Case("dynamic", DynamicPolicy(0.2), None),
    Case("adaptive", AdaptivePolicy(), learned(keep_model=False)),
    Case("bandit", BanditPolicy(draw_seed=11), learned(keep_model=True)),
    Case("greedy", GreedyPolicy(), learned(keep_model=True), deterministic=True),
]
LEARNING = [c for c in CASES if c.state is not None]
by_case = pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
# Who answers for the policies without a state: a user with a model, so the answer has features.
ANSWERER = next(c.state for c in CASES if c.state is not None and c.state.prior is not None)


def model_snapshot(model: Model | None) -> tuple[Any, ...] | None:
    if model is None:
        return None
    return (model.mean.tolist(), model.precision.tolist(), model.ref, model.answers)


def snapshot(state: Learned | None) -> tuple[Any, ...] | None:
    """Independent plain copies of everything a state holds (documents and lists)."""
    if state is None:
        return None
    return (
        json.dumps(to_document(state.profile), sort_keys=True),
        state.half_life_days,
        None if state.space is None else state.space.names,
        model_snapshot(state.prior),
        model_snapshot(state.model),
    )


def assert_close(got: Any, want: Any, where: str = "") -> None:
    """Equal, with floats within 1e-9, through nested mappings and sequences."""
    if isinstance(want, float) and isinstance(got, int | float):
        assert math.isclose(got, want, rel_tol=0.0, abs_tol=1e-9), (where, got, want)
    elif isinstance(want, Mapping):
        assert isinstance(got, Mapping), (where, got, want)
        assert set(got) == set(want), (where, sorted(map(str, set(got) ^ set(want))))
        for key in want:
            assert_close(got[key], want[key], f"{where}/{key}")
    elif isinstance(want, list | tuple):
        assert isinstance(got, list | tuple), (where, got, want)
        assert len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close(g, w, f"{where}[{k}]")
    else:
        assert got == want, (where, got, want)


# ---- (a) same seed, same choice ---------------------------------------------------------------


@by_case
@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    category=st.sampled_from(list(Category)),
    phase=st.sampled_from(list(Phase)),
)
def test_the_same_seed_gives_the_same_choice(
    case: Case, seed: int, category: Category, phase: Phase
) -> None:
    cands, context = candidates(category), slot(category, phase)
    first = case.policy.select(case.state, cands, context, Random(seed))
    again = case.policy.select(case.state, cands, context, Random(seed))
    assert first == again
    assert 0 <= first.index < len(cands)


# ---- (b) inputs are not mutated ---------------------------------------------------------------


@by_case
@pytest.mark.parametrize("category", [Category.MOVEMENT, Category.NUTRITION])
def test_select_and_update_leave_their_inputs_alone(case: Case, category: Category) -> None:
    cands = candidates(category)
    cands_before = copy.deepcopy(cands)
    state_before = snapshot(case.state)
    for seed in range(5):
        case.policy.select(case.state, cands, slot(category), Random(seed))
    assert cands == cands_before

    observation = answer(case.state or ANSWERER, cands[2], Outcome.COMPLETED, DAY, 4)
    observation_before = copy.deepcopy(observation)
    after = case.policy.update(case.state, observation)
    assert observation == observation_before
    if case.state is None:
        assert after is None
        return
    assert state_before is not None
    assert snapshot(case.state) == state_before
    # The answer was learned, so the start was compared against a state that moved on.
    assert snapshot(after) != state_before


# ---- (c) propensities: in range, the real frequencies, summing to one --------------------------

SLOTS = [
    (Category.MOVEMENT, Phase.DISCOVERY),
    (Category.MOVEMENT, Phase.ESTABLISHMENT),
    (Category.NUTRITION, Phase.MASTERY),
]


@by_case
@pytest.mark.parametrize(("category", "phase"), SLOTS, ids=lambda v: v.value)
def test_logged_propensities_are_the_choice_frequencies(
    case: Case, category: Category, phase: Phase
) -> None:
    cands, context = candidates(category), slot(category, phase)
    counts: Counter[int] = Counter()
    logged: dict[int, set[float]] = {}
    for seed in range(DRAWS):
        choice = case.policy.select(case.state, cands, context, Random(seed))
        counts[choice.index] += 1
        logged.setdefault(choice.index, set()).add(choice.propensity)
    propensity = {}
    for index, values in logged.items():
        assert len(values) == 1, (index, values)  # one candidate, one probability in a slot
        (propensity[index],) = values
        assert 0.0 < propensity[index] <= 1.0
        p = propensity[index]
        tolerance = 4.5 * math.sqrt(p * (1 - p) / DRAWS) + 1 / DRAWS
        assert counts[index] / DRAWS == pytest.approx(p, abs=tolerance), (index, counts)
    # Rounded to six decimals each: the chosen ones carry all the probability, none is missing.
    assert sum(propensity.values()) == pytest.approx(1.0, abs=1e-5), propensity
    if case.deterministic:
        assert list(propensity.values()) == [1.0]


@pytest.mark.parametrize(("category", "phase"), SLOTS, ids=lambda v: v.value)
def test_the_bandit_logs_its_exposed_probabilities(category: Category, phase: Phase) -> None:
    (case,) = [c for c in CASES if isinstance(c.policy, BanditPolicy)]
    policy, state = case.policy, case.state
    assert isinstance(policy, BanditPolicy)
    assert state is not None
    cands, context = candidates(category), slot(category, phase)
    probs, _ = policy.probabilities(state, cands, context)
    assert len(probs) == len(cands)
    assert sum(probs) == pytest.approx(1.0, abs=1e-9)
    assert all(policy.floor - 1e-9 <= p <= policy.cap + 1e-9 for p in probs if p > 0)
    assert sum(1 for p in probs if p > 0) >= 2  # the runner-up is always kept
    reached = set()
    for seed in range(300):
        choice = policy.select(state, cands, context, Random(seed))
        assert choice.propensity == round(probs[choice.index], 6)
        reached.add(choice.index)
    assert reached == {i for i, p in enumerate(probs) if p > 0}


# ---- (d) the state survives its stored forms -------------------------------------------------


def rebuilt(state: Learned) -> Learned:
    """The state as the service rebuilds it from its rows: JSON profile, stored model, and a
    prior and feature space made afresh."""
    profile = from_document(json.loads(json.dumps(to_document(state.profile))))
    if state.prior is None:
        return Learned(profile, state.half_life_days)
    space = FeatureSpace.of(LIBRARY)
    model = (
        None if state.model is None else model_from_stored(space, stored_model(SPACE, state.model))
    )
    return Learned(profile, state.half_life_days, space, population_prior(space, None, 0), model)


@by_case
def test_the_state_round_trips_through_storage(case: Case) -> None:
    state = case.state
    if state is None:
        restored = None
    else:
        assert from_document(to_document(state.profile)) == state.profile
        if state.model is not None:
            assert model_from_stored(SPACE, stored_model(SPACE, state.model)) == state.model
        restored = rebuilt(state)
        assert restored.profile == state.profile
        assert restored.model == state.model
        assert snapshot(restored) == snapshot(state)
    for category in Category:
        cands = candidates(category)
        for seed in range(4):
            context = slot(category, list(Phase)[seed % len(Phase)])
            want = case.policy.select(state, cands, context, Random(seed))
            assert case.policy.select(restored, cands, context, Random(seed)) == want


# ---- (e) learning an answer and retracting it returns to the start ---------------------------


def assert_back_at_start(back: Learned, start: Learned, day: date, late: bool) -> None:
    """``late``: the answer is dated no later than anything learned, so the profile's stored
    document itself comes back; else each sum touched was moved forward to ``day`` when the
    answer was learned, so what comes back is the same profile as seen on ``day``."""
    if late:
        assert_close(to_document(back.profile), to_document(start.profile))
    else:
        assert_close(
            dataclasses.asdict(view(back.profile, day)),
            dataclasses.asdict(view(start.profile, day)),
        )
    assert back.half_life_days == start.half_life_days
    if start.model is None:
        assert back.model is None
        return
    assert back.model is not None
    relaxed = start.model_on(day)
    assert np.allclose(back.model.mean, relaxed.mean, atol=1e-9)
    assert np.allclose(back.model.precision, relaxed.precision, atol=1e-9)
    assert back.model.ref == relaxed.ref
    assert back.model.answers == pytest.approx(relaxed.answers, abs=1e-9)


@by_case
@pytest.mark.parametrize("late", [True, False], ids=["late", "on-the-day"])
@settings(max_examples=8, deadline=None)
@given(
    rank=st.integers(0, len(TABLE[Category.MOVEMENT]) - 1),
    outcome=st.sampled_from(list(Outcome)),
    rating=st.none() | st.integers(1, 5),
)
def test_learning_then_retracting_an_answer_returns_to_the_start(
    case: Case, rank: int, outcome: Outcome, rating: int | None, late: bool
) -> None:
    start = case.state
    day = FIRST_DAY if late else DAY
    cands = candidates(Category.MOVEMENT)
    answerer = start or ANSWERER
    observation = answer(answerer, cands[rank], outcome, day, rating)
    space = answerer.space
    stored = json.loads(json.dumps(observation_document(observation, space)))
    from_row = observation_from_document(stored, space)
    assert from_row == observation
    learned_once = case.policy.update(start, observation)
    if start is not None:
        assert snapshot(learned_once) != snapshot(start)
    for retraction in (observation.retraction(), from_row.retraction()):
        back = case.policy.update(learned_once, retraction)
        if start is None:
            assert learned_once is None
            assert back is None
            continue
        assert isinstance(back, Learned)
        assert_back_at_start(back, start, day, late)


def test_the_learning_states_have_learned() -> None:
    """The checks above run on states with answers in them, and a model where one is kept."""
    assert [c.name for c in LEARNING] == ["adaptive", "bandit", "greedy"]
    for case in LEARNING:
        assert case.state is not None
        assert sum(case.state.profile.outcomes.values()) == len(HISTORY)
        assert case.state.view(DAY).favourites  # the movement task completed twice, rated 5
        if case.state.prior is not None:
            assert case.state.model is not None
            assert case.state.model.answers > 0
            assert case.state.model != case.state.prior
