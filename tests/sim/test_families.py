"""User-model families: seeded and deterministic, and different in the way each claims to be.

Each structural claim is measured on the latent model itself (``completion_probability``, no
responses), with energy pinned to medium so only the family's structure moves the numbers.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from random import Random

import pytest

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task, load_library_file
from habitloop.core.vocab import ALL_ARCHETYPES, Archetype, TimeBlock
from habitloop.sim import SimUser, make_population
from habitloop.sim.families import FAMILY_NAMES, HELD_OUT, TUNED_ON, expand_families
from habitloop.sim.latent import is_weekend
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TASKS = tuple(t for t in LIBRARY.tasks if t.active)
MEDIUM = ((0.0, 1.0, 0.0), (0.0, 1.0, 0.0), (0.0, 1.0, 0.0))


def pinned(user: SimUser) -> SimUser:
    """A fresh copy of ``user`` whose energy stays medium."""
    traits = replace(user.traits, energy_transition=MEDIUM, initial_energy=1)
    if traits.shift is not None and traits.shift.energy_transition is not None:
        traits = replace(traits, shift=replace(traits.shift, energy_transition=MEDIUM))
    return SimUser(user.user_id, user.archetype, traits)


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def appeal(user: SimUser, day: int = 1, tasks: tuple[Task, ...] = TASKS) -> list[float]:
    """The user's logit of completing each task, fresh, on ``day``."""
    fresh = pinned(user)
    return [logit(fresh.completion_probability(t, block_for(t), day)) for t in tasks]


def trajectory(users: list[SimUser], days: int) -> list[object]:
    out: list[object] = []
    for i, user in enumerate(users):
        rng, pick = Random(i), Random(i + 1)
        for day in range(1, days + 1):
            out.append(user.start_day(day, rng))
            for t in pick.sample(TASKS, 7):
                out.append(user.respond(t, block_for(t), day, rng))
            user.end_day(day, rng)
    return out


# ---- every family --------------------------------------------------------------------------


def test_the_split_names_every_family() -> None:
    assert FAMILY_NAMES[0] == TUNED_ON == "baseline"
    assert set(HELD_OUT) == set(FAMILY_NAMES) - {TUNED_ON}
    assert len(FAMILY_NAMES) == 5
    assert expand_families("all") == list(FAMILY_NAMES)
    assert expand_families("misfit, shared,misfit") == ["misfit", "shared"]
    with pytest.raises(ValueError, match="unknown family crowd"):
        expand_families("shared,crowd")
    with pytest.raises(ValueError, match="unknown family"):
        make_population(2, LIBRARY, 1, family="crowd")


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_family_is_seeded_and_deterministic(family: str) -> None:
    first = make_population(12, LIBRARY, 4, family=family)
    again = make_population(12, LIBRARY, 4, family=family)
    assert [(u.user_id, u.archetype, u.traits) for u in first] == [
        (u.user_id, u.archetype, u.traits) for u in again
    ]
    assert all(u.family == family for u in first)
    assert trajectory(first, 14) == trajectory(again, 14)
    other = make_population(12, LIBRARY, 5, family=family)
    assert [u.traits for u in other] != [u.traits for u in again]
    # The first n users of a larger population are the population of n.
    larger = make_population(20, LIBRARY, 4, family=family)
    assert [u.traits for u in larger[:12]] == [u.traits for u in first]


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_probabilities_stay_inside_0_and_1_and_asking_changes_nothing(family: str) -> None:
    user = make_population(7, LIBRARY, 2, "high", family=family)[6]
    asked = [user.completion_probability(t, block_for(t), d) for d in (1, 6, 20) for t in TASKS]
    assert all(0.0 < p < 1.0 for p in asked)
    again = [user.completion_probability(t, block_for(t), d) for d in (1, 6, 20) for t in TASKS]
    assert again == asked


@pytest.mark.parametrize("family", HELD_OUT)
def test_a_held_out_family_is_not_the_baseline(family: str) -> None:
    base, other = make_population(12, LIBRARY, 3), make_population(12, LIBRARY, 3, family=family)
    assert [u.user_id for u in base] == [u.user_id for u in other]
    assert [u.archetype for u in base] == [u.archetype for u in other]
    assert all(appeal(a) != appeal(b) for a, b in zip(base, other, strict=True))


# ---- shared: appeal is mostly the population's ------------------------------------------------


def mean_pair_correlation(users: list[SimUser]) -> float:
    vectors = [appeal(u) for u in users]
    pairs = zip(vectors[::2], vectors[1::2], strict=True)
    return statistics.fmean(statistics.correlation(a, b) for a, b in pairs)


def test_in_shared_two_users_like_the_same_tasks() -> None:
    shared = mean_pair_correlation(make_population(60, LIBRARY, 5, family="shared"))
    baseline = mean_pair_correlation(make_population(60, LIBRARY, 5))
    assert shared > 0.65 > 0.35 > baseline, (shared, baseline)


# ---- routine: the repeat effect has two modes -------------------------------------------------


def repeat_effect(user: SimUser, task: Task) -> float:
    """Logit change of ``task`` on day 10 after exposures on days 1, 4 and 7."""
    fresh = pinned(user)
    before = logit(fresh.completion_probability(task, block_for(task), 10))
    for day in (1, 4, 7):
        fresh.record_exposure(task, day, 0.5)
    return logit(fresh.completion_probability(task, block_for(task), 10)) - before


def test_in_routine_repeats_help_lovers_and_hurt_seekers() -> None:
    users = make_population(120, LIBRARY, 6, family="routine")
    walk = next(t for t in TASKS if t.slug == "ten-minute-walk")
    effects = {u.user_id: repeat_effect(u, walk) for u in users}
    lovers = [u for u in users if u.traits.extras and u.traits.extras.routine_lover]
    assert 0.3 < len(lovers) / len(users) < 0.7
    assert all(effects[u.user_id] > 0.3 for u in lovers)
    assert all(effects[u.user_id] < -0.5 for u in users if u not in lovers)
    baseline = [repeat_effect(u, walk) for u in make_population(120, LIBRARY, 6)]
    assert max(baseline) < 0.3 and statistics.fmean(baseline) < 0


def test_in_routine_novelty_seekers_prefer_the_untried() -> None:
    users = make_population(60, LIBRARY, 7, family="routine")
    seeker = next(u for u in users if u.traits.extras and u.traits.extras.routine_lover is False)
    walk = next(t for t in TASKS if t.slug == "ten-minute-walk")
    fresh = pinned(seeker)
    untried = fresh.completion_probability(walk, block_for(walk), 30)
    fresh.record_exposure(walk, 1, 0.5)
    # Long rested, yet no longer untried.
    assert fresh.completion_probability(walk, block_for(walk), 30) < untried


# ---- misfit: the declared archetype predicts worse -------------------------------------------


def archetype_means() -> dict[Archetype, list[float]]:
    """Each archetype's mean appeal vector over a baseline population: its pooled prior."""
    reference = make_population(300, LIBRARY, 99)
    means = {}
    for archetype in ALL_ARCHETYPES:
        vectors = [appeal(u) for u in reference if u.archetype is archetype]
        means[archetype] = [statistics.fmean(column) for column in zip(*vectors, strict=True)]
    return means


def prior_gain(family: str, means: dict[Archetype, list[float]]) -> float:
    """How much better the declared archetype's prior predicts a user than the population's
    (mean squared error of the population mean minus that of the archetype mean)."""
    overall = [statistics.fmean(column) for column in zip(*means.values(), strict=True)]
    gains = []
    for user in make_population(120, LIBRARY, 7, family=family):
        vector = appeal(user)
        own = statistics.fmean(
            (v - m) ** 2 for v, m in zip(vector, means[user.archetype], strict=True)
        )
        pooled = statistics.fmean((v - m) ** 2 for v, m in zip(vector, overall, strict=True))
        gains.append(pooled - own)
    return statistics.fmean(gains)


def test_in_misfit_the_declared_archetype_misleads() -> None:
    means = archetype_means()
    baseline, misfit = prior_gain("baseline", means), prior_gain("misfit", means)
    assert baseline > 0.1 > 0.0 > misfit, (baseline, misfit)
    users = make_population(60, LIBRARY, 7, family="misfit")
    extras = [u.traits.extras for u in users]
    assert all(
        e and e.latent_archetype is not u.archetype for e, u in zip(extras, users, strict=True)
    )
    unaligned = sum(1 for e in extras if e and e.unaligned)
    assert 0.15 < unaligned / len(users) < 0.5


# ---- shifting: weekends differ, and life changes at the shift day ----------------------------


def weekend_change(family: str, block: TimeBlock) -> float:
    """Mean change of p from Friday (day 5) to Saturday (day 6) of the tasks in ``block``."""
    tasks = tuple(t for t in TASKS if block_for(t) is block)
    changes = []
    for user in make_population(60, LIBRARY, 8, family=family):
        friday, saturday = appeal(user, 5, tasks), appeal(user, 6, tasks)
        changes += [s - f for f, s in zip(friday, saturday, strict=True)]
    return statistics.fmean(changes)


def test_in_shifting_weekend_mornings_differ_from_weekdays() -> None:
    assert is_weekend(6) and is_weekend(7) and not is_weekend(5) and not is_weekend(8)
    morning = weekend_change("shifting", TimeBlock.MORNING)
    evening = weekend_change("shifting", TimeBlock.WIND_DOWN)
    assert morning < evening - 0.3, (morning, evening)
    assert weekend_change("baseline", TimeBlock.MORNING) == pytest.approx(
        weekend_change("baseline", TimeBlock.WIND_DOWN), abs=0.01
    )


def stationary(matrix: tuple[tuple[float, float, float], ...]) -> list[float]:
    law = [1 / 3] * 3
    for _ in range(200):
        law = [sum(law[i] * matrix[i][j] for i in range(3)) for j in range(3)]
    return law


def shift_size(user: SimUser, day: int) -> float:
    """How unevenly the tasks' logits moved from a week before ``day`` to ``day`` (the same
    weekday): the spread of the changes, so the app's fading novelty, which moves every task
    alike, counts for nothing."""
    before, after = appeal(user, day - 7), appeal(user, day)
    return statistics.pstdev(a - b for a, b in zip(after, before, strict=True))


def test_in_shifting_tastes_schedule_and_energy_change_at_the_shift_day() -> None:
    users = make_population(60, LIBRARY, 9, family="shifting")
    low_before, low_after = [], []
    for user in users:
        shift = user.traits.shift
        assert shift is not None and 10 <= shift.day <= 18
        assert shift.time_of_day is not None and shift.energy_transition is not None
        assert shift_size(user, shift.day) > 0.2, user
        # Nothing moves between two weeks before the shift.
        assert shift_size(user, shift.day - 1) < 1e-9, user
        if user.archetype is Archetype.PEAK_PERFORMER:  # more high days than low ones
            low_before.append(stationary(user.traits.energy_transition)[0])
            low_after.append(stationary(shift.energy_transition)[0])
    assert statistics.fmean(low_after) > statistics.fmean(low_before) + 0.1
    steady = make_population(30, LIBRARY, 9)
    assert max(shift_size(u, 14) for u in steady) < 1e-9
