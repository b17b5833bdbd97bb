"""Rows of the completion model: one per user, and pooled sums per archetype.

Read in every plan and answer of a user whose model is kept, so the statements are built once
and run on the session's connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habitloop.core.learned_documents import StoredModel, named_sums, named_totals
from habitloop.models import BanditModelRow, BanditPopulationRow
from habitloop.models.base import table_of

MODELS = table_of(BanditModelRow)
POPULATION = table_of(BanditPopulationRow)
MODEL_COLUMNS = [MODELS.c[name] for name in StoredModel.__slots__]


@dataclass(frozen=True, slots=True)
class StoredPopulation:
    """One shard of an archetype's pooled sums: how many users, and sums by name (their model
    means by feature, and the evidence on each task's pooled effect). Every part is a sum over
    answers or users, so an archetype's pool is the sum of its shards, in any order."""

    users: float
    features: list[str]
    totals: bytes

    def named(self) -> dict[str, float]:
        return named_sums(self.features, self.totals)


POPULATION_COLUMNS = [POPULATION.c[name] for name in StoredPopulation.__slots__]
_INSERT_MODEL = insert(MODELS)
_UPDATE_MODEL = (
    update(MODELS)
    .where(MODELS.c.user_id == bindparam("key_user_id"))
    .values({name: bindparam(name) for name in StoredModel.__slots__})
)
_POPULATION = select(*POPULATION_COLUMNS).where(POPULATION.c.archetype == bindparam("archetype"))
# Taken at save time, just before the commit, on one shard only: concurrent answers of one
# archetype wait for each other only when they pool into the same shard, and only that long
# (SQLite's write lock already serialises them; it has no FOR UPDATE).
_SHARD_FOR_UPDATE = (
    select(*POPULATION_COLUMNS)
    .where(
        POPULATION.c.archetype == bindparam("archetype"), POPULATION.c.shard == bindparam("shard")
    )
    .with_for_update()
)
_UPDATE_SHARD = (
    update(POPULATION)
    .where(POPULATION.c.archetype == bindparam("key"), POPULATION.c.shard == bindparam("key_shard"))
    .values({name: bindparam(name) for name in StoredPopulation.__slots__})
)


def _no_clash_insert(dialect: str) -> Any:
    base = postgresql.insert(POPULATION) if dialect == "postgresql" else sqlite.insert(POPULATION)
    return base.on_conflict_do_nothing(index_elements=[POPULATION.c.archetype, POPULATION.c.shard])


_FIRST_POPULATION = {name: _no_clash_insert(name) for name in ("postgresql", "sqlite")}


def save_model(session: Session, user_id: UUID, model: StoredModel, *, exists: bool) -> None:
    values = {name: getattr(model, name) for name in StoredModel.__slots__}
    connection = session.connection()
    if exists:
        connection.execute(_UPDATE_MODEL, {"key_user_id": user_id, **values})
    else:
        connection.execute(_INSERT_MODEL, [{"user_id": user_id, **values}])


def load_population(session: Session, archetype: str) -> list[StoredPopulation]:
    """Every shard of the archetype's pool (none yet: an empty list)."""
    rows = session.connection().execute(_POPULATION, {"archetype": archetype})
    return [StoredPopulation(*row) for row in rows]


def add_to_population(
    session: Session, archetype: str, shard: int, delta: Mapping[str, float], users: int
) -> None:
    """Add users' changes (sums by name, and how many new users) to one shard of the pool."""
    if users == 0 and not any(delta.values()):
        return
    connection = session.connection()
    params = {"archetype": archetype, "shard": shard}
    row = connection.execute(_SHARD_FOR_UPDATE, params).first()
    if row is None:
        empty = {
            "archetype": archetype,
            "shard": shard,
            "users": 0.0,
            "features": [],
            "totals": b"",
        }
        connection.execute(_FIRST_POPULATION[connection.dialect.name], [empty])
        row = connection.execute(_SHARD_FOR_UPDATE, params).one()
    stored = StoredPopulation(*row)
    sums = stored.named()
    for name, value in delta.items():
        sums[name] = sums.get(name, 0.0) + value
    values = {
        "users": stored.users + users,
        "features": list(sums),
        "totals": named_totals(sums.values()),
    }
    connection.execute(_UPDATE_SHARD, {"key": archetype, "key_shard": shard, **values})
