"""The users service called directly, on both databases."""

from __future__ import annotations

import uuid
from datetime import time

import pytest

from habitloop.core.vocab import Archetype, Category, Phase
from habitloop.db import Database
from habitloop.errors import NotFound
from habitloop.users.schemas import UserIn
from habitloop.users.service import get_user, put_user, require_user
from tests.support.statements import counting


def user_in(**fields: object) -> UserIn:
    return UserIn.model_validate(fields)


def test_put_user_creates_then_updates_and_says_which(db: Database) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        created, was_created = put_user(
            session,
            user_id=user_id,
            data=user_in(archetype="Peak Performer", wake_time="06:30", categories=["work"]),
        )
    assert was_created is True
    assert (created.user_id, created.archetype) == (user_id, Archetype.PEAK_PERFORMER)
    assert (created.wake_time, created.sleep_time) == (time(6, 30), time(23, 0))
    assert (created.categories, created.learning_phase) == ([Category.FOCUS], Phase.DISCOVERY)
    with db.transaction() as session:
        updated, was_created = put_user(
            session, user_id=user_id, data=user_in(archetype="resilience_rebuilder")
        )
    assert was_created is False
    assert updated.archetype is Archetype.RESILIENCE_REBUILDER
    # Fields left out keep their values.
    assert (updated.wake_time, updated.categories) == (time(6, 30), [Category.FOCUS])
    with db.transaction(write=False) as session:
        assert get_user(session, user_id=user_id) == updated


def test_an_update_that_changes_nothing_writes_nothing(db: Database) -> None:
    user_id = uuid.uuid4()
    data = user_in(archetype="foundation_builder", goals=["sleep earlier"])
    with db.transaction() as session:
        put_user(session, user_id=user_id, data=data)
    with counting(db.engine) as statements, db.transaction() as session:
        same, was_created = put_user(session, user_id=user_id, data=data)
    assert was_created is False and same.goals == ["sleep earlier"]
    assert statements, "the user was not even read"
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")], statements


def test_require_user_returns_the_stored_user(db: Database) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(session, user_id=user_id, data=user_in(archetype="connected_explorer"))
    with db.transaction(write=False) as session:
        row = require_user(session, user_id=user_id)
    assert (row.user_id, row.archetype, row.timezone) == (user_id, "connected_explorer", "UTC")


def test_an_unknown_user_is_not_found(db: Database) -> None:
    ghost = uuid.uuid4()
    with db.transaction(write=False) as session:
        with pytest.raises(NotFound, match=f"user {ghost} not found"):
            require_user(session, user_id=ghost)
        with pytest.raises(NotFound, match=f"PUT /api/v1/users/{ghost}"):
            get_user(session, user_id=ghost)
