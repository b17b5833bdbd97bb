"""Queries for the learned state: the user with their profile and model rows in one read, the
profile's writes, and the plan items that answers and settlement are about.

Statements are built once and run through Core on the session's connection: every plan and
answer starts here, and ORM entities cost several times the statement itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from habitloop.core.learned_documents import Pool, StoredModel
from habitloop.learning.model_repository import MODEL_COLUMNS, MODELS, load_population
from habitloop.models import FeedbackRow, LibraryStateRow, PlanItemRow, ProfileRow
from habitloop.models.base import table_of
from habitloop.users.repository import USER_COLUMNS, USERS, User

FEEDBACK = table_of(FeedbackRow)
LIBRARY_STATE = table_of(LibraryStateRow)
PROFILES = table_of(ProfileRow)
ITEMS = table_of(PlanItemRow)


@dataclass(frozen=True, slots=True)
class ItemRef:
    """What answering or settling a plan item needs to know about it."""

    item_id: UUID
    plan_date: date
    task_id: UUID
    time_block: str
    start_time: str
    mode: str
    active: bool


REF_COLUMNS = [ITEMS.c[name] for name in ItemRef.__slots__]
_REF_FOR_TASK = select(*REF_COLUMNS).where(
    ITEMS.c.user_id == bindparam("user_id"),
    ITEMS.c.plan_date == bindparam("day"),
    ITEMS.c.task_id == bindparam("task_id"),
    ITEMS.c.active.is_(True),
)


def item_for_task(session: Session, user_id: UUID, task_id: UUID, day: date) -> ItemRef | None:
    """The active item of ``day``'s plan that serves ``task_id``, if the plan has one."""
    params = {"user_id": user_id, "day": day, "task_id": task_id}
    row = session.connection().execute(_REF_FOR_TASK, params).first()
    return ItemRef(*row) if row is not None else None


_UNANSWERED = (
    select(*REF_COLUMNS)
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


_INSERT_FEEDBACK = insert(FEEDBACK)


def add_settled(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the "no response" rows of settled items in one statement."""
    if rows:
        session.connection().execute(_INSERT_FEEDBACK, rows)


@dataclass(frozen=True, slots=True)
class StoredProfile:
    state: dict[str, Any]
    settled_through: date | None


@dataclass(frozen=True, slots=True)
class LearningRows:
    """What learning from one user starts from, each part None when it has no row yet."""

    profile: StoredProfile | None
    model: StoredModel | None
    library_revision: int | None = None
    population: Pool = field(default_factory=lambda: Pool(0.0, {}))
    # Whether the user has answers the learned state has not seen yet.
    pending: bool = False


# The library's revision rides along: every plan and answer also checks its library is current.
_LIBRARY_REVISION = (
    select(LIBRARY_STATE.c.revision).where(LIBRARY_STATE.c.id == 1).scalar_subquery()
)
_HAS_PENDING = (
    select(FEEDBACK.c.feedback_id)
    .where(FEEDBACK.c.user_id == USERS.c.user_id, FEEDBACK.c.pending)
    .exists()
)
# Every plan and answer of a learning strategy starts here: the user, their profile and model
# in one statement; the archetype's pool (``model_repository.load_population``) in a second.
_LEARNING = (
    select(
        _LIBRARY_REVISION,
        _HAS_PENDING,
        *USER_COLUMNS,
        PROFILES.c.user_id,
        PROFILES.c.state,
        PROFILES.c.settled_through,
        MODELS.c.user_id,
        *MODEL_COLUMNS,
    )
    .select_from(
        USERS.outerjoin(PROFILES, PROFILES.c.user_id == USERS.c.user_id).outerjoin(
            MODELS, MODELS.c.user_id == USERS.c.user_id
        )
    )
    .where(USERS.c.user_id == bindparam("user_id"))
)
_USER_END = len(USER_COLUMNS)
_MODEL_AT = _USER_END + 3


def load_learning(
    session: Session, user_id: UUID, pools: dict[str, Pool] | None = None
) -> tuple[User, LearningRows] | None:
    """The user and what learning from them starts from (None when there is no such user).
    ``pools``: archetypes' pools read earlier in this transaction, which none of its writes
    has changed yet, to read each once; a pool read here is added to it."""
    found = session.connection().execute(_LEARNING, {"user_id": user_id}).first()
    if found is None:
        return None
    library_revision, pending, row = found[0], found[1], found[2:]
    user = User(*row[:_USER_END])
    profile_key, state, settled = row[_USER_END:_MODEL_AT]
    model = row[_MODEL_AT + 1 :]
    pools = {} if pools is None else pools
    if user.archetype not in pools:
        shards = load_population(session, user.archetype)
        pools[user.archetype] = Pool.of((shard.users, shard.named()) for shard in shards)
    return user, LearningRows(
        StoredProfile(state, settled) if profile_key is not None else None,
        StoredModel(*model) if row[_MODEL_AT] is not None else None,
        library_revision,
        pools[user.archetype],
        bool(pending),
    )


_SETTLED = (
    update(PROFILES)
    .where(PROFILES.c.user_id == bindparam("key_user_id"))
    .values(settled_through=bindparam("settled_through"))
)
_PROFILE_VALUES = ("state", "settled_through", "events", "completions")
_UPDATE_PROFILE = (
    update(PROFILES)
    .where(PROFILES.c.user_id == bindparam("key_user_id"))
    .values({name: bindparam(name) for name in _PROFILE_VALUES})
)
_INSERT_PROFILE = insert(PROFILES)


@dataclass(frozen=True, slots=True)
class ProfileValues:
    state: dict[str, Any]
    settled_through: date | None
    events: int
    completions: int


def save_settled_through(session: Session, user_id: UUID, day: date | None) -> None:
    session.connection().execute(_SETTLED, {"key_user_id": user_id, "settled_through": day})


def save_profile(session: Session, user_id: UUID, values: ProfileValues, *, exists: bool) -> None:
    columns = {name: getattr(values, name) for name in _PROFILE_VALUES}
    if exists:
        session.connection().execute(_UPDATE_PROFILE, {"key_user_id": user_id, **columns})
    else:
        session.connection().execute(_INSERT_PROFILE, [{"user_id": user_id, **columns}])


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """An answer stored but not learned from yet, with what learning it needs of its item."""

    feedback_id: UUID
    plan_item_id: UUID | None
    task_id: UUID
    plan_date: date
    outcome: str
    satisfaction_rating: int | None
    skip_reason: str | None
    continue_preference: str | None
    event: dict[str, Any] | None
    revision: int
    time_block: str | None
    mode: str | None


_PENDING = (
    select(
        *(FEEDBACK.c[name] for name in PendingAnswer.__slots__[:-2]),
        ITEMS.c.time_block,
        ITEMS.c.mode,
    )
    .select_from(
        FEEDBACK.outerjoin(
            ITEMS,
            and_(ITEMS.c.user_id == FEEDBACK.c.user_id, ITEMS.c.item_id == FEEDBACK.c.plan_item_id),
        )
    )
    .where(FEEDBACK.c.user_id == bindparam("user_id"), FEEDBACK.c.pending)
    # The order the answers happened in, and those given at the same moment in the order of
    # their plan: the same on every replay.
    .order_by(
        FEEDBACK.c.plan_date, FEEDBACK.c.occurred_at, ITEMS.c.position, FEEDBACK.c.feedback_id
    )
)


def pending_answers(session: Session, user_id: UUID) -> list[PendingAnswer]:
    return [
        PendingAnswer(*row) for row in session.connection().execute(_PENDING, {"user_id": user_id})
    ]


# A row changed again since it was read stays pending: its next learning retracts ``event``.
_LEARNED = (
    update(FEEDBACK)
    .where(
        FEEDBACK.c.user_id == bindparam("key_user_id"),
        FEEDBACK.c.feedback_id == bindparam("key_feedback_id"),
    )
    .values(
        event=bindparam("event"),
        pending=FEEDBACK.c.revision != bindparam("read_revision"),
    )
)


def mark_learned(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store what the profile saw of each learned answer (``key_user_id``, ``key_feedback_id``,
    ``event``, ``read_revision``), in one statement."""
    if rows:
        session.connection().execute(_LEARNED, rows)


_WAITING = (
    select(FEEDBACK.c.user_id)
    .where(FEEDBACK.c.pending)
    .group_by(FEEDBACK.c.user_id)
    .order_by(FEEDBACK.c.user_id)
    .limit(bindparam("limit"))
)


def users_with_pending(session: Session, limit: int) -> list[UUID]:
    """Up to ``limit`` users with answers waiting to be learned from, in order of their ids."""
    return list(session.connection().execute(_WAITING, {"limit": limit}).scalars())


_COUNT_WAITING = select(func.count()).select_from(FEEDBACK).where(FEEDBACK.c.pending)


def count_pending(session: Session) -> int:
    """How many answers wait to be learned from, across users."""
    return int(session.connection().execute(_COUNT_WAITING).scalar_one())
