"""A day's plan: one item per category, rotation across days, placement and reasons."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import pairwise
from random import Random

import pytest
from hypothesis import Phase as HPhase
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.library import Library, Task, build_library, load_library_file
from habitloop.core.planner import (
    BLOCK_ORDER,
    PlanDraft,
    PlanInput,
    block_for,
    block_starts,
    build_plan,
    clock,
)
from habitloop.core.policies import DynamicPolicy, Policy, Selection, SlotContext, StaticPolicy
from habitloop.core.scoring import (
    Candidate,
    GroupUse,
    ScoreWeights,
    record_use,
    release_use,
    score_table,
    window_days,
)
from habitloop.core.vocab import (
    Archetype,
    Category,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
    TimeOfDay,
)
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
WEIGHTS = ScoreWeights()
START = date(2026, 11, 2)
DAYS = 30
ALL = tuple(Category)
GAP = 5  # minutes between items in one block


def plan_input(
    day: date = START,
    archetype: Archetype = Archetype.PEAK_PERFORMER,
    mode: Mode = Mode.MEDIUM,
    categories: Sequence[Category] = ALL,
    rotation: dict[str, GroupUse] | None = None,
    hours: int = 48,
    wake: time = time(7, 0),
    sleep: time = time(23, 0),
) -> PlanInput:
    return PlanInput(
        day=day,
        archetype=archetype,
        mode=mode,
        phase=Phase.DISCOVERY,
        categories=tuple(categories),
        rotation={} if rotation is None else rotation,
        rotation_days=window_days(hours),
        wake=wake,
        sleep=sleep,
    )


def plan(inp: PlanInput, policy: Policy | None = None, seed: int = 0) -> PlanDraft:
    return build_plan(LIBRARY, inp, policy or DynamicPolicy(), None, Random(seed), WEIGHTS)


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def since_wake(hhmm: str, wake: time) -> int:
    return (minutes(hhmm) - (wake.hour * 60 + wake.minute)) % (24 * 60)


# ---- the rotation over many days ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    archetype: Archetype
    modes: tuple[Mode, ...]
    hours: int
    categories: tuple[Category, ...]
    policy: Policy
    seed: int
    regenerate: frozenset[int] = frozenset()


def simulate(run: Run, order: Sequence[int]) -> dict[int, PlanDraft]:
    """Plan the days in ``order`` the way ``plans.service.generate_plan`` does: copy the stored
    rotation, plan with it, then record each item's group for the day (releasing the day's
    groups first when a plan is regenerated)."""
    stored: dict[str, GroupUse] = {}
    plans: dict[int, PlanDraft] = {}
    for index in order:
        day = START + timedelta(days=index)
        revisions = 2 if index in run.regenerate else 1
        for revision in range(revisions):
            rotation = dict(stored)
            if revision:
                for item in plans[index].items:
                    group = item.task.variation_group
                    rotation[group] = release_use(rotation[group], day)
            inp = plan_input(
                day, run.archetype, run.modes[index], run.categories, rotation, run.hours
            )
            seed = run.seed * 1_000 + index * 10 + revision
            draft = build_plan(LIBRARY, inp, run.policy, None, Random(seed), WEIGHTS)
            for item in draft.items:
                group = item.task.variation_group
                rotation[group] = record_use(rotation.get(group), group, item.task.category, day)
            stored = rotation
            plans[index] = draft
    return plans


def repeats(plans: dict[int, PlanDraft], days: int) -> list[str]:
    """Groups on two days at most ``days`` apart where neither was a flagged fallback."""
    found = []
    for i in plans:
        for j in plans:
            if not 0 < j - i <= days:
                continue
            first = {it.task.variation_group: it.rotation_fallback for it in plans[i].items}
            for item in plans[j].items:
                group = item.task.variation_group
                if group in first and not (first[group] or item.rotation_fallback):
                    found.append(f"{group} on days {i} and {j}")
    return found


def fallbacks(plans: dict[int, PlanDraft]) -> int:
    return sum(item.rotation_fallback for draft in plans.values() for item in draft.items)


policies = st.one_of(
    st.just(StaticPolicy()),
    st.floats(0.0, 0.5).map(lambda eps: DynamicPolicy(epsilon=eps)),
)
runs = st.builds(
    Run,
    archetype=st.sampled_from(list(Archetype)),
    modes=st.lists(st.sampled_from(list(Mode)), min_size=DAYS, max_size=DAYS).map(tuple),
    hours=st.sampled_from([0, 24, 48, 72]),
    categories=st.permutations(ALL).flatmap(
        lambda cats: st.integers(1, len(cats)).map(lambda n: tuple(cats[:n]))
    ),
    policy=policies,
    seed=st.integers(0, 2**16),
    regenerate=st.frozensets(st.integers(0, DAYS - 1), max_size=4),
)


@settings(max_examples=40, deadline=None)
@given(run=runs)
def test_no_group_repeats_inside_the_window_over_30_days(run: Run) -> None:
    plans = simulate(run, range(DAYS))
    days = window_days(run.hours)
    assert repeats(plans, days) == []
    # Four groups per category and at most three earlier days hidden: never a fallback.
    assert fallbacks(plans) == 0
    for draft in plans.values():
        assert sorted(it.task.category for it in draft.items) == sorted(run.categories)


@settings(max_examples=40, deadline=None)
@given(run=runs, order=st.permutations(range(8)))
def test_out_of_order_planning_never_repeats_inside_the_window(run: Run, order: list[int]) -> None:
    """Days planned in any order (eight days: no group has more dates than the state keeps)."""
    plans = simulate(run, order)
    assert repeats(plans, window_days(run.hours)) == []


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    phases=[HPhase.explicit, HPhase.generate],
)
@given(run=runs, order=st.permutations(range(DAYS)))
def test_out_of_order_planning_over_30_days_never_repeats_inside_the_window(
    run: Run, order: list[int]
) -> None:
    plans = simulate(run, order)
    assert repeats(plans, window_days(run.hours)) == []


def test_planning_the_day_before_a_long_run_respects_the_window() -> None:
    run = Run(Archetype.PEAK_PERFORMER, (Mode.MEDIUM,) * 41, 72, ALL, StaticPolicy(), 1)
    plans = simulate(run, [*range(1, 41), 0])
    assert repeats(plans, 3) == []


def test_a_fallback_is_flagged_when_the_window_hides_every_group() -> None:
    # Days planned outside-in: day 3 sees three groups before it and three after.
    run = Run(
        Archetype.FOUNDATION_BUILDER, (Mode.LOW,) * 7, 72, (Category.SLEEP,), StaticPolicy(), 0
    )
    plans = simulate(run, [0, 6, 1, 5, 2, 4, 3])
    (item,) = plans[3].items
    assert item.rotation_fallback
    assert "least recently used" in item.reason
    assert repeats(plans, 3) == []


# ---- determinism and inputs ------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    archetype=st.sampled_from(list(Archetype)),
    mode=st.sampled_from(list(Mode)),
    epsilon=st.floats(0.0, 1.0),
)
def test_same_seed_same_plan(seed: int, archetype: Archetype, mode: Mode, epsilon: float) -> None:
    inp = plan_input(archetype=archetype, mode=mode)
    policy = DynamicPolicy(epsilon)
    assert plan(inp, policy, seed) == plan(inp, policy, seed)


def test_different_seeds_can_differ() -> None:
    inp = plan_input()
    drafts = {
        tuple(it.task.slug for it in plan(inp, DynamicPolicy(0.5), seed).items)
        for seed in range(20)
    }
    assert len(drafts) > 1


def test_static_plans_ignore_the_seed() -> None:
    inp = plan_input()
    first = plan(inp, StaticPolicy(), 0)
    assert all(plan(inp, StaticPolicy(), seed) == first for seed in range(1, 5))


def test_inputs_are_not_mutated() -> None:
    rotation = {
        group: record_use(None, group, task.category, START - timedelta(days=1))
        for task in LIBRARY.tasks[::5]
        for group in [task.variation_group]
    }
    snapshot = copy.deepcopy(rotation)
    table = score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.MEDIUM, WEIGHTS)
    table_snapshot = {c: tuple(ranked) for c, ranked in table.items()}
    inp = plan_input(rotation=rotation, hours=72)
    draft = plan(inp, DynamicPolicy(0.3), 7)
    assert draft.items
    assert rotation == snapshot
    assert inp.rotation is rotation
    assert {c: tuple(ranked) for c, ranked in table.items()} == table_snapshot


def test_plans_consume_the_generator_deterministically() -> None:
    inp = plan_input()
    first, second = Random(3), Random(3)
    plan_one = build_plan(LIBRARY, inp, DynamicPolicy(0.5), None, first, WEIGHTS)
    plan_two = build_plan(LIBRARY, inp, DynamicPolicy(0.5), None, second, WEIGHTS)
    assert plan_one == plan_two
    assert first.getstate() == second.getstate()


# ---- items and placement ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "tod", "block"),
    [
        (Category.MOVEMENT, TimeOfDay.MORNING, TimeBlock.MORNING),
        (Category.FOCUS, TimeOfDay.MORNING, TimeBlock.PEAK),
        (Category.MOVEMENT, TimeOfDay.AFTERNOON, TimeBlock.AFTERNOON),
        (Category.NUTRITION, TimeOfDay.AFTERNOON, TimeBlock.MIDDAY),
        (Category.FOCUS, TimeOfDay.AFTERNOON, TimeBlock.AFTERNOON),
        (Category.NUTRITION, TimeOfDay.EVENING, TimeBlock.WIND_DOWN),
        (Category.SLEEP, TimeOfDay.EVENING, TimeBlock.WIND_DOWN),
        (Category.HYDRATION, TimeOfDay.ANY, TimeBlock.MORNING),
        (Category.MOVEMENT, TimeOfDay.ANY, TimeBlock.MORNING),
        (Category.NUTRITION, TimeOfDay.ANY, TimeBlock.MIDDAY),
        (Category.FOCUS, TimeOfDay.ANY, TimeBlock.PEAK),
        (Category.WELLNESS, TimeOfDay.ANY, TimeBlock.AFTERNOON),
        (Category.RECOVERY, TimeOfDay.ANY, TimeBlock.AFTERNOON),
        (Category.SLEEP, TimeOfDay.ANY, TimeBlock.WIND_DOWN),
    ],
)
def test_block_for(category: Category, tod: TimeOfDay, block: TimeBlock) -> None:
    task = LIBRARY.by_category[category][0].model_copy(update={"time_of_day": tod})
    assert block_for(task) is block


@pytest.mark.parametrize(
    ("wake", "sleep", "expected"),
    [
        (time(7, 0), time(23, 0), ["07:00", "09:00", "12:00", "14:00", "20:00"]),
        (time(10, 0), time(1, 30), ["10:00", "11:56", "14:51", "16:47", "22:36"]),
        (time(22, 0), time(14, 0), ["22:00", "00:00", "03:00", "05:00", "11:00"]),
        (time(7, 0), time(7, 0), ["07:00", "09:00", "12:00", "14:00", "20:00"]),
    ],
)
def test_block_starts(wake: time, sleep: time, expected: list[str]) -> None:
    starts = block_starts(wake, sleep)
    assert list(starts) == sorted(starts, key=BLOCK_ORDER.__getitem__)
    assert [clock(starts[block]) for block in TimeBlock] == expected


def test_clock_wraps_past_midnight() -> None:
    assert clock(0) == "00:00"
    assert clock(25 * 60 + 5) == "01:05"
    assert clock(23 * 60 + 59) == "23:59"


def check_placement(draft: PlanDraft, inp: PlanInput) -> None:
    assert sorted(it.task.category for it in draft.items) == sorted(inp.categories)
    starts = block_starts(inp.wake, inp.sleep)
    assert clock(starts[TimeBlock.MORNING]) == clock(inp.wake.hour * 60 + inp.wake.minute)
    previous_order = -1
    cursor: dict[TimeBlock, int] = {}
    evening = [it for it in draft.items if it.time_block is TimeBlock.WIND_DOWN]
    if evening:
        # The wind-down is packed to end by bedtime when its block is too short for it.
        needed = sum(it.task.duration_minutes for it in evening) + GAP * (len(evening) - 1)
        bedtime = since_wake(clock(inp.sleep.hour * 60 + inp.sleep.minute), inp.wake) or 16 * 60
        block = since_wake(clock(starts[TimeBlock.WIND_DOWN]), inp.wake)
        cursor[TimeBlock.WIND_DOWN] = min(block, bedtime - needed)
    for item in draft.items:
        assert item.time_block is block_for(item.task)
        order = BLOCK_ORDER[item.time_block]
        assert order >= previous_order, "items follow the day's block order"
        previous_order = order
        at = since_wake(item.start_time, inp.wake)
        expected = cursor.get(item.time_block, since_wake(clock(starts[item.time_block]), inp.wake))
        assert at == expected, (item.task.slug, item.start_time)
        cursor[item.time_block] = at + item.task.duration_minutes + GAP


@settings(max_examples=60, deadline=None)
@given(
    archetype=st.sampled_from(list(Archetype)),
    mode=st.sampled_from(list(Mode)),
    categories=st.sets(st.sampled_from(ALL), min_size=1).map(tuple),
    wake_minute=st.integers(4 * 60, 12 * 60).map(lambda m: m - m % 5),
    awake_hours=st.integers(14, 18),
    policy=st.sampled_from([StaticPolicy(), DynamicPolicy(0.0)]),
    seed=st.integers(0, 1000),
)
def test_one_item_per_category_placed_in_its_block_inside_the_waking_day(
    archetype: Archetype,
    mode: Mode,
    categories: tuple[Category, ...],
    wake_minute: int,
    awake_hours: int,
    policy: Policy,
    seed: int,
) -> None:
    wake = time(wake_minute // 60, wake_minute % 60)
    sleep_minute = (wake_minute + awake_hours * 60) % (24 * 60)
    sleep = time(sleep_minute // 60, sleep_minute % 60)
    inp = plan_input(archetype=archetype, mode=mode, categories=categories, wake=wake, sleep=sleep)
    draft = plan(inp, policy, seed)
    assert len(draft.items) == len(categories)
    check_placement(draft, inp)
    for item in draft.items:
        assert 0 <= since_wake(item.start_time, wake) < awake_hours * 60, item


def test_a_day_across_midnight() -> None:
    inp = plan_input(wake=time(10, 0), sleep=time(1, 30))
    draft = plan(inp, StaticPolicy())
    check_placement(draft, inp)
    awake = 15 * 60 + 30
    for item in draft.items:
        assert 0 <= since_wake(item.start_time, inp.wake) < awake
    assert draft.items[0].start_time == "10:00"
    wind_down = [it for it in draft.items if it.time_block is TimeBlock.WIND_DOWN]
    assert wind_down and wind_down[0].start_time == "22:36"
    # Several items share the morning block, one after the other with a five-minute gap.
    morning = [it for it in draft.items if it.time_block is TimeBlock.MORNING]
    assert len(morning) >= 2
    for before, after in pairwise(morning):
        assert minutes(after.start_time) == minutes(before.start_time) + (
            before.task.duration_minutes + 5
        )


class LongestEvening:
    """Picks the longest evening task when there is one: a legal choice of any policy that
    explores (DynamicPolicy with epsilon > 0 reaches such plans)."""

    strategy = Strategy.DYNAMIC
    version = "test-longest-evening"

    def select(
        self, state: object, candidates: Sequence[Candidate], context: SlotContext, rng: Random
    ) -> Selection:
        def key(i: int) -> tuple[bool, int]:
            task = candidates[i].task
            return (task.time_of_day is TimeOfDay.EVENING, task.duration_minutes)

        return Selection(max(range(len(candidates)), key=key), 0.1, explored=True)


def test_wind_down_items_start_before_sleep() -> None:
    inp = plan_input()
    draft = build_plan(LIBRARY, inp, LongestEvening(), None, Random(0), WEIGHTS)
    for item in draft.items:
        assert since_wake(item.start_time, inp.wake) < 16 * 60, (item.task.slug, item.start_time)


def test_items_carry_the_decision_record() -> None:
    rotation = {}
    for task in LIBRARY.by_category[Category.MOVEMENT][:3]:
        group = task.variation_group
        rotation[group] = record_use(None, group, task.category, START - timedelta(days=1))
    inp = plan_input(rotation=rotation, categories=(Category.MOVEMENT,), hours=24)
    draft = plan(inp, DynamicPolicy(0.0))
    (item,) = draft.items
    table = score_table(LIBRARY, inp.archetype, inp.mode, WEIGHTS)[Category.MOVEMENT]
    allowed = [c for c in table if c.task.variation_group not in rotation]
    assert item.candidates == tuple((c.task.id, c.score) for c in allowed)
    assert item.excluded_groups == tuple(sorted(rotation))
    assert item.task == allowed[0].task
    assert item.score == allowed[0].score
    n_best = sum(c.score == allowed[0].score for c in allowed)
    assert item.propensity == pytest.approx(1 / n_best)
    assert not item.explored
    assert not item.rotation_fallback
    assert draft.strategy is Strategy.DYNAMIC
    assert draft.policy_version == DynamicPolicy().version


def test_unknown_or_empty_categories_are_skipped() -> None:
    doc = LIBRARY.to_document()
    doc["tasks"] = [t for t in doc["tasks"] if t["category"] != "focus"]
    library = build_library(doc, require_groups=False)
    draft = build_plan(library, plan_input(), StaticPolicy(), None, Random(0), WEIGHTS)
    assert Category.FOCUS not in {it.task.category for it in draft.items}
    assert len(draft.items) == len(ALL) - 1


# ---- reasons --------------------------------------------------------------------------------


@pytest.mark.parametrize("archetype", list(Archetype))
@pytest.mark.parametrize(
    ("hours", "note"), [(0, None), (24, "the last day"), (72, "the last 3 days")]
)
def test_dynamic_reasons(archetype: Archetype, hours: int, note: str | None) -> None:
    inp = plan_input(archetype=archetype, mode=Mode.HIGH, hours=hours)
    for item in plan(inp, DynamicPolicy(0.0)).items:
        assert archetype.display_name in item.reason
        assert "high-energy day" in item.reason
        assert f"({item.task.archetype_fit[archetype]:.2f})" in item.reason
        assert f"({item.task.mode_fit[Mode.HIGH]:.2f})" in item.reason
        if note is None:
            assert "not used" not in item.reason
        else:
            assert f"not used in {note}" in item.reason


def test_explored_reason_says_so() -> None:
    items = plan(plan_input(), DynamicPolicy(1.0), 0).items
    assert all(item.explored for item in items)
    assert all(
        item.reason.startswith("a change to explore; fits a Peak Performer") for item in items
    )


def test_static_reason_names_the_template() -> None:
    inp = plan_input(archetype=Archetype.RESILIENCE_REBUILDER, hours=48)
    draft = plan(inp, StaticPolicy())
    assert draft.strategy is Strategy.STATIC
    for item in draft.items:
        assert item.reason.startswith(
            f"the Resilience Rebuilder template's pick for {item.task.category.value}"
        )
        assert "not used in the last 2 days" in item.reason
        assert item.propensity == 1.0


def test_fallback_reason_explains_the_repeat() -> None:
    rotation = {
        group: record_use(None, group, Category.SLEEP, START - timedelta(days=1))
        for group in dict.fromkeys(t.variation_group for t in LIBRARY.by_category[Category.SLEEP])
    }
    inp = plan_input(rotation=rotation, categories=(Category.SLEEP,), hours=24)
    (item,) = plan(inp).items
    assert item.rotation_fallback
    assert "every sleep variation was used in the last day" in item.reason
    assert "least recently used" in item.reason


def test_tasks_in_plans_come_from_the_library() -> None:
    for item in plan(plan_input(), DynamicPolicy(1.0), 5).items:
        assert isinstance(item.task, Task)
        assert LIBRARY.by_id[item.task.id] is item.task
