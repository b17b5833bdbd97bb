"""Vowpal Wabbit's ``cb_explore_adf`` choosing a task per category from the same candidates
as the core's planner, with the features the simulator's VW reference uses (user, archetype
and mode shared; category, tags, difficulty, duration band, time block and fit band per
action; epsilon-greedy 0.1 with user x action and mode x action interactions). Needs the
``sim`` extra."""

from __future__ import annotations

from random import Random
from typing import Any

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task
from habitloop.core.planner import PlanInput
from habitloop.core.policies.base import draw_index
from habitloop.core.scoring import ScoreWeights, category_candidates, excluded_groups, score_table

ARGUMENTS = "--cb_explore_adf --epsilon 0.1 -q UA -q MA --quiet --random_seed 1"


def _clean(text: str) -> str:
    return text.replace(" ", "_").replace(":", "_").replace("|", "_")


class VowpalPlanner:
    def __init__(self, library: Library, weights: ScoreWeights) -> None:
        try:
            import vowpalwabbit
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "Vowpal Wabbit is not installed (pip install 'habitloop[sim]')"
            ) from exc
        self.library = library
        self.weights = weights
        self.workspace: Any = vowpalwabbit.Workspace(ARGUMENTS)

    def _lines(self, inp: PlanInput, user: str, tasks: list[Task]) -> list[str]:
        shared = f"shared |U u={user} a={inp.archetype.value} |M m={inp.mode.value}"
        actions = [
            f"|A c={t.category.value} {' '.join(f't={_clean(x)}' for x in t.tags)} "
            f"d={t.difficulty.value} dur={min(t.duration_minutes // 10, 4)} "
            f"b={block_for(t).value} fit={round(t.archetype_fit[inp.archetype] * 4)}"
            for t in tasks
        ]
        return [shared, *actions]

    def _slots(self, inp: PlanInput) -> list[list[Task]]:
        table = score_table(self.library, inp.archetype, inp.mode, self.weights)
        hidden = excluded_groups(inp.rotation, inp.day, inp.rotation_days)
        slots = []
        for category in inp.categories:
            ranked = table.get(category, ())
            if ranked:
                slot = category_candidates(
                    ranked, category, inp.rotation, inp.day, inp.rotation_days, hidden=hidden
                )
                slots.append([c.task for c in slot.candidates])
        return slots

    def plan(self, inp: PlanInput, rng: Random, user: str = "u1") -> list[tuple[Task, float]]:
        """One plan: a task per category, drawn from VW's probabilities, with its propensity."""
        chosen = []
        for tasks in self._slots(inp):
            probabilities = self.workspace.predict(self._lines(inp, user, tasks))
            index = draw_index(probabilities, rng.random())
            chosen.append((tasks[index], float(probabilities[index])))
        return chosen

    def train(self, inp: PlanInput, examples: int) -> None:
        """Learn from ``examples`` labelled decisions (random rewards), so predictions run on
        weights that are not all zero."""
        rng = Random(2)
        slots = self._slots(inp)
        for k in range(examples):
            tasks = slots[k % len(slots)]
            lines = self._lines(inp, f"u{k % 50}", tasks)
            index = rng.randrange(len(tasks))
            cost = -1.0 if rng.random() < 0.6 else 0.0
            lines[index + 1] = f"0:{cost}:{1 / len(tasks):.4f} " + lines[index + 1]
            self.workspace.learn(lines)
