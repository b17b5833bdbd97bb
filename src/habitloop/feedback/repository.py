"""Queries for answers (feedback rows).

Statements are built once and run through Core on the session's connection: answers are
recorded in bulk by the simulation and by batch clients, and ORM entities cost several times
the statement itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Uuid, and_, bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TupleType

from habitloop.learning.repository import REF_COLUMNS, ItemRef
from habitloop.models import FeedbackRow, PlanItemRow
from habitloop.models.base import table_of

FEEDBACK = table_of(FeedbackRow)
ITEMS = table_of(PlanItemRow)


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer, as much of it as deciding on a repeat or an update needs."""

    feedback_id: UUID
    plan_item_id: UUID | None
    task_id: UUID
    outcome: str
    source: str
    event: dict[str, Any] | None
    revision: int
    satisfaction_rating: int | None
    skip_reason: str | None
    continue_preference: str | None


_ANSWER = select(*(FEEDBACK.c[name] for name in Answer.__slots__))
_BY_KEY = _ANSWER.where(
    FEEDBACK.c.user_id == bindparam("user_id"), FEEDBACK.c.idempotency_key == bindparam("key")
)
_BY_ITEMS = _ANSWER.where(
    FEEDBACK.c.user_id == bindparam("user_id"),
    FEEDBACK.c.plan_item_id.in_(bindparam("item_ids", expanding=True)),
)
_UNPLANNED = _ANSWER.where(
    FEEDBACK.c.user_id == bindparam("user_id"),
    FEEDBACK.c.plan_item_id.is_(None),
    FEEDBACK.c.task_id == bindparam("task_id"),
    FEEDBACK.c.plan_date == bindparam("day"),
    FEEDBACK.c.outcome == bindparam("outcome"),
)
_INSERT = insert(FEEDBACK)
# What a changed answer rewrites: every field an answer sets, in one statement whatever the
# answer gave, so a batch's changes run as one statement with many rows. A change without an
# idempotency key keeps the one stored.
REPLACED = (
    "outcome",
    "source",
    "satisfaction_rating",
    "skip_reason",
    "continue_preference",
    "notes",
    "occurred_at",
    "scheduled_at",
    "minutes_from_schedule",
    "pending",
    "event",
    "revision",
)
_REPLACE = (
    update(FEEDBACK)
    .where(
        FEEDBACK.c.user_id == bindparam("key_user_id"),
        FEEDBACK.c.feedback_id == bindparam("key_feedback_id"),
    )
    .values(
        {
            **{name: bindparam(f"new_{name}") for name in REPLACED},
            "idempotency_key": func.coalesce(
                bindparam("new_idempotency_key"), FEEDBACK.c.idempotency_key
            ),
        }
    )
)


def _first(session: Session, statement: Any, params: dict[str, Any]) -> Answer | None:
    row = session.connection().execute(statement, params).first()
    return Answer(*row) if row is not None else None


def by_key(session: Session, user_id: UUID, key: str) -> Answer | None:
    return _first(session, _BY_KEY, {"user_id": user_id, "key": key})


def by_items(session: Session, user_id: UUID, item_ids: list[UUID]) -> dict[UUID, Answer]:
    rows = session.connection().execute(_BY_ITEMS, {"user_id": user_id, "item_ids": item_ids})
    answers = (Answer(*row) for row in rows)
    return {a.plan_item_id: a for a in answers if a.plan_item_id is not None}


_ANSWER_COLUMNS = [FEEDBACK.c[name] for name in Answer.__slots__]


@dataclass(frozen=True, slots=True)
class AnsweredItem:
    item: ItemRef
    answer: Answer | None


_ITEMS_WITH_ANSWERS = select(ITEMS.c.user_id, *REF_COLUMNS, *_ANSWER_COLUMNS).select_from(
    ITEMS.outerjoin(
        FEEDBACK,
        and_(FEEDBACK.c.user_id == ITEMS.c.user_id, FEEDBACK.c.plan_item_id == ITEMS.c.item_id),
    )
)
_PAIRS_ANSWERED = _ITEMS_WITH_ANSWERS.where(
    tuple_(ITEMS.c.user_id, ITEMS.c.item_id).in_(bindparam("pairs", expanding=True))
)
# SQLite reads ``(user, item) IN (VALUES ...)`` by scanning every plan item, but looks each
# pair up in the key when the same list is a subquery's rows. (SQLAlchemy writes a list of
# tuples bound to ``:pairs`` on SQLite as ``(VALUES (?, ?), ...)``.)
_PAIRS = (
    text("SELECT column1 AS user_id, column2 AS item_id FROM :pairs")
    .bindparams(bindparam("pairs", expanding=True, type_=TupleType(Uuid(), Uuid())))
    .columns(ITEMS.c.user_id, ITEMS.c.item_id)
    .subquery("pairs")
)
_PAIRS_ANSWERED_SQLITE = _ITEMS_WITH_ANSWERS.where(
    tuple_(ITEMS.c.user_id, ITEMS.c.item_id).in_(select(_PAIRS.c.user_id, _PAIRS.c.item_id))
)


def pairs_answered(
    session: Session, pairs: Collection[tuple[UUID, UUID]]
) -> dict[tuple[UUID, UUID], AnsweredItem]:
    """The (user, item) ``pairs`` that exist, each item with its answer if it has one, in one
    query."""
    if not pairs:
        return {}
    refs = len(REF_COLUMNS)
    found: dict[tuple[UUID, UUID], AnsweredItem] = {}
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    statement = _PAIRS_ANSWERED_SQLITE if sqlite else _PAIRS_ANSWERED
    for row in connection.execute(statement, {"pairs": list(pairs)}):
        item = ItemRef(*row[1 : refs + 1])
        answer = Answer(*row[refs + 1 :]) if row[refs + 1] is not None else None
        found[(row[0], item.item_id)] = AnsweredItem(item, answer)
    return found


def by_item(session: Session, user_id: UUID, item_id: UUID) -> Answer | None:
    return by_items(session, user_id, [item_id]).get(item_id)


def unplanned(
    session: Session, user_id: UUID, task_id: UUID, day: date, outcome: str
) -> Answer | None:
    """An earlier answer about the same unplanned task, day and outcome: a repeat."""
    params = {"user_id": user_id, "task_id": task_id, "day": day, "outcome": outcome}
    return _first(session, _UNPLANNED, params)


def add_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert answers and "no response" rows in one statement (a column one kind of row does
    not set is NULL in it, as it would be inserted alone)."""
    if not rows:
        return
    columns = {name for row in rows for name in row}
    if any(len(row) != len(columns) for row in rows):
        rows = [{name: row.get(name) for name in columns} for row in rows]
    session.connection().execute(_INSERT, rows)


@dataclass(frozen=True, slots=True)
class Replacement:
    """A stored answer's new fields (``REPLACED`` and ``idempotency_key``), to be written."""

    user_id: UUID
    feedback_id: UUID
    fields: dict[str, Any]


def replace_answers(session: Session, replacements: list[Replacement]) -> None:
    """Rewrite answers in place, in one statement run for each (in order: a later change of
    the same answer wins)."""
    if not replacements:
        return
    params = [
        {
            "key_user_id": r.user_id,
            "key_feedback_id": r.feedback_id,
            "new_idempotency_key": r.fields.get("idempotency_key"),
            **{f"new_{name}": r.fields[name] for name in REPLACED},
        }
        for r in replacements
    ]
    session.connection().execute(_REPLACE, params)


@dataclass(frozen=True, slots=True)
class AnswerShown:
    """What a user said about an item, as a page shows it back to them."""

    plan_item_id: UUID
    outcome: str
    source: str
    satisfaction_rating: int | None
    skip_reason: str | None


_SHOWN = select(*(FEEDBACK.c[name] for name in AnswerShown.__slots__)).where(
    FEEDBACK.c.user_id == bindparam("user_id"),
    FEEDBACK.c.plan_item_id.in_(bindparam("item_ids", expanding=True)),
)


def answers_shown(session: Session, user_id: UUID, item_ids: list[UUID]) -> list[AnswerShown]:
    if not item_ids:
        return []
    rows = session.connection().execute(_SHOWN, {"user_id": user_id, "item_ids": item_ids})
    return [AnswerShown(*row) for row in rows]
