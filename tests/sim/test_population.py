"""Synthetic populations: reproducible, balanced, heterogeneous on request, shifting on request."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from uuid import UUID

import pytest

from habitloop.core.library import Library, load_library_file
from habitloop.core.vocab import ALL_ARCHETYPES, Archetype, Category
from habitloop.sim import SimUser, make_population
from habitloop.sim.population import TOLERANCE_MEANS, library_tags
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))


def fingerprint(users: list[SimUser]) -> list[tuple[UUID, Archetype, object]]:
    return [(u.user_id, u.archetype, u.traits) for u in users]


def test_same_seed_gives_the_same_population() -> None:
    assert fingerprint(make_population(30, LIBRARY, 7)) == fingerprint(
        make_population(30, LIBRARY, 7)
    )


def test_another_seed_gives_other_users() -> None:
    a, b = make_population(12, LIBRARY, 1), make_population(12, LIBRARY, 2)
    assert {u.user_id for u in a}.isdisjoint({u.user_id for u in b})
    assert [u.traits for u in a] != [u.traits for u in b]


def test_a_smaller_population_is_a_prefix_of_a_larger_one() -> None:
    small, large = make_population(7, LIBRARY, 3), make_population(20, LIBRARY, 3)
    assert fingerprint(small) == fingerprint(large[:7])


def test_user_ids_are_unique_and_stable() -> None:
    users = make_population(60, LIBRARY, 11)
    assert len({u.user_id for u in users}) == 60
    assert users[0].user_id == make_population(1, LIBRARY, 11)[0].user_id


@pytest.mark.parametrize("n", [0, 1, 5, 6, 13, 100])
def test_archetypes_are_balanced(n: int) -> None:
    counts = Counter(u.archetype for u in make_population(n, LIBRARY, 5))
    full = [counts.get(a, 0) for a in ALL_ARCHETYPES]
    assert sum(full) == n
    assert max(full) - min(full) <= 1


def test_traits_cover_the_library_and_are_read_only() -> None:
    user = make_population(1, LIBRARY, 0)[0]
    assert set(user.traits.category_affinity) == set(Category)
    assert tuple(sorted(user.traits.tag_affinity)) == library_tags(LIBRARY)
    with pytest.raises(TypeError):
        user.traits.tag_affinity["gentle"] = 9.0  # type: ignore[index]


def test_energy_chains_are_stochastic_and_irreducible() -> None:
    for user in make_population(60, LIBRARY, 4, "high"):
        for row in user.traits.energy_transition:
            assert sum(row) == pytest.approx(1.0)
            assert min(row) > 0.0


def spread(users: list[SimUser]) -> float:
    """Mean within-archetype standard deviation over a few traits."""
    sds = []
    for archetype in ALL_ARCHETYPES:
        group = [u.traits for u in users if u.archetype is archetype]
        sds.append(statistics.stdev(t.difficulty_tolerance for t in group))
        sds.append(statistics.stdev(t.tag_affinity["gentle"] for t in group))
        sds.append(statistics.stdev(t.category_affinity[Category.SLEEP] for t in group))
        sds.append(statistics.stdev(t.novelty_seeking for t in group))
    return statistics.fmean(sds)


def test_heterogeneity_scales_the_spread_not_the_means() -> None:
    low = make_population(240, LIBRARY, 9, "low")
    medium = make_population(240, LIBRARY, 9, "medium")
    high = make_population(240, LIBRARY, 9, "high")
    assert spread(low) * 1.5 < spread(medium) < spread(high) / 1.3
    for users in (low, high):
        rebuilders = [u for u in users if u.archetype is Archetype.RESILIENCE_REBUILDER]
        mean = statistics.fmean(u.traits.intercept for u in rebuilders)
        assert mean == pytest.approx(-0.25, abs=0.15)


def test_archetype_means_make_sense() -> None:
    users = make_population(600, LIBRARY, 2)

    def mean(archetype: Archetype, value: str) -> float:
        group = [u for u in users if u.archetype is archetype]
        if value == "tolerance":
            return statistics.fmean(u.traits.difficulty_tolerance for u in group)
        return statistics.fmean(u.traits.tag_affinity[value] for u in group)

    rebuilder, seeker = Archetype.RESILIENCE_REBUILDER, Archetype.TRANSFORMATION_SEEKER
    assert mean(rebuilder, "tolerance") < 0.7 < 1.1 < mean(seeker, "tolerance")
    assert mean(rebuilder, "tolerance") == pytest.approx(TOLERANCE_MEANS[rebuilder], abs=0.1)
    assert mean(rebuilder, "gentle") > mean(seeker, "gentle") + 0.3
    assert mean(seeker, "intense") > mean(rebuilder, "intense") + 0.5
    assert mean(Archetype.CONNECTED_EXPLORER, "social") > mean(Archetype.PEAK_PERFORMER, "social")


def test_stationary_users_have_no_shift() -> None:
    assert all(u.traits.shift is None for u in make_population(12, LIBRARY, 1))


def test_nonstationary_users_shift_part_of_their_preferences_mid_run() -> None:
    steady = make_population(60, LIBRARY, 8)
    moving = make_population(60, LIBRARY, 8, nonstationary=True)
    for before, after in zip(steady, moving, strict=True):
        shift = after.traits.shift
        assert shift is not None
        assert 12 <= shift.day <= 16
        # Everything but the shift is the same user.
        assert replace(after.traits, shift=None) == before.traits
        old, new = before.traits.category_affinity, shift.category_affinity
        assert sum(old[c] != new[c] for c in Category) == 3
        changed_tags = sum(
            before.traits.tag_affinity[t] != v for t, v in shift.tag_affinity.items()
        )
        assert changed_tags == len(shift.tag_affinity) // 2
    assert len({u.traits.shift.day for u in moving if u.traits.shift}) > 1


def test_the_shift_window_can_be_moved() -> None:
    users = make_population(20, LIBRARY, 8, nonstationary=True, shift_window=(3, 4))
    assert {u.traits.shift.day for u in users if u.traits.shift} <= {3, 4}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1}, "n must"),
        ({"heterogeneity": "extreme"}, "heterogeneity"),
        ({"shift_window": (5, 2)}, "shift_window"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"n": 3, "library": LIBRARY, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_population(**args)  # type: ignore[arg-type]
