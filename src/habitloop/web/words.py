"""The learned profile in plain sentences, each naming the figure it rests on."""

from __future__ import annotations

from habitloop.core.vocab import Category, TimeBlock
from habitloop.learning.schemas import ProfileOut

WHEN = {
    TimeBlock.MORNING: "in the morning",
    TimeBlock.PEAK: "in your peak-focus hours",
    TimeBlock.MIDDAY: "around midday",
    TimeBlock.AFTERNOON: "in the afternoon",
    TimeBlock.WIND_DOWN: "in the evening wind-down",
}
# Below this many answers the estimates are mostly the starting guesses.
FEW_EVENTS = 5


def _area(category: Category) -> str:
    return category.value


def _time_of_day(profile: ProfileOut) -> str | None:
    blocks = sorted(profile.time_of_day.items(), key=lambda kv: kv[1], reverse=True)
    if len(blocks) < 2 or blocks[0][1] - blocks[-1][1] < 0.05:
        return None
    (best, high), (worst, low) = blocks[0], blocks[-1]
    return (
        f"You finish tasks most {WHEN[best]} ({high:.0%} estimated completion) "
        f"and least {WHEN[worst]} ({low:.0%})."
    )


def _categories(profile: ProfileOut) -> str | None:
    ranked = sorted(profile.category_affinity.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) < 2:
        return None
    (best, high), (worst, low) = ranked[0], ranked[-1]
    return (
        f"You finish {_area(best)} tasks most often ({high:.0%} estimated) and "
        f"{_area(worst)} tasks least often ({low:.0%})."
    )


def _difficulty(profile: ProfileOut) -> str:
    level = profile.difficulty_tolerance
    kind = "easy" if level < 0.7 else "moderate" if level < 1.4 else "challenging"
    return f"Tasks that suit you best are {kind} ones (tolerance {level:.1f} on a 0-2 scale)."


def _variety(profile: ProfileOut) -> str:
    v = profile.variety_seeking
    if v > 0.6:
        return f"New tasks go better for you than ones you have done before (variety {v:.2f})."
    if v < 0.4:
        return f"Familiar tasks go better for you than new ones (variety {v:.2f})."
    return f"New and familiar tasks go about as well for you (variety {v:.2f})."


def _friction(profile: ProfileOut) -> str | None:
    hard = sorted(c.value for c, f in profile.friction.items() if f.level == "high")
    if not hard:
        return None
    return f"Your ratings and answers say {', '.join(hard)} tasks feel like hard going."


def profile_sentences(profile: ProfileOut) -> list[str]:
    """What the profile says about the user; nothing but the basics while it knows little."""
    answers = profile.completions + profile.partials + profile.skips
    if answers < FEW_EVENTS:
        return [
            f"habitloop has {answers} answers from you so far: after a few more it can tell "
            "what suits you."
        ]
    days = round(profile.consistency * 14)
    found = [
        _time_of_day(profile),
        _categories(profile),
        _difficulty(profile),
        _variety(profile),
        f"You showed up on {days} of the last 14 days.",
        _friction(profile),
    ]
    if profile.favourites:
        names = ", ".join(f.name for f in profile.favourites[:3])
        found.append(f"Your favourites so far: {names}.")
    return [sentence for sentence in found if sentence is not None]
