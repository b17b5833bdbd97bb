"""Queries for feedback rows and learned profiles.

Statements are built once and run through Core on the session's connection: answers are
recorded in bulk by the simulation and by batch clients, and ORM entities cost several times
the statement itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from habitloop.bandit.repository import MODELS, POPULATION
from habitloop.models import FeedbackRow, PlanItemRow, ProfileRow
from habitloop.models.base import table_of
from habitloop.plans.repository import REF_COLUMNS, ItemRef
from habitloop.users.repository import USER_COLUMNS, USERS, User

FEEDBACK = table_of(FeedbackRow)
PROFILES = table_of(ProfileRow)
ITEMS = table_of(PlanItemRow)


@dataclass(slots=True)
class Answer:
    """A stored answer, as much of it as deciding on a repeat or an update needs."""

    feedback_id: UUID
    plan_item_id: UUID | None
    task_id: UUID
    outcome: str
    source: str
    event: dict[str, Any]
    revision: int


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
_UPDATE = update(FEEDBACK).where(
    FEEDBACK.c.user_id == bindparam("key_user_id"),
    FEEDBACK.c.feedback_id == bindparam("key_feedback_id"),
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
# A batch's items and their earlier answers, read together (an item has at most one answer).
_ITEMS_ANSWERED = (
    select(*REF_COLUMNS, *_ANSWER_COLUMNS)
    .select_from(
        ITEMS.outerjoin(
            FEEDBACK,
            and_(FEEDBACK.c.user_id == ITEMS.c.user_id, FEEDBACK.c.plan_item_id == ITEMS.c.item_id),
        )
    )
    .where(
        ITEMS.c.user_id == bindparam("user_id"),
        ITEMS.c.item_id.in_(bindparam("item_ids", expanding=True)),
    )
)


def items_answered(
    session: Session, user_id: UUID, item_ids: list[UUID]
) -> dict[UUID, tuple[ItemRef, Answer | None]]:
    """The user's items among ``item_ids``, each with its answer if it has one."""
    params = {"user_id": user_id, "item_ids": item_ids}
    refs = len(REF_COLUMNS)
    found: dict[UUID, tuple[ItemRef, Answer | None]] = {}
    for row in session.connection().execute(_ITEMS_ANSWERED, params):
        item = ItemRef(*row[:refs])
        found[item.item_id] = (item, Answer(*row[refs:]) if row[refs] is not None else None)
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


def update_answer(
    session: Session, user_id: UUID, feedback_id: UUID, values: dict[str, Any]
) -> None:
    keys = {"key_user_id": user_id, "key_feedback_id": feedback_id}
    session.connection().execute(_UPDATE.values(**values), keys)


_UNANSWERED = (
    select(*(ITEMS.c[name] for name in ItemRef.__slots__))
    .outerjoin(
        FEEDBACK,
        and_(FEEDBACK.c.user_id == ITEMS.c.user_id, FEEDBACK.c.plan_item_id == ITEMS.c.item_id),
    )
    .where(
        ITEMS.c.user_id == bindparam("user_id"),
        ITEMS.c.active.is_(True),
        ITEMS.c.plan_date < bindparam("before"),
        FEEDBACK.c.feedback_id.is_(None),
    )
    .order_by(ITEMS.c.plan_date, ITEMS.c.position)
)
_UNANSWERED_AFTER = _UNANSWERED.where(ITEMS.c.plan_date > bindparam("after"))


def unanswered_items(
    session: Session, user_id: UUID, after: date | None, before: date
) -> Sequence[ItemRef]:
    """Active plan items dated in (after, before) with no feedback: the day ended unanswered.

    Bounded by the plans made since the last settlement, not by the user's history.
    """
    params: dict[str, Any] = {"user_id": user_id, "before": before}
    statement = _UNANSWERED
    if after is not None:
        statement, params["after"] = _UNANSWERED_AFTER, after
    return [ItemRef(*row) for row in session.connection().execute(statement, params)]


@dataclass(frozen=True, slots=True)
class StoredProfile:
    state: dict[str, Any]
    settled_through: date | None


# Only the ledger, extracted by the database: the check-in needs the week's completion rate,
# and parsing the whole document for it cost more than the rest of the check-in.
_LEDGER = select(PROFILES.c.state["ledger"]).where(PROFILES.c.user_id == bindparam("user_id"))
_SETTLED = (
    update(PROFILES)
    .where(PROFILES.c.user_id == bindparam("key_user_id"))
    .values(settled_through=bindparam("settled_through"))
)
_UPDATE_PROFILE = (
    update(PROFILES)
    .where(PROFILES.c.user_id == bindparam("key_user_id"))
    .values(
        state=bindparam("state"),
        settled_through=bindparam("settled_through"),
        events=bindparam("events"),
        completions=bindparam("completions"),
    )
)
_INSERT_PROFILE = insert(PROFILES)


@dataclass(frozen=True, slots=True)
class LearningRows:
    """What learning from one user starts from, each part None when it has no row yet: the
    profile, the bandit's model (weights, ref, answers, precision) and the archetype's
    population (users, features, totals)."""

    profile: StoredProfile | None
    model: tuple[Any, ...] | None
    population: tuple[Any, ...] | None


# Every plan and answer of a learning strategy starts here: one statement, not four.
_LEARNING = (
    select(
        *USER_COLUMNS,
        PROFILES.c.user_id,
        PROFILES.c.state,
        PROFILES.c.settled_through,
        MODELS.c.user_id,
        MODELS.c.weights,
        MODELS.c.ref,
        MODELS.c.answers,
        MODELS.c.precision,
        POPULATION.c.archetype,
        POPULATION.c.users,
        POPULATION.c.features,
        POPULATION.c.totals,
    )
    .select_from(
        USERS.outerjoin(PROFILES, PROFILES.c.user_id == USERS.c.user_id)
        .outerjoin(MODELS, MODELS.c.user_id == USERS.c.user_id)
        .outerjoin(POPULATION, POPULATION.c.archetype == USERS.c.archetype)
    )
    .where(USERS.c.user_id == bindparam("user_id"))
)


def load_learning(session: Session, user_id: UUID) -> tuple[User, LearningRows] | None:
    """The user and what learning from them starts from (None when there is no such user)."""
    row = session.connection().execute(_LEARNING, {"user_id": user_id}).first()
    if row is None:
        return None
    user, rest = User(*row[: len(USER_COLUMNS)]), row[len(USER_COLUMNS) :]
    return user, LearningRows(
        StoredProfile(rest[1], rest[2]) if rest[0] is not None else None,
        tuple(rest[4:8]) if rest[3] is not None else None,
        tuple(rest[9:12]) if rest[8] is not None else None,
    )


def load_ledger(session: Session, user_id: UUID) -> dict[str, Any] | None:
    """The profile document's ledger (None when the user has no profile yet)."""
    row = session.connection().execute(_LEDGER, {"user_id": user_id}).first()
    return row[0] if row is not None else None


def save_settled_through(session: Session, user_id: UUID, day: date | None) -> None:
    session.connection().execute(_SETTLED, {"key_user_id": user_id, "settled_through": day})


def save_profile(
    session: Session,
    user_id: UUID,
    values: dict[str, Any],
    *,
    exists: bool,
) -> None:
    if exists:
        session.connection().execute(_UPDATE_PROFILE, {"key_user_id": user_id, **values})
    else:
        session.connection().execute(_INSERT_PROFILE, [{"user_id": user_id, **values}])
