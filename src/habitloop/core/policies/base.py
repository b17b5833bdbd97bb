"""What every policy shares: the slot it chooses for, the choice it returns, and the protocol.

A policy is a small immutable value over a typed, immutable state ``S``:
``select(state, candidates, context, rng)`` chooses one candidate, and ``update(state,
observation)`` returns the state after learning from one answer (policies that do not learn
return it unchanged). Randomness comes only from the generator passed in (or a seed the policy
was built with), so the same seed gives the same choice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Generic, NamedTuple, Protocol, TypeVar

from habitloop.core.learned import Observation
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Archetype, Category, Mode, Phase, Strategy


class SlotContext(NamedTuple):
    """What the policy sees about the slot (one category of one user's day); a tuple, as one
    is built per slot of every plan."""

    day: date
    category: Category
    archetype: Archetype
    mode: Mode
    phase: Phase


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen candidate, the probability the policy had of choosing it, and, for policies
    that score on their own, that score and the drivers to name in the item's reason."""

    index: int
    propensity: float
    explored: bool = False
    score: float | None = None
    note: str | None = None


def draw_index(probabilities: Sequence[float], draw: float) -> int:
    """The index a uniform ``draw`` in [0, 1) selects from ``probabilities`` (the last one
    when rounding leaves the cumulative sum just below the draw)."""
    cumulative = 0.0
    for index, p in enumerate(probabilities):
        cumulative += p
        if draw < cumulative:
            return index
    return len(probabilities) - 1


S = TypeVar("S")

Slot = tuple[Sequence[Candidate], SlotContext]
"""One slot of a plan as a policy sees it: its candidates and its context."""


class PlanAtOnce(ABC, Generic[S]):
    """A policy that can decide all the slots of one plan together, sharing the work they have
    in common (the bandit's matrix products). The planner asks it so; one slot alone (a swap)
    goes through ``select``, which must choose as ``select_plan`` does for that slot."""

    __slots__ = ()

    @abstractmethod
    def select_plan(self, state: S, slots: Sequence[Slot], rng: Random) -> list[Selection]:
        """One selection per slot, in order, drawing from ``rng`` as ``select`` would slot
        after slot; the slots share one day and mode."""


class Policy(Protocol[S]):
    @property
    def strategy(self) -> Strategy: ...

    @property
    def version(self) -> str: ...

    def select(
        self,
        state: S,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection: ...

    def update(self, state: S, observation: Observation) -> S: ...
