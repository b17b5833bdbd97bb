"""The stored forms of what is learned, beside the profile's (``core.profile_document``): the
observation kept with each answer, the completion model, and an archetype's pooled sums.

Everything is stored by feature name, so a library whose tags changed still reads what was
learned under the old one: a feature it no longer has is dropped, a new one starts at the prior.
The precision matrix is stored as the upper triangle, row by row, in little-endian float64 (a
matrix of 41 features is 861 numbers, which JSON parses about thirty times slower).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from habitloop.core.completion_model import PRIOR_PRECISION, FeatureSpace, Model
from habitloop.core.learned import Observation
from habitloop.core.profile import FeedbackEvent
from habitloop.core.task_effects import EffectStep, TaskEffects
from habitloop.core.vocab import (
    Category,
    ContinuePreference,
    Difficulty,
    Outcome,
    SkipReason,
    TimeBlock,
)

LITTLE_F64 = np.dtype("<f8")


def observation_document(observation: Observation, space: FeatureSpace | None) -> dict[str, Any]:
    """The observation as stored with its answer's row (a retraction is never stored)."""
    event = observation.event
    doc: dict[str, Any] = {
        "task_id": str(event.task_id),
        "category": event.category.value,
        "time_block": event.time_block.value,
        "difficulty": event.difficulty.value,
        "duration_minutes": event.duration_minutes,
        "tags": list(event.tags),
        "day": event.day.isoformat(),
        "outcome": event.outcome.value,
        "rating": event.rating,
        "skip_reason": event.skip_reason.value if event.skip_reason else None,
        "keep": event.keep.value if event.keep else None,
        "is_new": event.is_new,
    }
    features, predicted = observation.features, observation.predicted
    if features is not None and space is not None and predicted is not None:
        doc["features"] = {space.names[i]: v for i, v in features.items()}
        doc["predicted"] = predicted
    if observation.effect is not None:
        doc["effect"] = [observation.effect.precision, observation.effect.eta]
    return doc


def observation_from_document(doc: Mapping[str, Any], space: FeatureSpace | None) -> Observation:
    event = FeedbackEvent(
        task_id=UUID(doc["task_id"]),
        category=Category(doc["category"]),
        time_block=TimeBlock(doc["time_block"]),
        difficulty=Difficulty(doc["difficulty"]),
        duration_minutes=int(doc["duration_minutes"]),
        tags=tuple(doc["tags"]),
        day=date.fromisoformat(doc["day"]),
        outcome=Outcome(doc["outcome"]),
        rating=doc["rating"],
        skip_reason=SkipReason(doc["skip_reason"]) if doc["skip_reason"] else None,
        keep=ContinuePreference(doc["keep"]) if doc["keep"] else None,
        is_new=bool(doc["is_new"]),
    )
    stored_effect = doc.get("effect")
    effect = None
    if stored_effect is not None:
        effect = EffectStep(event.task_id, float(stored_effect[0]), float(stored_effect[1]))
    named, predicted = doc.get("features"), doc.get("predicted")
    if named is None or predicted is None or space is None:
        return Observation(event, effect=effect)
    features = {space.index[name]: float(v) for name, v in named.items() if name in space.index}
    return Observation(event, features, float(predicted), effect=effect)


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A completion model as its row holds it."""

    weights: dict[str, Any]
    precision: bytes | None
    ref: date | None
    answers: float


def _vector(space: FeatureSpace, by_name: Mapping[str, float], default: float) -> list[float]:
    return [float(by_name.get(name, default)) for name in space.names]


@lru_cache(maxsize=8)
def _upper(size: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    return np.triu_indices(size)


def _unpack(data: bytes, size: int) -> NDArray[np.float64]:
    full = np.zeros((size, size))
    full[_upper(size)] = np.frombuffer(data, dtype=LITTLE_F64)
    return full + np.triu(full, 1).T


def _precision(space: FeatureSpace, stored: StoredModel) -> NDArray[np.float64]:
    """The stored precision in this library's feature order; a row written before the matrix
    was kept has only the diagonal, by name."""
    if stored.precision is None:
        return np.diag(_vector(space, stored.weights.get("precision", {}), PRIOR_PRECISION))
    names = stored.weights["order"]
    full = _unpack(stored.precision, len(names))
    if tuple(names) == space.names:
        return full
    at = [space.index.get(name) for name in names]
    known = [k for k, i in enumerate(at) if i is not None]
    target = [i for i in at if i is not None]
    matrix = np.eye(len(space)) * PRIOR_PRECISION
    matrix[np.ix_(target, target)] = full[np.ix_(known, known)]
    return matrix


def model_from_stored(space: FeatureSpace, stored: StoredModel) -> Model:
    mean = np.array(_vector(space, stored.weights["mean"], 0.0))
    return Model(mean, _precision(space, stored), stored.ref, float(stored.answers))


def stored_model(space: FeatureSpace, model: Model) -> StoredModel:
    size = len(model.precision)
    packed = model.precision[_upper(size)].astype(LITTLE_F64).tobytes()
    weights = {
        "mean": dict(zip(space.names, model.mean.tolist(), strict=True)),
        "order": list(space.names),
    }
    return StoredModel(weights, packed, model.ref, model.answers)


def named_sums(names: Sequence[str], totals: bytes) -> dict[str, float]:
    """Stored sums by name (``totals``: little-endian float64, in the order of ``names``)."""
    values = np.frombuffer(totals, dtype=LITTLE_F64).tolist()
    return dict(zip(names, values, strict=True))


def named_totals(sums: Iterable[float]) -> bytes:
    return np.array(list(sums), dtype=LITTLE_F64).tobytes()


# A pool's sums by name: the users' weight means under their feature's name, and each task's
# pooled-effect evidence under these two.
EFFECT_PRECISION, EFFECT_ETA = "effect.precision={}", "effect.eta={}"


@dataclass(frozen=True, slots=True)
class Pool:
    """An archetype's pool, its shards summed: how many users, and sums by name."""

    users: float
    sums: Mapping[str, float]

    @classmethod
    def of(cls, shards: Iterable[tuple[float, Mapping[str, float]]]) -> Pool:
        users, sums = 0.0, dict[str, float]()
        for shard_users, named in shards:
            users += shard_users
            for name, value in named.items():
                sums[name] = sums.get(name, 0.0) + value
        return cls(users, sums)

    def weight_sums(self, space: FeatureSpace) -> list[float] | None:
        """The users' summed weight means in this library's feature order (None: no users)."""
        return _vector(space, self.sums, 0.0) if self.users > 0 else None

    def effects(self, task_ids: Sequence[UUID]) -> TaskEffects:
        ids = tuple(task_ids)
        names = _effect_names(ids)
        get = self.sums.get
        precision = [get(name, 0.0) for _, name, _ in names]
        eta = [get(name, 0.0) for _, _, name in names]
        return TaskEffects.from_sums(ids, precision, eta)


@lru_cache(maxsize=8)
def _effect_names(task_ids: tuple[UUID, ...]) -> tuple[tuple[UUID, str, str], ...]:
    """Each task's two names in a pool, built once per library rather than on every read."""
    return tuple((t, EFFECT_PRECISION.format(t), EFFECT_ETA.format(t)) for t in task_ids)


def pool_changes(
    space: FeatureSpace, weight_delta: Sequence[float], steps: Iterable[EffectStep]
) -> dict[str, float]:
    """A user's changes to their pool by name: weight means and effect evidence."""
    changes = dict(zip(space.names, weight_delta, strict=True))
    for step in steps:
        for name, value in (
            (EFFECT_PRECISION.format(step.task_id), step.precision),
            (EFFECT_ETA.format(step.task_id), step.eta),
        ):
            changes[name] = changes.get(name, 0.0) + value
    return changes
