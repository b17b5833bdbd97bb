"""Reads and writes of bandit state: one model row per user, pooled sums per archetype."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habitloop.core.policies.contextual import PRIOR_PRECISION, FeatureSpace, Model
from habitloop.models import BanditModelRow, BanditPopulationRow
from habitloop.models.base import table_of


def _vector(space: FeatureSpace, by_name: dict[str, float], default: float) -> list[float]:
    return [float(by_name.get(name, default)) for name in space.names]


LITTLE_F64 = np.dtype("<f8")


@lru_cache(maxsize=8)
def _upper(size: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    return np.triu_indices(size)


def _pack(precision: NDArray[np.float64]) -> bytes:
    return precision[_upper(len(precision))].astype(LITTLE_F64).tobytes()


def _unpack(data: bytes, size: int) -> NDArray[np.float64]:
    full = np.zeros((size, size))
    full[_upper(size)] = np.frombuffer(data, dtype=LITTLE_F64)
    return full + np.triu(full, 1).T


def _precision(
    space: FeatureSpace, weights: dict[str, Any], packed: bytes | None
) -> NDArray[np.float64]:
    """The stored precision in this library's feature order. It is stored with the names of
    its rows, so a feature the library no longer has is dropped and a new one starts at the
    prior; a row written before the matrix was kept has only the diagonal, by name."""
    if packed is None:
        return np.diag(_vector(space, weights.get("precision", {}), PRIOR_PRECISION))
    names = weights["order"]
    full = _unpack(packed, len(names))
    if tuple(names) == space.names:
        return full
    at = [space.index.get(name) for name in names]
    known = [k for k, i in enumerate(at) if i is not None]
    target = [i for i in at if i is not None]
    matrix = np.eye(len(space)) * PRIOR_PRECISION
    matrix[np.ix_(target, target)] = full[np.ix_(known, known)]
    return matrix


MODELS = table_of(BanditModelRow)
POPULATION = table_of(BanditPopulationRow)
# Read and written in every bandit plan and answer: built once and run on the connection.
_UPDATE_MODEL = (
    update(MODELS)
    .where(MODELS.c.user_id == bindparam("key_user_id"))
    .values({name: bindparam(name) for name in ("weights", "precision", "ref", "answers")})
)
_POPULATION = select(POPULATION.c.users, POPULATION.c.features, POPULATION.c.totals).where(
    POPULATION.c.archetype == bindparam("archetype")
)
# Taken at save time, just before the commit, so concurrent answers of one archetype wait for
# each other only that long (SQLite's write lock already serialises them; it has no FOR UPDATE).
_POPULATION_FOR_UPDATE = _POPULATION.with_for_update()
_UPDATE_POPULATION = (
    update(POPULATION)
    .where(POPULATION.c.archetype == bindparam("key"))
    .values({name: bindparam(name) for name in ("users", "features", "totals")})
)


def _no_clash_insert(dialect: str) -> Any:
    base = postgresql.insert(POPULATION) if dialect == "postgresql" else sqlite.insert(POPULATION)
    return base.on_conflict_do_nothing(index_elements=[POPULATION.c.archetype])


_FIRST_POPULATION = {name: _no_clash_insert(name) for name in ("postgresql", "sqlite")}


def model_of(space: FeatureSpace, row: tuple[Any, ...]) -> Model:
    """The model stored as ``row`` (weights, ref, answers, precision), in this library's
    feature order."""
    weights, ref, answers, packed = row
    mean = np.array(_vector(space, weights["mean"], 0.0))
    return Model(mean, _precision(space, weights, packed), ref, float(answers))


def save_model(
    session: Session, user_id: UUID, space: FeatureSpace, model: Model, *, exists: bool
) -> None:
    values: dict[str, Any] = {
        "weights": {
            "mean": dict(zip(space.names, model.mean.tolist(), strict=True)),
            "order": list(space.names),
        },
        "precision": _pack(model.precision),
        "ref": model.ref,
        "answers": model.answers,
    }
    connection = session.connection()
    if exists:
        connection.execute(_UPDATE_MODEL, {"key_user_id": user_id, **values})
    else:
        connection.execute(insert(MODELS), [{"user_id": user_id, **values}])


def _sums(space: FeatureSpace, features: list[Any], totals: bytes) -> list[float]:
    stored = dict(zip(features, np.frombuffer(totals, dtype=LITTLE_F64).tolist(), strict=True))
    return _vector(space, stored, 0.0)


def population(session: Session, archetype: str, space: FeatureSpace) -> tuple[list[float], float]:
    """(sum of users' weight means by feature, number of users) for the archetype."""
    row = session.connection().execute(_POPULATION, {"archetype": archetype}).first()
    return population_of(space, tuple(row) if row is not None else None)


def population_of(space: FeatureSpace, row: tuple[Any, ...] | None) -> tuple[list[float], float]:
    """(sums by feature, users) of the population stored as ``row`` (users, features,
    totals); nothing yet when there is no row."""
    if row is None:
        return [0.0] * len(space), 0.0
    users, features, totals = row
    return _sums(space, features, totals), float(users)


def add_to_population(
    session: Session, archetype: str, space: FeatureSpace, delta: list[float], users: int
) -> None:
    """Add a user's change of weight means (and a new user) to the archetype's sums."""
    if users == 0 and not any(delta):
        return
    connection = session.connection()
    params = {"archetype": archetype}
    row = connection.execute(_POPULATION_FOR_UPDATE, params).first()
    if row is None:
        empty = {"archetype": archetype, "users": 0.0, "features": [], "totals": b""}
        connection.execute(_FIRST_POPULATION[connection.dialect.name], [empty])
        row = connection.execute(_POPULATION_FOR_UPDATE, params).one()
    before, features, totals = row
    sums = [s + d for s, d in zip(_sums(space, features, totals), delta, strict=True)]
    values = {
        "users": float(before) + users,
        "features": list(space.names),
        "totals": np.array(sums, dtype=LITTLE_F64).tobytes(),
    }
    connection.execute(_UPDATE_POPULATION, {"key": archetype, **values})
