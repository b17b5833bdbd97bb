"""Rows of the completion model: one per user, and pooled sums per archetype.

Read in every plan and answer of a user whose model is kept, so the statements are built once
and run on the session's connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habitloop.core.completion_model import FeatureSpace
from habitloop.core.learned_documents import (
    StoredModel,
    population_sums,
    population_totals,
)
from habitloop.models import BanditModelRow, BanditPopulationRow
from habitloop.models.base import table_of

MODELS = table_of(BanditModelRow)
POPULATION = table_of(BanditPopulationRow)
MODEL_COLUMNS = [MODELS.c[name] for name in StoredModel.__slots__]


@dataclass(frozen=True, slots=True)
class StoredPopulation:
    """An archetype's row: how many users' weight means ``totals`` sums, by ``features``."""

    users: float
    features: list[str]
    totals: bytes

    def sums(self, space: FeatureSpace) -> list[float]:
        return population_sums(space, self.features, self.totals)


POPULATION_COLUMNS = [POPULATION.c[name] for name in StoredPopulation.__slots__]
_INSERT_MODEL = insert(MODELS)
_UPDATE_MODEL = (
    update(MODELS)
    .where(MODELS.c.user_id == bindparam("key_user_id"))
    .values({name: bindparam(name) for name in StoredModel.__slots__})
)
# Taken at save time, just before the commit, so concurrent answers of one archetype wait for
# each other only that long (SQLite's write lock already serialises them; it has no FOR UPDATE).
_POPULATION_FOR_UPDATE = (
    select(*POPULATION_COLUMNS)
    .where(POPULATION.c.archetype == bindparam("archetype"))
    .with_for_update()
)
_UPDATE_POPULATION = (
    update(POPULATION)
    .where(POPULATION.c.archetype == bindparam("key"))
    .values({name: bindparam(name) for name in StoredPopulation.__slots__})
)


def _no_clash_insert(dialect: str) -> Any:
    base = postgresql.insert(POPULATION) if dialect == "postgresql" else sqlite.insert(POPULATION)
    return base.on_conflict_do_nothing(index_elements=[POPULATION.c.archetype])


_FIRST_POPULATION = {name: _no_clash_insert(name) for name in ("postgresql", "sqlite")}


def save_model(session: Session, user_id: UUID, model: StoredModel, *, exists: bool) -> None:
    values = {name: getattr(model, name) for name in StoredModel.__slots__}
    connection = session.connection()
    if exists:
        connection.execute(_UPDATE_MODEL, {"key_user_id": user_id, **values})
    else:
        connection.execute(_INSERT_MODEL, [{"user_id": user_id, **values}])


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
    stored = StoredPopulation(*row)
    sums = [s + d for s, d in zip(stored.sums(space), delta, strict=True)]
    values = {
        "users": stored.users + users,
        "features": list(space.names),
        "totals": population_totals(sums),
    }
    connection.execute(_UPDATE_POPULATION, {"key": archetype, **values})
