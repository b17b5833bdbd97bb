"""Bandit state survives a round trip through its rows, on both databases."""

from __future__ import annotations

import uuid
from datetime import date

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from habitloop.core.completion_model import PRIOR_PRECISION, FeatureSpace, Model
from habitloop.core.learned_documents import model_from_stored
from habitloop.core.learned_documents import stored_model as as_stored
from habitloop.db import Database
from habitloop.learning import model_repository as repo
from habitloop.learning.repository import load_learning
from habitloop.models import BanditModelRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


def stored_model(session: Session, user_id: uuid.UUID, space: FeatureSpace) -> Model | None:
    """The model as a plan or an answer reads it: with the user, in one statement."""
    found = load_learning(session, user_id)
    assert found is not None
    row = found[1].model
    return model_from_stored(space, row) if row is not None else None


def population(
    session: Session, user_id: uuid.UUID, space: FeatureSpace
) -> tuple[list[float], float]:
    """The pooled sums of the user's archetype, as their plans read them."""
    found = load_learning(session, user_id)
    assert found is not None
    pool = found[1].population
    return pool.weight_sums(space) or [0.0] * len(space), pool.users


def test_models_and_population_round_trip(db: Database, settings: Settings) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        space = FeatureSpace.of(LibraryCache().current(session))
    size = len(space)
    model = Model(
        tuple(i / 10 for i in range(size)),
        tuple(1.0 + i for i in range(size)),
        date(2026, 3, 1),
        4.5,
    )
    with db.transaction() as session:
        assert stored_model(session, user_id, space) is None
        repo.save_model(session, user_id, as_stored(space, model), exists=False)
        before, users_before = population(session, user_id, space)
        ones = dict.fromkeys(space.names, 1.0)
        repo.add_to_population(session, "peak_performer", 0, ones, users=1)
    with db.transaction() as session:
        assert stored_model(session, user_id, space) == model
        changed = Model(model.mean, model.precision, date(2026, 3, 2), 5.0)
        repo.save_model(session, user_id, as_stored(space, changed), exists=True)
        # Into another shard: a plan reads the pool as the sum of its shards.
        halves = dict.fromkeys(space.names, 0.5)
        repo.add_to_population(session, "peak_performer", 3, halves, users=0)
    with db.transaction(write=False) as session:
        assert stored_model(session, user_id, space) == changed
        after, users_after = population(session, user_id, space)
    assert users_after == users_before + 1
    assert after == pytest.approx([b + 1.5 for b in before])


def test_a_full_precision_matrix_follows_its_feature_names(db: Database) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        space = FeatureSpace.of(LibraryCache().current(session))
    size = len(space)
    rng = np.random.default_rng(7)
    evidence = rng.standard_normal((size, size))
    model = Model(rng.standard_normal(size), np.eye(size) * 3 + evidence @ evidence.T, None, 2.0)
    with db.transaction() as session:
        repo.save_model(session, user_id, as_stored(space, model), exists=False)
    # A later library without the first tag and with a new one: rows follow the names.
    dropped = next(n for n in space.names if n.startswith("tag="))
    names = (*(n for n in space.names if n != dropped), "tag=brand-new")
    later = FeatureSpace(names, {n: i for i, n in enumerate(names)})
    with db.transaction(write=False) as session:
        assert stored_model(session, user_id, space) == model
        moved = stored_model(session, user_id, later)
    assert moved is not None
    old, new = space.index, later.index
    a, b = old["bias"], old["duration"]
    assert moved.precision[new["bias"], new["duration"]] == model.precision[a, b]
    fresh = new["tag=brand-new"]
    assert moved.precision[fresh, fresh] == PRIOR_PRECISION
    assert not moved.precision[fresh, :fresh].any()
    assert moved.mean[fresh] == 0.0


def test_a_row_with_only_the_diagonal_still_loads(db: Database) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        space = FeatureSpace.of(LibraryCache().current(session))
        weights = {"mean": {"bias": -0.5}, "precision": {"bias": 9.0, "gone": 4.0}}
        session.execute(
            insert(BanditModelRow),
            [{"user_id": user_id, "weights": weights, "ref": None, "answers": 3.0}],
        )
    with db.transaction(write=False) as session:
        model = stored_model(session, user_id, space)
    assert model is not None
    bias = space.index["bias"]
    expected = np.eye(len(space)) * PRIOR_PRECISION
    expected[bias, bias] = 9.0
    assert np.array_equal(model.precision, expected)
    assert model.mean[bias] == -0.5
