"""The reference a team would otherwise reach for: Vowpal Wabbit's ``cb_explore_adf``.

One learner for the whole population (a hosted personalizer's setup), fed the context the
bandit sees: the user (id and archetype), today's mode, and per action the task's category,
tags, difficulty, duration band, time block, archetype fit band and whether the user did it
recently. The cost is minus the same reward the bandit learns from; it plans under the same
rotation rule. Needs the ``sim`` extra: ``pip install habitloop[sim]``.

Two configurations, each a strategy of its own (the report counts the better one per family
as "Vowpal Wabbit"):

===============  ===================================================================================
strategy         configuration
===============  ===================================================================================
``vw``           ``--cb_explore_adf --epsilon 0.1 -q UA -q MA``: epsilon-greedy, user x action
                 and mode x action interactions, the features above (unchanged since it was
                 first measured, so its numbers stay comparable)
``vw-squarecb``  ``--cb_explore_adf --squarecb -q UA -q UT -q MA``: SquareCB exploration (Foster
                 and Rakhlin 2020: probabilities from the gap to the best predicted cost, gamma
                 10 x sqrt(t)), and the features above plus the task's identity and variation
                 group (namespace T, so ``-q UT`` is a per-user, per-task term over a shared
                 task effect), how often the user was shown the task (0, 1, 2, 3+: the
                 bandit's familiarity and never-tried) and whether today is a weekend day (in
                 M, so ``-q MA`` reads the weekly rhythm as the hierarchical learner's context)
===============  ===================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any

from habitloop.core.blocks import block_for
from habitloop.core.completion_model import reward
from habitloop.core.library import Library, Task
from habitloop.core.modes import CheckinSignals, decide_mode
from habitloop.core.policies.base import draw_index
from habitloop.core.scoring import (
    GroupUse,
    ScoreWeights,
    category_candidates,
    record_use,
    score_table,
)
from habitloop.core.vocab import ALL_CATEGORIES, Mode, Outcome
from habitloop.sim.behaviour import Response, SimUser
from habitloop.sim.latent import is_weekend
from habitloop.sim.pure import ServedItem

START = date(2026, 1, 5)
WINDOW_DAYS = 2


@dataclass(frozen=True)
class VowpalConfig:
    """Command-line arguments, and whether the actions carry the task's identity, exposure
    count and the day type (see the module docstring)."""

    arguments: str
    task_identity: bool


CONFIGS = {
    "vw": VowpalConfig(
        "--cb_explore_adf --epsilon 0.1 -q UA -q MA --quiet --random_seed {seed}", False
    ),
    "vw-squarecb": VowpalConfig(
        "--cb_explore_adf --squarecb -q UA -q UT -q MA --quiet --random_seed {seed}", True
    ),
}
ARGUMENTS = CONFIGS["vw"].arguments


def _clean(text: str) -> str:
    return text.replace(" ", "_").replace(":", "_").replace("|", "_")


class VowpalStrategy:
    def __init__(self, library: Library, seed: int, name: str = "vw") -> None:
        try:
            import vowpalwabbit
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "the vw reference needs Vowpal Wabbit: pip install 'habitloop[sim]'"
            ) from exc
        self.name = name
        self.config = CONFIGS[name]
        self.library = library
        self.seed = seed
        self.workspace: Any = vowpalwabbit.Workspace(self.config.arguments.format(seed=seed))
        self.weights = ScoreWeights()
        self.rotation: dict[object, dict[str, GroupUse]] = {}
        self.mode: dict[object, Mode] = {}
        self.recent: dict[object, dict[object, int]] = {}
        self.shown: dict[object, dict[object, int]] = {}
        self.pending: dict[tuple[object, object], tuple[list[str], int, float]] = {}

    def _shared(self, user: SimUser, mode: Mode, day: int) -> str:
        line = f"shared |U u={user.user_id} a={user.archetype.value} |M m={mode.value}"
        if self.config.task_identity:
            line += " weekend" if is_weekend(day) else " weekday"
        return line

    def _action(self, user: SimUser, task: Task, day: int) -> str:
        last = self.recent.get(user.user_id, {}).get(task.id)
        recently = "yes" if last is not None and day - last <= 7 else "no"
        tags = " ".join(f"t={_clean(t)}" for t in task.tags)
        fit = round(task.archetype_fit[user.archetype] * 4)
        line = (
            f"|A c={task.category.value} {tags} d={task.difficulty.value} "
            f"dur={min(task.duration_minutes // 10, 4)} b={block_for(task).value} fit={fit} "
            f"recent={recently}"
        )
        if self.config.task_identity:
            seen = min(self.shown.get(user.user_id, {}).get(task.id, 0), 3)
            line += f" seen={seen} |T k={task.slug} g={_clean(task.variation_group)}"
        return line

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]:
        checkin = CheckinSignals(**signals) if signals else None
        mode = decide_mode(checkin, last_known=self.mode.get(user.user_id)).mode
        self.mode[user.user_id] = mode
        today = START + timedelta(days=day - 1)
        rotation = self.rotation.setdefault(user.user_id, {})
        table = score_table(self.library, user.archetype, mode, self.weights)
        rng = Random(f"{self.seed}|{self.name}|{user.user_id}|{day}")
        shared = self._shared(user, mode, day)
        served = []
        for category in ALL_CATEGORIES:
            ranked = table.get(category, ())
            if not ranked:
                continue
            slot = category_candidates(ranked, category, rotation, today, WINDOW_DAYS)
            lines = [shared] + [self._action(user, c.task, day) for c in slot.candidates]
            probabilities = self.workspace.predict(lines)
            index = draw_index(probabilities, rng.random())
            task = slot.candidates[index].task
            group = task.variation_group
            rotation[group] = record_use(rotation.get(group), group, category, today)
            self.pending[(user.user_id, task.id)] = (lines, index, float(probabilities[index]))
            served.append(ServedItem(task, block_for(task), float(probabilities[index])))
        return served

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        shown = self.shown.setdefault(user.user_id, {})
        for item, response in pairs:
            shown[item.task.id] = shown.get(item.task.id, 0) + 1
            lines, index, probability = self.pending.pop((user.user_id, item.task.id))
            outcome = Outcome(response.outcome.value) if response.outcome else Outcome.NO_RESPONSE
            value, weight = reward(outcome, response.rating)
            if weight == 0:
                continue
            labelled = list(lines)
            labelled[index + 1] = f"0:{-value:.4f}:{max(probability, 1e-3):.4f} " + lines[index + 1]
            self.workspace.learn(labelled)
            self.recent.setdefault(user.user_id, {})[item.task.id] = day
