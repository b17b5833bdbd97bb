"""The user's waking day in five blocks, and which block a task belongs in.

The waking day (wake to sleep) is cut into five blocks: morning (first 1/8), peak (next 3/16),
midday (next 1/8), afternoon (next 3/8) and wind-down (last 3/16); for a 07:00-23:00 day that is
07:00, 09:00, 12:00, 14:00 and 20:00. A task sits in the block its time of day names: morning
tasks in the morning block (focus work in the peak block), afternoon tasks in the afternoon
(meals at midday), evening tasks in the wind-down, and ``any`` tasks in their category's usual
block.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from types import MappingProxyType

from habitloop.core.library import Task
from habitloop.core.vocab import Category, TimeBlock, TimeOfDay

BLOCK_STARTS: tuple[tuple[TimeBlock, float], ...] = (
    (TimeBlock.MORNING, 0.0),
    (TimeBlock.PEAK, 0.125),
    (TimeBlock.MIDDAY, 0.3125),
    (TimeBlock.AFTERNOON, 0.4375),
    (TimeBlock.WIND_DOWN, 0.8125),
)
BLOCK_ORDER = {block: i for i, (block, _) in enumerate(BLOCK_STARTS)}
GAP_MINUTES = 5

USUAL_BLOCK: Mapping[Category, TimeBlock] = {
    Category.HYDRATION: TimeBlock.MORNING,
    Category.MOVEMENT: TimeBlock.MORNING,
    Category.NUTRITION: TimeBlock.MIDDAY,
    Category.FOCUS: TimeBlock.PEAK,
    Category.WELLNESS: TimeBlock.AFTERNOON,
    Category.RECOVERY: TimeBlock.AFTERNOON,
    Category.SLEEP: TimeBlock.WIND_DOWN,
}


def block_for(task: Task) -> TimeBlock:
    tod = task.time_of_day
    if tod is TimeOfDay.MORNING:
        return TimeBlock.PEAK if task.category is Category.FOCUS else TimeBlock.MORNING
    if tod is TimeOfDay.AFTERNOON:
        return TimeBlock.MIDDAY if task.category is Category.NUTRITION else TimeBlock.AFTERNOON
    if tod is TimeOfDay.EVENING:
        return TimeBlock.WIND_DOWN
    return USUAL_BLOCK[task.category]


def minutes_of(t: time) -> int:
    return t.hour * 60 + t.minute


def awake_minutes(wake: time, sleep: time) -> int:
    return (minutes_of(sleep) - minutes_of(wake)) % (24 * 60) or 16 * 60


@lru_cache(maxsize=1024)
def block_starts(wake: time, sleep: time) -> Mapping[TimeBlock, int]:
    """Minutes after midnight at which each block starts; a sleep time past midnight is fine.
    Worked out once per waking day (users share a handful), so the answer is read-only."""
    awake = awake_minutes(wake, sleep)
    return MappingProxyType(
        {block: minutes_of(wake) + round(share * awake) for block, share in BLOCK_STARTS}
    )


@lru_cache(maxsize=24 * 60)
def clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
