"""What the database holds after a run, checked against what the server acknowledged.

Plans are counted by (user, date), answers by ``feedback_id``; every plan must be whole (its
items, and a decision row for each item), no plan item may have two answers, and each user's
stored profile must equal a recomputation from their stored answers: a fresh profile from the
archetype's priors with every stored answer's event applied once through the pure core, as
the service applied them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import create_engine, select

from habitloop.core.learned_documents import observation_from_document
from habitloop.core.library import Library
from habitloop.core.profile import apply, archetype_priors, new_profile
from habitloop.core.profile_document import to_document
from habitloop.core.vocab import Archetype, Outcome
from habitloop.models import (
    CheckinRow,
    DecisionRow,
    FeedbackRow,
    PlanItemRow,
    PlanRow,
    ProfileRow,
    UserRow,
)
from habitloop.models.base import table_of
from habitloop.settings import Settings
from tests.reliability.load import Ledger

HALF_LIFE_DAYS = Settings.model_fields["profile_half_life_days"].default


@dataclass
class Stored:
    archetypes: dict[str, str] = field(default_factory=dict)
    plans: dict[tuple[str, str], str] = field(default_factory=dict)
    items: dict[str, set[str]] = field(default_factory=dict)
    decisions: dict[str, set[str]] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    checkins: set[tuple[str, str]] = field(default_factory=set)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def explicit(self) -> dict[str, dict[str, Any]]:
        return {row["feedback_id"]: row for row in self.answers if row["source"] == "explicit"}


def _rows(connection: Any, model: Any, *names: str) -> list[dict[str, Any]]:
    table = table_of(model)
    result = connection.execute(select(*(table.c[name] for name in names)))
    return [
        {k: str(v) if k.endswith("_id") and v is not None else v for k, v in row.items()}
        for row in result.mappings()
    ]


def read_store(database_url: str) -> Stored:
    engine = create_engine(database_url)
    stored = Stored()
    try:
        with engine.connect() as db:
            for row in _rows(db, UserRow, "user_id", "archetype"):
                stored.archetypes[row["user_id"]] = row["archetype"]
            for row in _rows(db, PlanRow, "user_id", "plan_id", "plan_date"):
                stored.plans[(row["user_id"], row["plan_date"].isoformat())] = row["plan_id"]
            for row in _rows(db, PlanItemRow, "plan_id", "item_id"):
                stored.items.setdefault(row["plan_id"], set()).add(row["item_id"])
            for row in _rows(db, DecisionRow, "plan_id", "item_id"):
                stored.decisions.setdefault(row["plan_id"], set()).add(row["item_id"])
            columns = ("user_id", "feedback_id", "plan_item_id", "outcome", "source", "event")
            stored.answers = _rows(db, FeedbackRow, *columns, "created_at")
            for row in _rows(db, CheckinRow, "user_id", "checkin_date"):
                stored.checkins.add((row["user_id"], row["checkin_date"].isoformat()))
            for row in _rows(db, ProfileRow, "user_id", "state", "events", "completions"):
                stored.profiles[row["user_id"]] = row
    finally:
        engine.dispose()
    return stored


def plan_problems(ledger: Ledger, stored: Stored, *, settled: bool) -> list[str]:
    """Acknowledged plans stored once and whole. ``settled``: no request was cut off, so
    nothing may be stored that was not acknowledged."""
    problems = []
    for key, ids in ledger.plans.items():
        if len(ids) != 1 or stored.plans.get(key) not in ids:
            problems.append(
                f"plan {key}: acknowledged {sorted(ids)}, stored {stored.plans.get(key)}"
            )
        elif len(stored.items.get(next(iter(ids)), ())) != len(ledger.items[key]):
            problems.append(f"plan {key}: {len(ledger.items[key])} items served, others stored")
    extra = set(stored.plans) - (set(ledger.plans) if settled else ledger.plans_tried)
    problems += [f"plan {key} stored but never acknowledged" for key in sorted(extra)]
    for key, plan_id in stored.plans.items():
        items = stored.items.get(plan_id, set())
        if not items:
            problems.append(f"plan {key} has no items")
        if not items <= stored.decisions.get(plan_id, set()):
            problems.append(f"plan {key}: items without a decision row")
    return problems


def answer_problems(ledger: Ledger, stored: Stored, *, settled: bool) -> list[str]:
    """Each acknowledged answer stored exactly once, with a status it was given; no item with
    two answers; nothing explicit stored that no client sent."""
    problems = []
    per_item = Counter((row["user_id"], row["plan_item_id"]) for row in stored.answers)
    problems += [f"item {key} has {n} answers" for key, n in per_item.items() if n > 1]
    explicit = stored.explicit
    for feedback_id, key in ledger.answers.items():
        row = explicit.get(feedback_id)
        allowed = ledger.answered[key] if settled else ledger.answers_tried[key]
        if row is None:
            problems.append(f"answer {feedback_id} for {key} acknowledged but not stored")
        elif (row["user_id"], row["plan_item_id"]) != key or row["outcome"] not in allowed:
            problems.append(f"answer {feedback_id}: stored {row['outcome']}, sent {allowed}")
    for feedback_id, row in explicit.items():
        key = (row["user_id"], row["plan_item_id"])
        if feedback_id not in ledger.answers and (settled or key not in ledger.answers_tried):
            problems.append(f"answer {feedback_id} for {key} stored but never acknowledged")
    missing = ledger.checkins - stored.checkins
    problems += [f"check-in {key} acknowledged but not stored" for key in sorted(missing)]
    return problems


def recomputed(archetype: str, events: list[Mapping[str, Any]], library: Library) -> Any:
    profile = new_profile(archetype_priors(library, Archetype(archetype)))
    for doc in events:
        event = observation_from_document(doc, None).event
        profile = apply(profile, event, half_life_days=HALF_LIFE_DAYS)
    return profile


def profile_problems(stored: Stored, library: Library) -> list[str]:
    """Each stored profile against its recomputation from the user's stored answers, in the
    order they were first stored (decayed sums do not depend on it beyond rounding)."""
    events: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(stored.answers, key=lambda r: (r["created_at"], r["feedback_id"])):
        events.setdefault(row["user_id"], []).append(row["event"])
    problems = []
    for user_id, row in stored.profiles.items():
        profile = recomputed(stored.archetypes[user_id], events.get(user_id, []), library)
        expected = to_document(profile)
        if (difference := _difference(expected, row["state"], "state")) is not None:
            problems.append(f"profile of {user_id}: {difference}")
        counts = (sum(profile.outcomes.values()), profile.outcomes[Outcome.COMPLETED])
        if (row["events"], row["completions"]) != counts:
            problems.append(f"profile of {user_id}: counts {row['events'], row['completions']}")
    return problems


ACCUMULATOR = frozenset({"ref", "amount", "weight", "count"})


def _at_same_date(expected: dict[str, Any], actual: dict[str, Any]) -> tuple[Any, Any]:
    """Two decayed sums valued at the later of their reference dates. A retracted answer can
    leave a sum's date later than the remaining answers' (a completion retracted for a skip,
    which says nothing about difficulty): the same sums, valued at another date."""
    refs = [doc["ref"] for doc in (expected, actual) if doc["ref"] is not None]
    if len(refs) < 2 or refs[0] == refs[1]:
        return expected, actual
    later = max(date.fromisoformat(ref) for ref in refs)

    def moved(doc: dict[str, Any]) -> dict[str, Any]:
        factor = 0.5 ** ((later - date.fromisoformat(doc["ref"])).days / HALF_LIFE_DAYS)
        amount, weight = doc["amount"] * factor, doc["weight"] * factor
        return {**doc, "ref": later.isoformat(), "amount": amount, "weight": weight}

    return moved(expected), moved(actual)


def _difference(expected: Any, actual: Any, where: str) -> str | None:
    """Where two JSON documents differ (numbers within rounding are equal), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) == set(actual) == ACCUMULATOR:
            expected, actual = _at_same_date(expected, actual)
        if set(expected) != set(actual):
            return f"{where}: keys {sorted(set(expected) ^ set(actual))}"
        for key in expected:
            if (found := _difference(expected[key], actual[key], f"{where}.{key}")) is not None:
                return found
        return None
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        if len(expected) != len(actual):
            return f"{where}: {len(expected)} entries, stored {len(actual)}"
        for n, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if (found := _difference(e, a, f"{where}[{n}]")) is not None:
                return found
        return None
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        close = math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9)
        return None if close else f"{where}: recomputed {expected}, stored {actual}"
    return None if expected == actual else f"{where}: recomputed {expected!r}, stored {actual!r}"
