"""A user's latent traits and the ``baseline`` family's distributions, which every family
starts from.

``h`` below is the heterogeneity scale, ``low`` 0.5, ``medium`` 1.0, ``high`` 1.6: it multiplies
every individual deviation around the archetype's mean, never the means themselves.

=========================  ==================================================================
trait                      distribution (per user; logit scale unless said)
=========================  ==================================================================
intercept                  N(archetype mean, 0.35h); means -0.25 (resilience) .. +0.10 (peak)
app_fatigue                N(0.25, 0.10h), >= 0: the intercept loses this much as the app's
                           novelty wears off (time constant 14 days)
category_affinity          N(archetype mean, 0.35h) per category; means in ``CATEGORY_MEANS``
tag_affinity               N(archetype mean, 0.55h) per library tag; ``TAG_MEANS``, else 0
archetype_fit_weight       N(0.25, 0.35h): weight on ``archetype_fit - 0.5`` (stereotypy)
time_of_day                0.2 x chronotype x morningness(block) + N(0, 0.2h) per block;
                           chronotype ~ N(0, 1); morningness +1 (morning) .. -1 (wind-down)
difficulty_tolerance       N(archetype mean, 0.45h), clipped to [0, 2] (``Difficulty.level``
                           scale); means match ``core.profile``'s archetype priors
energy_sensitivity         N(0.4, 0.15h), clipped to [0, 1]: tolerance shift on low/high days
novelty_seeking            N(archetype mean, 0.3h), clipped to [-1, 1]; < 0 loves routine
habituation_rate           lognormal, median 0.5, sigma 0.3h: fatigue added per exposure
fatigue_half_life_days     N(4, 1.2h), clipped to [1, 10]: how fast fatigue recovers with rest
duration_aversion          N(0.35, 0.12h), >= 0: logit lost per 30 minutes of task
disengagement_sensitivity  lognormal, median 0.06, sigma 0.4h: churn hazard per unit frustration
rating_noise               N(0.7, 0.2h), clipped to [0.2, 1.5]: sd of a rating, in stars
rating_rate                Beta, mean 0.45, concentration 8/h: P(rating | answered)
answer_rate                Beta, mean 0.85, concentration 12/h: P(answer | app opened)
no_open_probability        Beta, archetype mean 0.08..0.18, concentration 15/h
checkin_rate               Beta, mean 0.9, concentration 12/h: P(check-in | app opened)
energy_transition          P[i -> j] = s x [i = j] + (1 - s) x pi_j; persistence s ~ Beta
                           (mean 0.55, concentration 10/h); baseline pi ~ Dirichlet(20/h x
                           archetype mean), floored at 0.05 and renormalised, so every mode
                           is reachable; the chain's stationary law is pi
initial_energy             drawn from pi (0 low, 1 medium, 2 high)
report_noise               N(0.6, 0.2h), clipped to [0.2, 1.2]: check-in noise (energy points)
=========================  ==================================================================

Beta draws are clipped to [0.01, 0.99] so nobody is certain to open, answer or rate. A user
drawn from *no* archetype (the ``misfit`` family) uses ``NEUTRAL``: the archetypes' average
intercept, tolerance, no-open rate and energy shares, and zero category, tag and novelty means.

**Why these sizes.** Within a category, the archetype-mean part of a task's appeal (tags,
tolerance, fit weight) spans a few tenths of a logit, while one user's own deviations span about
twice that: a template that knows only the archetype gains little over a random pick (and loses
to it later, as its repeats habituate), and a policy that learns each user has room to win.
Measured with the shipped library, a 48-hour rotation and 28 days (see ``latent``), the mean
latent completion of a shown item is about 0.36 under random picks and 0.48 under the oracle.

**Non-stationary runs** (``nonstationary=True``): each user gets a shift day, uniform on
``shift_window`` (12-16 by default, the middle of a 28-day run); from that day on, 3 of the 7
category affinities and half of the tag affinities (chosen at random) are re-drawn from the same
distribution. The shift is drawn from its own stream, so a user's other traits are identical
with and without it.

**Family structure** (``Extras``, ``PreferenceShift.time_of_day`` and ``.energy_transition``):
the other families add terms to the same completion model; their defaults add nothing, and a
``baseline`` user has none of them, so the baseline model runs exactly as before they existed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from random import Random
from types import MappingProxyType

from habitloop.core.vocab import ALL_CATEGORIES, Archetype, Category, TimeBlock

SHIFTED_CATEGORIES = 3

_A = Archetype
_C = Category
_FB, _TS, _PP = _A.FOUNDATION_BUILDER, _A.TRANSFORMATION_SEEKER, _A.PEAK_PERFORMER
_SI, _RR, _CE = _A.SYSTEMATIC_IMPROVER, _A.RESILIENCE_REBUILDER, _A.CONNECTED_EXPLORER

INTERCEPT_MEANS = {_FB: -0.15, _TS: -0.05, _PP: 0.10, _SI: 0.05, _RR: -0.25, _CE: -0.10}
TOLERANCE_MEANS = {_FB: 0.5, _TS: 1.4, _PP: 1.3, _SI: 1.0, _RR: 0.4, _CE: 0.9}
NOVELTY_MEANS = {_FB: -0.2, _TS: 0.3, _PP: 0.1, _SI: -0.3, _RR: -0.3, _CE: 0.5}
NO_OPEN_MEANS = {_FB: 0.12, _TS: 0.10, _PP: 0.08, _SI: 0.08, _RR: 0.18, _CE: 0.14}
ENERGY_MEANS = {  # baseline share of low, medium, high days
    _FB: (0.30, 0.50, 0.20),
    _TS: (0.20, 0.45, 0.35),
    _PP: (0.15, 0.45, 0.40),
    _SI: (0.20, 0.55, 0.25),
    _RR: (0.40, 0.45, 0.15),
    _CE: (0.25, 0.45, 0.30),
}
CATEGORY_MEANS: Mapping[Archetype, Mapping[Category, float]] = {
    _FB: {_C.HYDRATION: 0.3, _C.NUTRITION: 0.1, _C.SLEEP: 0.1, _C.FOCUS: -0.1},
    _TS: {_C.MOVEMENT: 0.3, _C.NUTRITION: 0.2, _C.FOCUS: 0.1, _C.WELLNESS: -0.1, _C.RECOVERY: -0.1},
    _PP: {_C.FOCUS: 0.3, _C.MOVEMENT: 0.2, _C.RECOVERY: 0.1, _C.SLEEP: 0.1, _C.WELLNESS: -0.1},
    _SI: {_C.FOCUS: 0.2, _C.SLEEP: 0.2, _C.NUTRITION: 0.1, _C.HYDRATION: 0.1, _C.WELLNESS: -0.1},
    _RR: {_C.WELLNESS: 0.3, _C.RECOVERY: 0.3, _C.SLEEP: 0.2, _C.MOVEMENT: -0.2, _C.FOCUS: -0.2},
    _CE: {_C.WELLNESS: 0.2, _C.MOVEMENT: 0.1, _C.NUTRITION: 0.1, _C.FOCUS: -0.2, _C.SLEEP: -0.1},
}
TAG_MEANS: Mapping[Archetype, Mapping[str, float]] = {
    _FB: {"simple": 0.3, "quick": 0.3, "gentle": 0.2, "routine": 0.2, "intense": -0.4},
    _TS: {"intense": 0.4, "structured": 0.2, "tracking": 0.2, "gentle": -0.2, "simple": -0.1},
    _PP: {"structured": 0.3, "tracking": 0.3, "intense": 0.2, "playful": -0.1},
    _SI: {"tracking": 0.4, "structured": 0.3, "routine": 0.3, "playful": -0.2, "novelty": -0.2},
    _RR: {"gentle": 0.4, "restorative": 0.4, "screen-free": 0.1, "intense": -0.5, "tracking": -0.2},
    _CE: {"social": 0.4, "playful": 0.3, "outdoor": 0.3, "novelty": 0.3, "solo": -0.2},
}
MORNINGNESS = {
    TimeBlock.MORNING: 1.0,
    TimeBlock.PEAK: 0.5,
    TimeBlock.MIDDAY: 0.0,
    TimeBlock.AFTERNOON: -0.5,
    TimeBlock.WIND_DOWN: -1.0,
}

EnergyMatrix = tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class Means:
    """The means one archetype (or none) gives the traits that have archetype means."""

    intercept: float
    tolerance: float
    novelty: float
    no_open: float
    energy: tuple[float, float, float]
    categories: Mapping[Category, float]
    tags: Mapping[str, float]


def _average(values: Mapping[Archetype, float]) -> float:
    return math.fsum(values.values()) / len(values)


NEUTRAL = Means(
    intercept=_average(INTERCEPT_MEANS),
    tolerance=_average(TOLERANCE_MEANS),
    novelty=0.0,
    no_open=_average(NO_OPEN_MEANS),
    energy=(
        math.fsum(e[0] for e in ENERGY_MEANS.values()) / len(ENERGY_MEANS),
        math.fsum(e[1] for e in ENERGY_MEANS.values()) / len(ENERGY_MEANS),
        math.fsum(e[2] for e in ENERGY_MEANS.values()) / len(ENERGY_MEANS),
    ),
    categories=MappingProxyType({}),
    tags=MappingProxyType({}),
)


def means_of(archetype: Archetype | None) -> Means:
    """The archetype's means, or ``NEUTRAL`` for a user drawn from no archetype."""
    if archetype is None:
        return NEUTRAL
    return Means(
        intercept=INTERCEPT_MEANS[archetype],
        tolerance=TOLERANCE_MEANS[archetype],
        novelty=NOVELTY_MEANS[archetype],
        no_open=NO_OPEN_MEANS[archetype],
        energy=ENERGY_MEANS[archetype],
        categories=CATEGORY_MEANS[archetype],
        tags=TAG_MEANS[archetype],
    )


@dataclass(frozen=True)
class PreferenceShift:
    """From ``day`` on, these affinities replace the user's original ones (and, when given, the
    time-of-day profile and the energy chain: the ``shifting`` family)."""

    day: int
    category_affinity: Mapping[Category, float]
    tag_affinity: Mapping[str, float]
    time_of_day: Mapping[TimeBlock, float] | None = None
    energy_transition: EnergyMatrix | None = None


@dataclass(frozen=True)
class Extras:
    """The terms a family adds to the completion model (``latent``); the defaults add nothing.

    ``appeal``: logit per task slug (``shared``). ``familiarity_bonus``: logit x familiarity,
    and ``untried_bonus``: logit on a task never shown (``routine``). ``weekend_morning``: logit x
    max(0, morningness) on Saturdays and Sundays, and ``weekend_duration_relief``: the share of
    the duration aversion waived on those days (``shifting``). ``latent_archetype``: the
    archetype the traits were drawn from when it is not the declared one, ``unaligned`` when
    they were drawn from none (``misfit``). ``routine_lover``: the ``routine`` class."""

    appeal: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    familiarity_bonus: float = 0.0
    untried_bonus: float = 0.0
    weekend_morning: float = 0.0
    weekend_duration_relief: float = 0.0
    latent_archetype: Archetype | None = None
    unaligned: bool = False
    routine_lover: bool | None = None

    def drawn_from(self, declared: Archetype) -> Archetype | None:
        """The archetype whose means the traits come from (None: no archetype)."""
        if self.unaligned:
            return None
        return self.latent_archetype or declared


@dataclass(frozen=True)
class Traits:
    """One user's latent traits (see the module docstring for each distribution)."""

    intercept: float
    app_fatigue: float
    category_affinity: Mapping[Category, float]
    tag_affinity: Mapping[str, float]
    archetype_fit_weight: float
    time_of_day: Mapping[TimeBlock, float]
    difficulty_tolerance: float
    energy_sensitivity: float
    novelty_seeking: float
    habituation_rate: float
    fatigue_half_life_days: float
    duration_aversion: float
    disengagement_sensitivity: float
    rating_noise: float
    rating_rate: float
    answer_rate: float
    no_open_probability: float
    checkin_rate: float
    energy_transition: EnergyMatrix
    initial_energy: int
    report_noise: float
    shift: PreferenceShift | None = None
    family: str = "baseline"
    extras: Extras | None = None


def clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def beta(rng: Random, mean: float, concentration: float) -> float:
    # Clipped away from 0 and 1 so no user is certain to open, answer or rate.
    return clip(rng.betavariate(mean * concentration, (1 - mean) * concentration), 0.01, 0.99)


def _dirichlet(rng: Random, alphas: tuple[float, ...], floor: float) -> tuple[float, ...]:
    draws = [max(rng.gammavariate(a, 1.0), 1e-12) for a in alphas]
    total = sum(draws)
    # The floor keeps every mode reachable, so the chain is irreducible for every user.
    floored = [max(floor, d / total) for d in draws]
    norm = sum(floored)
    return tuple(f / norm for f in floored)


def draw_categories(rng: Random, means: Means, h: float) -> dict[Category, float]:
    return {c: rng.gauss(means.categories.get(c, 0.0), 0.35 * h) for c in ALL_CATEGORIES}


def draw_tags(rng: Random, means: Means, tags: tuple[str, ...], h: float) -> dict[str, float]:
    return {t: rng.gauss(means.tags.get(t, 0.0), 0.55 * h) for t in tags}


def energy_chain(
    rng: Random, shares: tuple[float, float, float], h: float
) -> tuple[EnergyMatrix, int]:
    """A persistent chain whose stationary law is drawn around ``shares``, and a first mode."""
    pi = _dirichlet(rng, tuple(20.0 / h * m for m in shares), 0.05)
    stay = beta(rng, 0.55, 10.0 / h)
    matrix = tuple(
        (
            stay * (i == 0) + (1 - stay) * pi[0],
            stay * (i == 1) + (1 - stay) * pi[1],
            stay * (i == 2) + (1 - stay) * pi[2],
        )
        for i in range(3)
    )
    initial = rng.choices(range(3), weights=pi)[0]
    return matrix, initial


def draw_traits(
    rng: Random, archetype: Archetype | None, tags: tuple[str, ...], h: float
) -> Traits:
    """One user's traits; the draw order is part of the seed contract (append, never reorder)."""
    means = means_of(archetype)
    chronotype = rng.gauss(0.0, 1.0)
    time_of_day = {
        b: 0.2 * chronotype * m + rng.gauss(0.0, 0.2 * h) for b, m in MORNINGNESS.items()
    }
    matrix, initial = energy_chain(rng, means.energy, h)
    return Traits(
        intercept=rng.gauss(means.intercept, 0.35 * h),
        app_fatigue=max(0.0, rng.gauss(0.25, 0.10 * h)),
        category_affinity=MappingProxyType(draw_categories(rng, means, h)),
        tag_affinity=MappingProxyType(draw_tags(rng, means, tags, h)),
        archetype_fit_weight=rng.gauss(0.25, 0.35 * h),
        time_of_day=MappingProxyType(time_of_day),
        difficulty_tolerance=clip(rng.gauss(means.tolerance, 0.45 * h), 0.0, 2.0),
        energy_sensitivity=clip(rng.gauss(0.4, 0.15 * h), 0.0, 1.0),
        novelty_seeking=clip(rng.gauss(means.novelty, 0.3 * h), -1.0, 1.0),
        habituation_rate=0.5 * math.exp(rng.gauss(0.0, 0.3 * h)),
        fatigue_half_life_days=clip(rng.gauss(4.0, 1.2 * h), 1.0, 10.0),
        duration_aversion=max(0.0, rng.gauss(0.35, 0.12 * h)),
        disengagement_sensitivity=0.06 * math.exp(rng.gauss(0.0, 0.4 * h)),
        rating_noise=clip(rng.gauss(0.7, 0.2 * h), 0.2, 1.5),
        rating_rate=beta(rng, 0.45, 8.0 / h),
        answer_rate=beta(rng, 0.85, 12.0 / h),
        no_open_probability=beta(rng, means.no_open, 15.0 / h),
        checkin_rate=beta(rng, 0.9, 12.0 / h),
        energy_transition=matrix,
        initial_energy=initial,
        report_noise=clip(rng.gauss(0.6, 0.2 * h), 0.2, 1.2),
    )


def draw_shift(
    rng: Random,
    archetype: Archetype | None,
    traits: Traits,
    h: float,
    window: tuple[int, int],
) -> PreferenceShift:
    """Re-draw part of the affinities from the same distribution, from a day in ``window``."""
    means = means_of(archetype)
    day = rng.randint(*window)
    fresh_categories = draw_categories(rng, means, h)
    moved = set(rng.sample(ALL_CATEGORIES, SHIFTED_CATEGORIES))
    categories = {
        c: fresh_categories[c] if c in moved else v for c, v in traits.category_affinity.items()
    }
    tags = tuple(traits.tag_affinity)
    fresh_tags = draw_tags(rng, means, tags, h)
    moved_tags = set(rng.sample(tags, len(tags) // 2))
    tag_affinity = {
        t: fresh_tags[t] if t in moved_tags else v for t, v in traits.tag_affinity.items()
    }
    return PreferenceShift(day, MappingProxyType(categories), MappingProxyType(tag_affinity))
