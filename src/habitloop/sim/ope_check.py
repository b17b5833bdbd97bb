"""Off-policy estimates checked against the simulator's truth.

A logging policy (by default ``random``, whose propensities are exact and never small) serves a
simulated population under the usual rotation rule. At every slot the decision is logged as a
contextual-bandit record: the candidates, the chosen task, its propensity and the observed
reward (completion value). For each target policy (``static``, ``dynamic`` with no
exploration, ``oracle``) we also note which candidate it would have chosen in the same context
and that candidate's latent completion probability: the mean of those is the target's **true
value on the logged contexts** (its expected completion value there, from the latent
probability, the user's answer rate and the share of partial completions), the quantity the
estimators are meant to recover.

Estimates: IPW, self-normalised IPW, and doubly robust with a reward model fitted on the log
(the mean observed reward of each task, falling back to its category's mean). The report gives
each estimate with its 95% interval next to the true value, and whether the interval covers it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any
from uuid import UUID

from habitloop.core.blocks import block_for
from habitloop.core.learned import Observation
from habitloop.core.library import Library
from habitloop.core.modes import CheckinSignals, decide_mode
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies import DynamicPolicy, Policy, Selection, SlotContext, StaticPolicy
from habitloop.core.scoring import Candidate, GroupUse, ScoreWeights, record_use
from habitloop.core.vocab import ALL_CATEGORIES, Mode, Phase, Strategy
from habitloop.sim.baselines import OraclePolicy, OracleView, RandomPolicy
from habitloop.sim.behaviour import PARTIAL_SHARE, SimUser
from habitloop.sim.ope import Estimate, LoggedDecisions, direct_method
from habitloop.sim.population import Heterogeneity, make_population
from habitloop.sim.records import completion_value

START = date(2026, 1, 5)
# What the targets would pick needs no state but the oracle's, which knows the user.
TARGETS: dict[str, Policy[None]] = {
    "static": StaticPolicy(),
    "dynamic (no exploration)": DynamicPolicy(epsilon=0.0),
}
ORACLE = "oracle"


@dataclass
class Logged:
    task_ids: list[UUID] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    propensities: list[float] = field(default_factory=list)
    chosen: list[UUID] = field(default_factory=list)
    target_choice: dict[str, list[UUID]] = field(default_factory=lambda: defaultdict(list))
    target_truth: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    candidates: list[list[UUID]] = field(default_factory=list)


@dataclass
class _Recording:
    """A logging policy that also asks each target what it would have done."""

    inner: Policy[None]
    user: SimUser
    day: int
    log: Logged
    strategy: Strategy = Strategy.DYNAMIC
    version: str = "ope-logging"

    def select(
        self, state: None, candidates: Sequence[Candidate], context: SlotContext, rng: Random
    ) -> Selection:
        choice = self.inner.select(state, candidates, context, rng)
        chosen = candidates[choice.index].task
        self.log.chosen.append(chosen.id)
        self.log.task_ids.append(chosen.id)
        self.log.categories.append(chosen.category.value)
        self.log.propensities.append(choice.propensity)
        picks = {
            name: target.select(None, candidates, context, Random(0)).index
            for name, target in TARGETS.items()
        }
        view = OracleView(self.user, self.day)
        picks[ORACLE] = OraclePolicy().select(view, candidates, context, Random(0)).index
        for name, index in picks.items():
            pick = candidates[index]
            self.log.target_choice[name].append(pick.task.id)
            p = self.user.completion_probability(pick.task, block_for(pick.task), self.day)
            # The expected completion value the simulator would give that pick: answered at
            # the user's answer rate, completed with p, else partly done at PARTIAL_SHARE.
            expected = self.user.traits.answer_rate * (p + 0.5 * PARTIAL_SHARE * (1 - p))
            self.log.target_truth[name].append(expected)
        self.log.candidates.append([c.task.id for c in candidates])
        return choice

    def update(self, state: None, observation: Observation) -> None:
        return state


@dataclass(frozen=True)
class Check:
    target: str
    truth: float
    estimates: dict[str, Estimate]

    def covered(self, method: str) -> bool:
        low, high = self.estimates[method].interval()
        return low <= self.truth <= high


def collect(
    library: Library,
    users: int,
    days: int,
    seed: int,
    heterogeneity: Heterogeneity = "medium",
    logging: Policy[None] | None = None,
    family: str = "baseline",
) -> Logged:
    population = make_population(users, library, seed, heterogeneity, family=family)
    rng = Random(f"{seed}|ope")
    log = Logged()
    weights = ScoreWeights()
    rotation: dict[UUID, dict[str, GroupUse]] = defaultdict(dict)
    modes: dict[UUID, Mode] = {}
    for day in range(1, days + 1):
        today = START + timedelta(days=day - 1)
        for user in population:
            start = user.start_day(day, rng)
            if start.churned or not start.opens_app:
                user.end_day(day, rng)
                continue
            sent: dict[str, Any] = dict(start.checkin)
            signals = CheckinSignals(**sent) if sent else None
            modes[user.user_id] = decide_mode(signals, last_known=modes.get(user.user_id)).mode
            policy = _Recording(logging or RandomPolicy(), user, day, log)
            inp = PlanInput(
                today,
                user.archetype,
                modes[user.user_id],
                Phase.DISCOVERY,
                ALL_CATEGORIES,
                rotation[user.user_id],
                2,
            )
            draft = build_plan(
                library, inp, policy, None, Random(f"{seed}|{user.user_id}|{day}"), weights
            )
            # Rewards go in the order the slots were decided, as the decisions were logged.
            rewards = {}
            for item in draft.items:
                response = user.respond(item.task, item.time_block, day, rng)
                rewards[item.task.id] = completion_value(
                    response.outcome.value if response.outcome else None
                )
                group = item.task.variation_group
                rotation[user.user_id][group] = record_use(
                    rotation[user.user_id].get(group), group, item.task.category, today
                )
            log.rewards.extend(rewards[t] for t in log.chosen[len(log.rewards) :])
            user.end_day(day, rng)
    return log


def check(log: Logged) -> list[Check]:
    by_task: dict[UUID, list[float]] = defaultdict(list)
    by_category: dict[str, list[float]] = defaultdict(list)
    for task_id, category, r in zip(log.task_ids, log.categories, log.rewards, strict=True):
        by_task[task_id].append(r)
        by_category[category].append(r)
    category_of = dict(zip(log.task_ids, log.categories, strict=True))

    def q(task_id: UUID, category: str) -> float:
        seen = by_task.get(task_id) or by_category[category]
        return sum(seen) / len(seen)

    checks = []
    for name in (*TARGETS, ORACLE):
        picks = log.target_choice[name]
        target_p = [1.0 if p == c else 0.0 for p, c in zip(picks, log.chosen, strict=True)]
        q_logged = [q(t, category_of[t]) for t in log.chosen]
        q_target = [
            q(p, category_of.get(p, cat)) for p, cat in zip(picks, log.categories, strict=True)
        ]
        logged = LoggedDecisions(log.rewards, log.propensities, target_p, q_logged, q_target)
        estimates = {
            "IPW": logged.ipw(),
            "SNIPS": logged.snips(),
            "DR": logged.doubly_robust(),
            "DM": direct_method(q_target),
        }
        truth = sum(log.target_truth[name]) / len(log.target_truth[name])
        checks.append(Check(name, truth, estimates))
    return checks


def to_markdown(checks: Sequence[Check], logged: int) -> str:
    lines = [
        f"## Off-policy estimates from {logged} uniformly logged decisions",
        "",
        "True value: the expected completion value (partial = 0.5, unanswered = 0) of the "
        "target's pick on the logged contexts, from the simulator's latent probabilities. "
        "Estimates with 95% intervals; DM (the reward model alone) shows the bias the "
        "weighted estimators correct.",
        "",
        "| Target | True value | IPW | SNIPS | DR | DM |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        cells = []
        for method in ("IPW", "SNIPS", "DR", "DM"):
            e = c.estimates[method]
            low, high = e.interval()
            mark = "" if c.covered(method) else " (misses)"
            cells.append(f"{e.value:.3f} [{low:.3f}, {high:.3f}]{mark}")
        lines.append(f"| {c.target} | {c.truth:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
