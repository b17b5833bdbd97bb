"""The reference a team would otherwise reach for: Vowpal Wabbit's ``cb_explore_adf``.

One learner for the whole population (a hosted personalizer's setup), fed the same context the
bandit sees: the user (id and archetype), today's mode, and per action the task's category,
tags, difficulty, duration band, time block, archetype fit band and whether the user did it
recently. Epsilon-greedy exploration (0.1), quadratic user x action and mode x action
interactions; the cost is minus the same reward the bandit learns from. It plans under the same
rotation rule. Needs the ``sim`` extra: ``pip install habitloop[sim]``.
"""

from __future__ import annotations

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
from habitloop.sim.pure import ServedItem

START = date(2026, 1, 5)
WINDOW_DAYS = 2
ARGUMENTS = "--cb_explore_adf --epsilon 0.1 -q UA -q MA --quiet --random_seed {seed}"


def _clean(text: str) -> str:
    return text.replace(" ", "_").replace(":", "_").replace("|", "_")


class VowpalStrategy:
    name = "vw"

    def __init__(self, library: Library, seed: int) -> None:
        try:
            import vowpalwabbit
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "the vw reference needs Vowpal Wabbit: pip install 'habitloop[sim]'"
            ) from exc
        self.library = library
        self.seed = seed
        self.workspace: Any = vowpalwabbit.Workspace(ARGUMENTS.format(seed=seed))
        self.weights = ScoreWeights()
        self.rotation: dict[object, dict[str, GroupUse]] = {}
        self.mode: dict[object, Mode] = {}
        self.recent: dict[object, dict[object, int]] = {}
        self.pending: dict[tuple[object, object], tuple[list[str], int, float]] = {}

    def _shared(self, user: SimUser, mode: Mode) -> str:
        return f"shared |U u={user.user_id} a={user.archetype.value} |M m={mode.value}"

    def _action(self, user: SimUser, task: Task, day: int) -> str:
        last = self.recent.get(user.user_id, {}).get(task.id)
        recently = "yes" if last is not None and day - last <= 7 else "no"
        tags = " ".join(f"t={_clean(t)}" for t in task.tags)
        fit = round(task.archetype_fit[user.archetype] * 4)
        return (
            f"|A c={task.category.value} {tags} d={task.difficulty.value} "
            f"dur={min(task.duration_minutes // 10, 4)} b={block_for(task).value} fit={fit} "
            f"recent={recently}"
        )

    def serve(self, user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]:
        checkin = CheckinSignals(**signals) if signals else None
        mode = decide_mode(checkin, last_known=self.mode.get(user.user_id)).mode
        self.mode[user.user_id] = mode
        today = START + timedelta(days=day - 1)
        rotation = self.rotation.setdefault(user.user_id, {})
        table = score_table(self.library, user.archetype, mode, self.weights)
        rng = Random(f"{self.seed}|vw|{user.user_id}|{day}")
        served = []
        for category in ALL_CATEGORIES:
            ranked = table.get(category, ())
            if not ranked:
                continue
            slot = category_candidates(ranked, category, rotation, today, WINDOW_DAYS)
            lines = [self._shared(user, mode)] + [
                self._action(user, c.task, day) for c in slot.candidates
            ]
            probabilities = self.workspace.predict(lines)
            index = draw_index(probabilities, rng.random())
            task = slot.candidates[index].task
            group = task.variation_group
            rotation[group] = record_use(rotation.get(group), group, category, today)
            self.pending[(user.user_id, task.id)] = (lines, index, float(probabilities[index]))
            served.append(ServedItem(task, block_for(task), float(probabilities[index])))
        return served

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        for item, response in pairs:
            lines, index, probability = self.pending.pop((user.user_id, item.task.id))
            outcome = Outcome(response.outcome.value) if response.outcome else Outcome.NO_RESPONSE
            value, weight = reward(outcome, response.rating)
            if weight == 0:
                continue
            labelled = list(lines)
            labelled[index + 1] = f"0:{-value:.4f}:{max(probability, 1e-3):.4f} " + lines[index + 1]
            self.workspace.learn(labelled)
            self.recent.setdefault(user.user_id, {})[item.task.id] = day
