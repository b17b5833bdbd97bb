"""A day's plan: one item per active category, placed in the user's waking day, with reasons.

Items in one block (see ``blocks``) follow each other with five minutes between them; the
wind-down is packed so that its last item ends by the sleep time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from random import Random
from typing import NamedTuple
from uuid import UUID

from habitloop.core.blocks import (
    BLOCK_ORDER,
    GAP_MINUTES,
    awake_minutes,
    block_for,
    block_starts,
    clock,
    minutes_of,
)
from habitloop.core.library import Library, Task
from habitloop.core.policies.base import PlanAtOnce, Policy, S, Selection, SlotContext
from habitloop.core.scoring import (
    CategoryCandidates,
    GroupUse,
    ScoreWeights,
    category_candidates,
    excluded_groups,
    score_table,
)
from habitloop.core.vocab import (
    Archetype,
    Category,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
)


@dataclass(frozen=True, slots=True)
class PlanInput:
    day: date
    archetype: Archetype
    mode: Mode
    phase: Phase
    categories: tuple[Category, ...]
    rotation: Mapping[str, GroupUse]
    rotation_days: int
    wake: time = time(7, 0)
    sleep: time = time(23, 0)


class PlannedItem(NamedTuple):
    """One item of a plan, with what the decision log keeps (a tuple: seven are built a plan)."""

    task: Task
    time_block: TimeBlock
    start_time: str
    score: float
    propensity: float
    reason: str
    explored: bool
    rotation_fallback: bool
    candidates: tuple[tuple[UUID, float], ...]
    excluded_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanDraft:
    items: tuple[PlannedItem, ...]
    strategy: Strategy
    policy_version: str


def _rotation_note(slot: CategoryCandidates, days: int) -> str:
    if days <= 0:
        return ""
    span = "day" if days == 1 else f"{days} days"
    if slot.rotation_fallback:
        return (
            f"every {slot.category.value} variation was used in the last {span}; "
            "this is the least recently used"
        )
    return f"not used in the last {span}"


def _reason(strategy: Strategy, inp: PlanInput, slot: CategoryCandidates, choice: Selection) -> str:
    chosen = slot.candidates[choice.index]
    explored = choice.explored
    who = inp.archetype.display_name
    if choice.note:
        head = choice.note
    elif strategy is Strategy.STATIC:
        head = f"the {who} template's pick for {slot.category.value}"
    else:
        head = (
            f"fits a {who} ({chosen.archetype_fit:.2f}) "
            f"on a {inp.mode.value}-energy day ({chosen.mode_fit:.2f})"
        )
        if explored:
            head = f"a change to explore; {head}"
    note = _rotation_note(slot, inp.rotation_days)
    return f"{head}; {note}" if note else head


def _context(inp: PlanInput, slot: CategoryCandidates) -> SlotContext:
    return SlotContext(inp.day, slot.category, inp.archetype, inp.mode, inp.phase)


def _decide_all(
    policy: Policy[S], state: S, inp: PlanInput, slots: Sequence[CategoryCandidates], rng: Random
) -> list[Selection]:
    """The policy's choice for every slot, in order: together when it can share their work."""
    asked = [(slot.candidates, _context(inp, slot)) for slot in slots]
    if isinstance(policy, PlanAtOnce):
        return policy.select_plan(state, asked, rng)
    return [policy.select(state, candidates, context, rng) for candidates, context in asked]


def _item(
    strategy: Strategy,
    inp: PlanInput,
    slot: CategoryCandidates,
    choice: Selection,
    block: TimeBlock,
    start_time: str,
) -> PlannedItem:
    chosen = slot.candidates[choice.index]
    return PlannedItem(
        task=chosen.task,
        time_block=block,
        start_time=start_time,
        score=chosen.score if choice.score is None else choice.score,
        propensity=choice.propensity,
        reason=_reason(strategy, inp, slot, choice),
        explored=choice.explored,
        rotation_fallback=chosen.rotation_fallback,
        candidates=tuple([(c.task.id, c.score) for c in slot.candidates]),
        excluded_groups=slot.excluded_groups,
    )


def choose_slot(
    policy: Policy[S],
    state: S,
    inp: PlanInput,
    slot: CategoryCandidates,
    rng: Random,
) -> PlannedItem:
    """One policy decision for one category, with everything the decision log keeps."""
    choice = policy.select(state, slot.candidates, _context(inp, slot), rng)
    block = block_for(slot.candidates[choice.index].task)
    return _item(policy.strategy, inp, slot, choice, block, "")


def _schedule(
    tasks: Sequence[Task], blocks: Sequence[TimeBlock], wake: time, sleep: time
) -> list[tuple[int, str]]:
    """Each task's start time inside its block (``blocks[i]`` for ``tasks[i]``), blocks in
    day order: ``(index in tasks, start)`` pairs in the order of the day.

    The wind-down block is packed so that its last item ends by the sleep time.
    """
    cursor = dict(block_starts(wake, sleep))
    order = sorted(
        range(len(tasks)), key=lambda i: (BLOCK_ORDER[blocks[i]], tasks[i].category.value)
    )
    last = [tasks[i] for i in order if blocks[i] is TimeBlock.WIND_DOWN]
    if last:
        needed = sum(task.duration_minutes for task in last) + GAP_MINUTES * (len(last) - 1)
        bedtime = minutes_of(wake) + awake_minutes(wake, sleep)
        cursor[TimeBlock.WIND_DOWN] = min(cursor[TimeBlock.WIND_DOWN], bedtime - needed)
    starts = []
    for i in order:
        at = cursor[blocks[i]]
        cursor[blocks[i]] = at + tasks[i].duration_minutes + GAP_MINUTES
        starts.append((i, clock(at)))
    return starts


def build_plan(
    library: Library,
    inp: PlanInput,
    policy: Policy[S],
    state: S,
    rng: Random,
    weights: ScoreWeights,
) -> PlanDraft:
    table = score_table(library, inp.archetype, inp.mode, weights)
    hidden = excluded_groups(inp.rotation, inp.day, inp.rotation_days)
    slots = []
    for category in inp.categories:
        ranked = table.get(category, ())
        if ranked:
            slots.append(
                category_candidates(
                    ranked, category, inp.rotation, inp.day, inp.rotation_days, hidden=hidden
                )
            )
    choices = _decide_all(policy, state, inp, slots, rng)
    # Placed before the items are built, so each is built once, with its start time.
    tasks = [
        slot.candidates[choice.index].task for slot, choice in zip(slots, choices, strict=True)
    ]
    blocks = [block_for(task) for task in tasks]
    items = tuple(
        _item(policy.strategy, inp, slots[i], choices[i], blocks[i], start)
        for i, start in _schedule(tasks, blocks, inp.wake, inp.sleep)
    )
    return PlanDraft(items, policy.strategy, policy.version)
