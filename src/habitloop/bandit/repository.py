"""Reads and writes of bandit state. Bounded by the library's size, never by history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habitloop.core.policies.bandit import ArmStats
from habitloop.models import BanditArmRow, BanditPopulationRow
from habitloop.models.base import table_of


def user_arms(session: Session, user_id: UUID) -> dict[UUID, ArmStats]:
    rows = session.execute(
        select(
            BanditArmRow.task_id, BanditArmRow.reward, BanditArmRow.weight, BanditArmRow.ref
        ).where(BanditArmRow.user_id == user_id)
    )
    return {task_id: ArmStats(reward, weight, ref) for task_id, reward, weight, ref in rows}


def population(session: Session, archetype: str) -> dict[UUID, ArmStats]:
    rows = session.execute(
        select(
            BanditPopulationRow.task_id, BanditPopulationRow.reward, BanditPopulationRow.weight
        ).where(BanditPopulationRow.archetype == archetype)
    )
    return {task_id: ArmStats(reward, weight) for task_id, reward, weight in rows}


def save_user_arms(
    session: Session, user_id: UUID, changed: dict[UUID, ArmStats], known: Iterable[UUID]
) -> None:
    existing = set(known)
    inserts: list[dict[str, Any]] = []
    for task_id, arm in changed.items():
        values = {"reward": arm.reward, "weight": arm.weight, "ref": arm.ref}
        if task_id in existing:
            session.execute(
                update(table_of(BanditArmRow))
                .where(
                    table_of(BanditArmRow).c.user_id == user_id,
                    table_of(BanditArmRow).c.task_id == task_id,
                )
                .values(**values)
            )
        else:
            inserts.append({"user_id": user_id, "task_id": task_id, **values})
    if inserts:
        session.execute(insert(table_of(BanditArmRow)), inserts)


def add_to_population(
    session: Session, archetype: str, deltas: dict[UUID, tuple[float, float]]
) -> None:
    """Add (reward, weight) deltas to the archetype's pooled arms, as one upsert per task."""
    if not deltas:
        return
    dialect = session.get_bind().dialect.name
    table = table_of(BanditPopulationRow)
    for task_id, (reward, weight) in deltas.items():
        values = {"archetype": archetype, "task_id": task_id, "reward": reward, "weight": weight}
        base = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        statement = base.values(**values).on_conflict_do_update(
            index_elements=[table.c.archetype, table.c.task_id],
            set_={
                "reward": table.c.reward + base.excluded.reward,
                "weight": table.c.weight + base.excluded.weight,
            },
        )
        session.execute(statement)
