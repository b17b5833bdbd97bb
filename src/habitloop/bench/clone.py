"""Set-based cloning: every row a template user has, copied for many new users in one
``INSERT ... SELECT`` per table.

Each clone gets a fresh user id; ids that are unique only within a user (plans, items,
decisions, feedback) are derived in SQL from the template's id and the clone's number, so
references between the copied rows (an item's plan, an answer's item, a swap's replacement)
stay intact. The archetype's pooled model sums are then raised by the clones' weights, as if
each clone had answered its way there through the service.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Connection, MetaData, Table, Uuid, insert, select, text
from sqlalchemy.sql.elements import TextClause

from habitloop.core.completion_model import FeatureSpace
from habitloop.core.learned_documents import named_sums, named_totals
from habitloop.models import (
    BanditModelRow,
    BanditPopulationRow,
    CheckinRow,
    DecisionRow,
    FeedbackRow,
    PlanItemRow,
    PlanRow,
    ProfileRow,
    RotationRow,
    UserRow,
)
from habitloop.models.base import Base, table_of

# Parents before children, for the foreign keys.
PER_USER: tuple[type[Base], ...] = (
    UserRow,
    CheckinRow,
    PlanRow,
    PlanItemRow,
    DecisionRow,
    FeedbackRow,
    RotationRow,
    ProfileRow,
    BanditModelRow,
)
# Per table, the columns holding ids that only need to be unique within one user.
DERIVED_IDS: Mapping[str, tuple[str, ...]] = {
    "plans": ("plan_id",),
    "plan_items": ("item_id", "plan_id", "replaced_by"),
    "decisions": ("decision_id", "plan_id", "item_id"),
    "feedback": ("feedback_id", "plan_item_id"),
}

CLONES = Table(
    "bench_clones",
    MetaData(),
    Column("clone_no", BigInteger, primary_key=True, autoincrement=False),
    Column("template_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    prefixes=["TEMPORARY"],
)


def derived_id(dialect: str, column: str) -> str:
    """SQL for the clone's copy of an id: the template's id with its last 32 bits replaced by
    the clone's number. A time-ordered id keeps its time and counter in the bits before, a
    random one 90 random bits: the copies stay unique and sort as the template's ids do.
    SQLite stores a UUID as 32 hex digits, PostgreSQL natively."""
    if dialect == "sqlite":
        return f"substr(src.{column}, 1, 24) || printf('%08x', c.clone_no)"
    return f"overlay(src.{column}::text placing lpad(to_hex(c.clone_no), 8, '0') from 29)::uuid"


def copy_statement(model: type[Base], dialect: str) -> TextClause:
    table = table_of(model)
    derived = DERIVED_IDS.get(table.name, ())
    names = [column.name for column in table.columns]
    values = [
        "c.user_id"
        if name == "user_id"
        else derived_id(dialect, name)
        if name in derived
        else f"src.{name}"
        for name in names
    ]
    keys = ", ".join(f"src.{column.name}" for column in table.primary_key.columns)
    # In the new users' key order, so each table and index is appended to rather than split.
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)} "
        f"FROM {table.name} AS src JOIN bench_clones AS c ON src.user_id = c.template_id "
        f"ORDER BY c.clone_no, {keys}"
    )


@dataclass(frozen=True)
class Clones:
    """New users, each with the template it copies."""

    user_ids: list[uuid.UUID]
    template_of: dict[uuid.UUID, uuid.UUID]


def plan_clones(templates: Sequence[uuid.UUID], count: int) -> Clones:
    """``count`` new ids spread evenly over the templates, numbered in id order."""
    ids = sorted(uuid.uuid4() for _ in range(count))
    return Clones(ids, {uid: templates[k % len(templates)] for k, uid in enumerate(ids)})


def copy_rows(connection: Connection, clones: Clones, first_number: int) -> dict[str, int]:
    """Copy the templates' rows for every clone in the caller's transaction; rows per table."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # The copies of valid rows are valid: skip the per-row foreign key triggers.
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    CLONES.drop(connection, checkfirst=True)
    CLONES.create(connection)
    rows = [
        {"clone_no": first_number + k, "template_id": clones.template_of[uid], "user_id": uid}
        for k, uid in enumerate(clones.user_ids)
    ]
    connection.execute(insert(CLONES), rows)
    counts = {}
    for model in PER_USER:
        result = connection.execute(copy_statement(model, dialect))
        counts[table_of(model).name] = result.rowcount
    CLONES.drop(connection)
    return counts


def split(clones: Clones, parts: int) -> list[tuple[Clones, int]]:
    """The clones in ``parts`` runs of consecutive numbers: (part, offset of its first)."""
    size = max(-(-len(clones.user_ids) // parts), 1)
    chunks = []
    for start in range(0, len(clones.user_ids), size):
        ids = clones.user_ids[start : start + size]
        chunks.append((Clones(ids, {u: clones.template_of[u] for u in ids}), start))
    return chunks


MODELS = table_of(BanditModelRow)
USERS = table_of(UserRow)
POPULATION = table_of(BanditPopulationRow)


def raise_population(connection: Connection, clones: Clones, space: FeatureSpace) -> None:
    """Add each clone's weight means to its archetype's sums, and count it, as saving its
    model through the service would have. The tasks' pooled effects keep the templates'
    evidence only: a clone's would repeat its template's answers, not add new ones."""
    per_template = Counter(clones.template_of.values())
    found = connection.execute(
        select(MODELS.c.user_id, MODELS.c.weights, USERS.c.archetype)
        .join(USERS, USERS.c.user_id == MODELS.c.user_id)
        .where(MODELS.c.user_id.in_(list(per_template)))
    ).all()
    by_archetype: dict[str, tuple[list[float], int]] = {}
    for user_id, weights, archetype in found:
        sums, users = by_archetype.get(archetype, ([0.0] * len(space), 0))
        means = weights["mean"]
        times = per_template[user_id]
        sums = [
            s + times * float(means.get(name, 0.0))
            for s, name in zip(sums, space.names, strict=False)
        ]
        by_archetype[archetype] = (sums, users + times)
    for archetype, (added, users) in by_archetype.items():
        # Into one shard of the archetype's pool: the pool is the sum of its shards.
        row = connection.execute(
            select(
                POPULATION.c.shard, POPULATION.c.users, POPULATION.c.features, POPULATION.c.totals
            )
            .where(POPULATION.c.archetype == archetype)
            .order_by(POPULATION.c.shard)
        ).first()
        assert row is not None, f"the templates pooled nothing for {archetype}"
        pooled = named_sums(row.features, row.totals)
        for name, value in zip(space.names, added, strict=True):
            pooled[name] = pooled.get(name, 0.0) + value
        connection.execute(
            POPULATION.update()
            .where(POPULATION.c.archetype == archetype, POPULATION.c.shard == row.shard)
            .values(
                users=row.users + users,
                features=list(pooled),
                totals=named_totals(pooled.values()),
            )
        )
