"""A synthetic user's days: the latent model, responses, habituation, churn and energy."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task, load_library_file
from habitloop.core.vocab import ALL_MODES, CompletionStatus, Difficulty, Mode, SkipReason
from habitloop.sim import DayStart, Response, SimUser, make_population
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TASKS = tuple(t for t in LIBRARY.tasks if t.active)
USERS = make_population(36, LIBRARY, 21, "high")
FIXED_ENERGY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def controlled(user: SimUser, **traits: Any) -> SimUser:
    """A fresh copy of ``user`` with some traits pinned, to isolate one effect."""
    return SimUser(user.user_id, user.archetype, replace(user.traits, **traits))


def task(slug: str) -> Task:
    return next(t for t in TASKS if t.slug == slug)


def live(user: SimUser, days: int, seed: int, tasks_per_day: int = 7) -> list[object]:
    """A trajectory: every day's start and responses to a seeded choice of tasks."""
    rng, pick = Random(seed), Random(seed + 1)
    out: list[object] = []
    for day in range(days):
        out.append(user.start_day(day, rng))
        for t in pick.sample(TASKS, tasks_per_day):
            out.append(user.respond(t, block_for(t), day, rng))
        user.end_day(day, rng)
    return out


@settings(max_examples=200, deadline=None)
@given(
    user=st.sampled_from(USERS),
    task=st.sampled_from(TASKS),
    day=st.integers(0, 400),
    level=st.integers(0, 2),
)
def test_completion_probabilities_lie_strictly_between_0_and_1(
    user: SimUser, task: Task, day: int, level: int
) -> None:
    pinned = controlled(user, initial_energy=level)
    p = pinned.completion_probability(task, block_for(task), day)
    assert 0.0 < p < 1.0


def test_extreme_traits_still_give_probabilities_inside_0_and_1() -> None:
    for intercept in (-50.0, 50.0):
        user = controlled(USERS[0], intercept=intercept)
        for t in TASKS:
            assert 0.0 < user.completion_probability(t, block_for(t), 0) < 1.0


def test_completion_probability_changes_nothing() -> None:
    watched, twin = make_population(2, LIBRARY, 5)[1], make_population(2, LIBRARY, 5)[1]
    before = [watched.completion_probability(t, block_for(t), 3) for t in TASKS]
    for _ in range(3):
        again = [watched.completion_probability(t, block_for(t), 3) for t in TASKS]
        assert again == before
    assert live(watched, 10, seed=1) == live(twin, 10, seed=1)


def test_the_same_seed_gives_the_same_trajectory() -> None:
    first = [live(u, 21, seed=i) for i, u in enumerate(make_population(12, LIBRARY, 3))]
    second = [live(u, 21, seed=i) for i, u in enumerate(make_population(12, LIBRARY, 3))]
    assert first == second
    other = [live(u, 21, seed=i + 100) for i, u in enumerate(make_population(12, LIBRARY, 3))]
    assert other != first


def test_repeating_a_task_lowers_its_probability_and_rest_restores_it() -> None:
    user = controlled(USERS[1], novelty_seeking=0.0, app_fatigue=0.0, no_open_probability=0.0)
    walk, other = task("ten-minute-walk"), task("box-breathing")
    block = block_for(walk)
    fresh = user.completion_probability(walk, block, 0)
    untouched = user.completion_probability(other, block_for(other), 0)
    assert user.start_day(0, Random(0)).opens_app
    seen = [user.respond(walk, block, 0, Random(i)).probability for i in range(4)]
    assert seen[0] == fresh
    assert all(later < earlier for earlier, later in pairwise(seen))
    tired = user.completion_probability(walk, block, 0)
    assert tired < fresh - 0.05
    assert user.completion_probability(other, block_for(other), 0) == untouched
    rested = [user.completion_probability(walk, block, day) for day in (1, 3, 7, 40)]
    assert all(b > a for a, b in pairwise([tired, *rested]))
    assert rested[-1] == fresh or math.isclose(rested[-1], fresh, abs_tol=0.01)


def test_novelty_seekers_and_routine_lovers_answer_familiarity_oppositely() -> None:
    walk = task("ten-minute-walk")
    block = block_for(walk)
    changes = {}
    for novelty in (-1.0, 1.0):
        user = controlled(USERS[2], novelty_seeking=novelty, habituation_rate=0.0)
        fresh = user.completion_probability(walk, block, 0)
        user.start_day(0, Random(0))
        user.respond(walk, block, 0, Random(1))
        changes[novelty] = user.completion_probability(walk, block, 0) - fresh
    assert changes[-1.0] > 0.0 > changes[1.0]


def test_a_hard_task_is_harder_on_a_low_energy_day() -> None:
    hard = task("interval-session")
    user = USERS[3]
    by_level = [
        controlled(user, initial_energy=level).completion_probability(hard, block_for(hard), 0)
        for level in range(3)
    ]
    assert by_level[0] < by_level[1] < by_level[2]


def test_a_churned_user_never_answers_or_opens_again() -> None:
    user = controlled(USERS[4], intercept=-6.0, disengagement_sensitivity=50.0)
    rng = Random(2)
    day = 0
    while not user.churned:
        user.start_day(day, rng)
        for t in TASKS[:7]:
            user.respond(t, block_for(t), day, rng)
        user.end_day(day, rng)
        day += 1
        assert day < 60, "the frustrated user should have churned"
    for later in range(day, day + 30):
        start = user.start_day(later, rng)
        assert start == DayStart(later, False, start.energy, {}, True)
        for t in TASKS[:7]:
            answer = user.respond(t, block_for(t), later, rng)
            assert answer == Response(t.id, later, None, None, None, None, 0.0)
        user.end_day(later, rng)


def test_answers_stop_for_good_after_churn_in_an_ordinary_run() -> None:
    churned = 0
    for i, user in enumerate(make_population(60, LIBRARY, 17)):
        gone_on: int | None = None
        for event in live(user, 28, seed=i):
            if isinstance(event, DayStart) and event.churned and gone_on is None:
                gone_on = event.day_index
            if isinstance(event, Response) and gone_on is not None:
                assert event.outcome is None and event.probability == 0.0
        churned += gone_on is not None
    assert 0 < churned < 30


def test_no_answers_on_days_the_app_stays_closed() -> None:
    user = controlled(USERS[5], no_open_probability=0.99)
    start = user.start_day(0, Random(0))
    assert not start.opens_app and start.checkin == {}
    walk = task("ten-minute-walk")
    assert user.respond(walk, block_for(walk), 0, Random(0)).outcome is None
    # Another day than the one started is not answered either.
    assert user.respond(walk, block_for(walk), 1, Random(0)).probability == 0.0


def test_days_only_move_forward_and_a_repeated_start_is_the_same_day() -> None:
    user = make_population(1, LIBRARY, 1)[0]
    first = user.start_day(2, Random(0))
    assert user.start_day(2, Random(99)) is first
    user.start_day(3, Random(0))
    with pytest.raises(ValueError, match="before"):
        user.start_day(1, Random(0))


def test_energy_visits_every_mode_and_check_ins_track_it() -> None:
    latent: list[int] = []
    reported: list[int] = []
    readiness: dict[Mode, list[float]] = {m: [] for m in ALL_MODES}
    for i, user in enumerate(make_population(12, LIBRARY, 6)):
        user = controlled(user, disengagement_sensitivity=0.0, no_open_probability=0.0)
        rng = Random(i)
        seen: Counter[Mode] = Counter()
        for day in range(300):
            start = user.start_day(day, rng)
            seen[start.energy] += 1
            if start.checkin:
                latent.append(ALL_MODES.index(start.energy))
                reported.append(int(start.checkin["energy"]))
                readiness[start.energy].append(start.checkin["readiness"])
            user.end_day(day, rng)
        assert set(seen) == set(ALL_MODES), f"user {i} stuck in {seen}"
    assert statistics.correlation(latent, reported) > 0.6
    means = [statistics.fmean(readiness[m]) for m in ALL_MODES]
    assert means[0] + 10 < means[1] < means[2] - 10


def test_check_ins_look_like_a_client_sent_them() -> None:
    user = controlled(USERS[6], no_open_probability=0.0, checkin_rate=0.99)
    rng = Random(3)
    for day in range(50):
        checkin = user.start_day(day, rng).checkin
        if checkin:
            assert set(checkin) == {"energy", "sleep_hours", "readiness", "stress"}
            assert 1 <= checkin["energy"] <= 5 and 1 <= checkin["stress"] <= 5
            assert 0 <= checkin["readiness"] <= 100 and 3 <= checkin["sleep_hours"] <= 11


def responses(user: SimUser, t: Task, n: int, seed: int) -> list[Response]:
    out = []
    rng = Random(seed)
    for day in range(n):
        user.start_day(day, rng)
        out.append(user.respond(t, block_for(t), day, rng))
    return out


def test_skip_reasons_follow_the_task() -> None:
    base = controlled(
        USERS[0],
        difficulty_tolerance=0.0,
        energy_transition=FIXED_ENERGY,
        initial_energy=0,
        no_open_probability=0.0,
        answer_rate=0.99,
        disengagement_sensitivity=0.0,
        # Each answer is about the task itself, not about how often it was seen.
        habituation_rate=0.0,
        novelty_seeking=0.0,
    )
    hard = [task("push-up-ladder-with-a-log"), task("only-unsweetened-drinks-today")]
    long_easy = [task("short-afternoon-rest"), task("walk-and-talk-with-a-friend")]

    def share(tasks: list[Task], reason: SkipReason) -> float:
        reasons = [
            r.skip_reason
            for i, t in enumerate(tasks)
            for r in responses(controlled(base), t, 400, seed=i)
            if r.skip_reason is not None
        ]
        return reasons.count(reason) / len(reasons)

    assert all(t.difficulty is Difficulty.CHALLENGING for t in hard)
    assert share(hard, SkipReason.TOO_HARD) > share(long_easy, SkipReason.TOO_HARD) + 0.2
    assert share(long_easy, SkipReason.NO_TIME) > share(hard, SkipReason.NO_TIME)


def test_outcomes_ratings_and_keep_answers_follow_the_latent_model() -> None:
    outcomes: Counter[CompletionStatus | None] = Counter()
    by_outcome: dict[CompletionStatus, list[int]] = {s: [] for s in CompletionStatus}
    completed_p: list[tuple[float, bool]] = []
    for i, user in enumerate(make_population(30, LIBRARY, 12)):
        for event in live(user, 14, seed=i):
            if isinstance(event, Response) and event.probability > 0:
                outcomes[event.outcome] += 1
                if event.outcome is not None:
                    done = event.outcome is CompletionStatus.COMPLETED
                    completed_p.append((event.probability, done))
                    if event.rating is not None:
                        assert 1 <= event.rating <= 5
                        by_outcome[event.outcome].append(event.rating)
                if event.skip_reason is not None:
                    assert event.outcome is CompletionStatus.SKIPPED
    answered = sum(n for o, n in outcomes.items() if o is not None)
    assert 0.05 < outcomes[None] / (answered + outcomes[None]) < 0.3
    assert outcomes[CompletionStatus.PARTIAL] > 0
    expected = statistics.fmean(p for p, _ in completed_p)
    observed = statistics.fmean(float(done) for _, done in completed_p)
    assert abs(expected - observed) < 0.03
    means = {s: statistics.fmean(r) for s, r in by_outcome.items()}
    assert means[CompletionStatus.COMPLETED] > means[CompletionStatus.SKIPPED] + 0.5


def test_a_nonstationary_user_changes_only_from_the_shift_day() -> None:
    steady = make_population(24, LIBRARY, 30)
    moving = make_population(24, LIBRARY, 30, nonstationary=True)
    changed_after = 0
    for a, b in zip(steady, moving, strict=True):
        assert b.traits.shift is not None
        day = b.traits.shift.day
        for t in TASKS:
            block = block_for(t)
            assert a.completion_probability(t, block, day - 1) == b.completion_probability(
                t, block, day - 1
            )
        changed_after += any(
            a.completion_probability(t, block_for(t), day)
            != b.completion_probability(t, block_for(t), day)
            for t in TASKS
        )
    assert changed_after == len(steady)
