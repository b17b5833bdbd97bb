"""The learned profile as a JSON document (one row per user), and back.

The document carries ``"schema": SCHEMA``; reading another schema is refused rather than
guessed. A round trip through JSON gives back an equal profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from habitloop.core.profile import (
    SCHEMA,
    CategoryVoice,
    Decayed,
    Ledger,
    Priors,
    Profile,
    TaskRecord,
    zero_outcomes,
)
from habitloop.core.vocab import Category, Outcome, TimeBlock


# A mature profile holds a record for most of the library's tasks; parsing and printing their
# ids cost more than the rest of the document together, and the ids are few and recur.
@lru_cache(maxsize=4096)
def _task_id(text: str) -> UUID:
    return UUID(text)


@lru_cache(maxsize=4096)
def _task_key(task_id: UUID) -> str:
    return str(task_id)


def _acc_doc(acc: Decayed) -> dict[str, Any]:
    ref = acc.ref.isoformat() if acc.ref else None
    return {"ref": ref, "amount": acc.amount, "weight": acc.weight, "count": acc.count}


def _acc(doc: Mapping[str, Any]) -> Decayed:
    ref = date.fromisoformat(doc["ref"]) if doc["ref"] is not None else None
    return Decayed(ref, float(doc["amount"]), float(doc["weight"]), int(doc["count"]))


def _task_record(doc: Mapping[str, Any]) -> TaskRecord:
    if len(doc) != len(TaskRecord.__slots__):
        raise ValueError(f"a task record has the fields {sorted(doc)}")
    return TaskRecord(
        _acc(doc["outcomes"]),
        int(doc["ratings"]),
        int(doc["rating_sum"]),
        int(doc["completions"]),
        int(doc["partials"]),
    )


def to_document(profile: Profile) -> dict[str, Any]:
    def accs(mapping: Mapping[Any, Decayed]) -> dict[str, Any]:
        return {str(k): _acc_doc(v) for k, v in sorted(mapping.items(), key=lambda kv: str(kv[0]))}

    return {
        "schema": SCHEMA,
        "half_life_days": profile.half_life_days,
        "priors": {
            "category": {c.value: p for c, p in sorted(profile.priors.category.items())},
            "difficulty_tolerance": profile.priors.difficulty_tolerance,
        },
        "categories": accs(profile.categories),
        "time_blocks": accs(profile.time_blocks),
        "tags": accs(profile.tags),
        "tasks": {
            key: {
                "outcomes": _acc_doc(r.outcomes),
                "ratings": r.ratings,
                "rating_sum": r.rating_sum,
                "completions": r.completions,
                "partials": r.partials,
            }
            for key, r in sorted((_task_key(t), r) for t, r in profile.tasks.items())
        },
        "difficulty": _acc_doc(profile.difficulty),
        "new_tasks": _acc_doc(profile.new_tasks),
        "repeat_tasks": _acc_doc(profile.repeat_tasks),
        "ledger": {d.isoformat(): [n, v] for d, (n, v) in sorted(profile.ledger.items())},
        "voices": {
            c.value: {
                "ratings": v.ratings,
                "rating_sum": v.rating_sum,
                "yes": v.yes,
                "maybe": v.maybe,
                "no": v.no,
            }
            for c, v in sorted(profile.voices.items())
        },
        "outcomes": {o.value: n for o, n in profile.outcomes.items()},
    }


def ledger_from_document(doc: Mapping[str, Any]) -> Ledger:
    return {date.fromisoformat(d): (int(n), float(v)) for d, (n, v) in doc.items()}


def ledger_profile(doc: Mapping[str, Any]) -> Profile:
    """A profile holding only the document's ledger: what the completion-rate questions read,
    without parsing the rest of the document."""
    try:
        return Profile(priors=Priors({}, 0.0), ledger=ledger_from_document(doc))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a habitloop profile ledger: {exc!r}") from exc


def from_document(doc: Mapping[str, Any]) -> Profile:
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"unsupported profile schema {doc.get('schema')!r}; expected {SCHEMA}")
    try:
        half_life = doc["half_life_days"]
        priors = doc["priors"]
        outcomes = zero_outcomes()
        outcomes.update({Outcome(o): int(n) for o, n in doc["outcomes"].items()})
        return Profile(
            priors=Priors(
                {Category(c): float(p) for c, p in priors["category"].items()},
                float(priors["difficulty_tolerance"]),
            ),
            half_life_days=float(half_life) if half_life is not None else None,
            categories={Category(c): _acc(a) for c, a in doc["categories"].items()},
            time_blocks={TimeBlock(b): _acc(a) for b, a in doc["time_blocks"].items()},
            tags={str(t): _acc(a) for t, a in doc["tags"].items()},
            tasks={_task_id(t): _task_record(r) for t, r in doc["tasks"].items()},
            difficulty=_acc(doc["difficulty"]),
            new_tasks=_acc(doc["new_tasks"]),
            repeat_tasks=_acc(doc["repeat_tasks"]),
            ledger=ledger_from_document(doc["ledger"]),
            voices={
                Category(c): CategoryVoice(**{k: int(n) for k, n in v.items()})
                for c, v in doc["voices"].items()
            },
            outcomes=outcomes,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a habitloop profile document: {exc!r}") from exc
