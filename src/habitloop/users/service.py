from __future__ import annotations

from datetime import time
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.vocab import ALL_CATEGORIES, Archetype, Category, Phase
from habitloop.db import lock_user
from habitloop.errors import BadRequest, NotFound
from habitloop.users import repository as repo
from habitloop.users.repository import User
from habitloop.users.schemas import UserIn, UserOut

DEFAULT_WAKE = time(7, 0)
DEFAULT_SLEEP = time(23, 0)


def to_out(row: User) -> UserOut:
    return UserOut(
        user_id=row.user_id,
        archetype=Archetype(row.archetype),
        timezone=row.timezone,
        wake_time=row.wake_time,
        sleep_time=row.sleep_time,
        categories=[Category(c) for c in row.categories],
        goals=list(row.goals),
        learning_phase=Phase(row.learning_phase),
    )


def put_user(session: Session, *, user_id: UUID, data: UserIn) -> tuple[UserOut, bool]:
    """Create the user or update the fields given; returns the user and whether it was created.

    Writers of one user take turns from here: two requests creating the same user at once
    would otherwise both find no row, and the second insert would fail on the primary key."""
    lock_user(session, user_id)
    row = repo.get_user(session, user_id)
    wake = data.wake_time or (row.wake_time if row else DEFAULT_WAKE)
    sleep = data.sleep_time or (row.sleep_time if row else DEFAULT_SLEEP)
    if wake == sleep:
        raise BadRequest(
            f"wake_time and sleep_time would both be {wake.strftime('%H:%M')}: "
            "a day needs waking hours"
        )
    if row is None:
        row = repo.add_user(
            session,
            User(
                user_id=user_id,
                archetype=data.archetype.value,
                timezone=data.timezone or "UTC",
                wake_time=data.wake_time or DEFAULT_WAKE,
                sleep_time=data.sleep_time or DEFAULT_SLEEP,
                categories=[c.value for c in (data.categories or ALL_CATEGORIES)],
                goals=list(data.goals or []),
                learning_phase=Phase.DISCOVERY.value,
                phase_since=None,
                phase_locked=False,
                phase_completions=0,
            ),
        )
        return to_out(row), True
    changes: dict[str, object] = {"archetype": data.archetype.value}
    if data.timezone is not None:
        changes["timezone"] = data.timezone
    if data.wake_time is not None:
        changes["wake_time"] = data.wake_time
    if data.sleep_time is not None:
        changes["sleep_time"] = data.sleep_time
    if data.categories is not None:
        changes["categories"] = [c.value for c in data.categories]
    if data.goals is not None:
        changes["goals"] = list(data.goals)
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if changed:  # an update that changes nothing writes nothing, not even updated_at
        for name, value in changed.items():
            setattr(row, name, value)
        repo.update_user(session, user_id, changed)
        # Plans read the archetype, categories and day: one made from the old ones is stale.
        repo.bump_revision(session, row)
    return to_out(row), False


def user_not_found(user_id: UUID) -> NotFound:
    return NotFound(f"user {user_id} not found; create it with PUT /api/v1/users/{user_id}")


def require_user(session: Session, *, user_id: UUID) -> User:
    row = repo.get_user(session, user_id)
    if row is None:
        raise user_not_found(user_id)
    return row


def get_user(session: Session, *, user_id: UUID) -> UserOut:
    return to_out(require_user(session, user_id=user_id))
