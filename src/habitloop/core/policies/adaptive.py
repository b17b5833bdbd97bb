"""The adaptive strategy: library scoring blended with what the user's feedback taught us, and a
learning phase that decides how much to explore.

Score of a candidate task (all terms 0..1)::

    learned  = 0.6 x task estimate + 0.2 x time-of-day performance + 0.2 x difficulty fit
    blend    = 0.25 + 0.6 x profile confidence          (how far to trust what was learned)
    score    = (1 - blend) x fit score + blend x learned - friction penalty

* task estimate: the task's smoothed completion rate, shrunk toward its category and tag
  affinities (``Estimates.estimate``);
* difficulty fit: ``1 - |level - target| / 2`` with target = difficulty tolerance shifted by
  the day's mode (low -0.5, medium 0, high +0.5);
* friction penalty, only for a high-friction category: ``0.15 x level / 2 + 0.10 x min(1,
  duration / 30)``, so such categories get easier, shorter tasks and are never dropped.

Phase shares, drawn per item with the seeded generator (so a one-item plan follows them too):
with probability ``PHASE_SHARE[phase]`` the best task of the phase's preferred set is taken
(discovery: tasks not tried yet; establishment: favourites; mastery: proven tasks, tried and
with an estimate of at least ``PROVEN_SCORE``), otherwise the best of the rest. When one set is
empty the other serves. The propensity is exact: the branch's probability divided among tied
best candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import NamedTuple

from habitloop.core.blocks import block_for
from habitloop.core.estimates import Estimates
from habitloop.core.learned import Learned, Observation, learn
from habitloop.core.phases import PHASE_SHARE, PROVEN_SCORE
from habitloop.core.policies.base import Selection, SlotContext
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Mode, Phase, Strategy

MODE_SHIFT = {Mode.LOW: -0.5, Mode.MEDIUM: 0.0, Mode.HIGH: 0.5}
TIE = 1e-9


class Scored(NamedTuple):
    """A candidate's adaptive score and its parts (a tuple: one is built per candidate)."""

    score: float
    estimate: float
    time_fit: float
    difficulty_fit: float
    penalty: float


def score_candidates(view: Estimates, candidates: Sequence[Candidate], mode: Mode) -> list[Scored]:
    # The difficulty target and the blend depend on the day alone: worked out once per slot.
    target = min(2.0, max(0.0, view.difficulty_tolerance + MODE_SHIFT[mode]))
    blend = 0.25 + 0.6 * view.confidence
    return [_scored(view, candidate, target, blend) for candidate in candidates]


def _scored(view: Estimates, candidate: Candidate, target: float, blend: float) -> Scored:
    task = candidate.task
    estimate = view.estimate(task)
    time_fit = view.time_of_day.get(block_for(task), 0.5)
    difficulty_fit = 1.0 - abs(task.difficulty.level - target) / 2.0
    penalty = 0.0
    if task.category in view.high_friction:
        penalty = 0.15 * task.difficulty.level / 2 + 0.10 * min(1.0, task.duration_minutes / 30)
    learned = 0.6 * estimate + 0.2 * time_fit + 0.2 * difficulty_fit
    score = (1 - blend) * candidate.score + blend * learned - penalty
    return Scored(round(max(0.0, min(1.0, score)), 4), estimate, time_fit, difficulty_fit, penalty)


def preferred(view: Estimates, phase: Phase, candidate: Candidate, scored: Scored) -> bool:
    task_id = candidate.task.id
    if phase is Phase.DISCOVERY:
        return not view.tried(task_id)
    if phase is Phase.ESTABLISHMENT:
        return view.favourite(task_id)
    return view.tried(task_id) and scored.estimate >= PROVEN_SCORE


def _drivers(
    view: Estimates, context: SlotContext, candidate: Candidate, scored: Scored, pref: bool
) -> str:
    task = candidate.task
    notes: list[str] = []
    if context.phase is Phase.DISCOVERY and pref:
        notes.append("new for you while we learn what fits")
    elif context.phase is Phase.ESTABLISHMENT and pref:
        notes.append("one of your favourites")
    elif context.phase is Phase.MASTERY and pref:
        notes.append(f"proven: you complete it about {scored.estimate:.0%} of the time")
    elif view.tried(task.id):
        notes.append(f"you complete tasks like this about {scored.estimate:.0%} of the time")
    else:
        notes.append("something new to keep variety")
    block = block_for(task).value.replace("_", "-")
    if scored.time_fit >= 0.6:
        notes.append(f"your {block} tasks go well")
    if scored.difficulty_fit >= 0.75:
        notes.append(f"its difficulty suits a {context.mode.value}-energy day")
    if scored.penalty > 0:
        notes.append(f"kept easy and short: {task.category.value} has felt hard lately")
    notes.append(f"fits a {context.archetype.display_name} ({candidate.archetype_fit:.2f})")
    return "; ".join(notes[:3])


def _best(indices: list[int], scores: list[Scored]) -> list[int]:
    top = max(scores[i].score for i in indices)
    return [i for i in indices if scores[i].score >= top - TIE]


@dataclass(frozen=True, slots=True)
class AdaptivePolicy:
    strategy: Strategy = Strategy.ADAPTIVE
    version: str = "adaptive-1"

    def select(
        self,
        state: Learned,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not candidates:
            raise ValueError("no candidates to choose from")
        seen = state.estimates(context.day)
        scores = score_candidates(seen, candidates, context.mode)
        flags = [
            preferred(seen, context.phase, c, s) for c, s in zip(candidates, scores, strict=True)
        ]
        share = PHASE_SHARE[context.phase]
        wanted = [i for i, f in enumerate(flags) if f]
        rest = [i for i, f in enumerate(flags) if not f]
        # Both draws happen every time, so one slot's branch never shifts the next slot's stream.
        branch_draw = rng.random()
        tie_draw = rng.random()
        if wanted and rest:
            take_wanted = branch_draw < share
            pool = wanted if take_wanted else rest
            weight = share if take_wanted else 1.0 - share
        else:
            pool = wanted or rest
            weight = 1.0
        best = _best(pool, scores)
        index = best[min(int(tie_draw * len(best)), len(best) - 1)]
        note = _drivers(seen, context, candidates[index], scores[index], flags[index])
        return Selection(
            index=index,
            propensity=round(weight / len(best), 6),
            explored=not flags[index] and bool(wanted),
            score=scores[index].score,
            note=note,
        )

    def update(self, state: Learned, observation: Observation) -> Learned:
        return learn(state, observation)
