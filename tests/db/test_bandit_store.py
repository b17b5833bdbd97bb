"""Bandit state survives a round trip through its rows, on both databases."""

from __future__ import annotations

import uuid
from datetime import date

from habitloop.bandit import repository as repo
from habitloop.core.policies.bandit import ArmStats
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


def test_arms_and_population_round_trip(db: Database, settings: Settings) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(session, user_id, UserIn.model_validate({"archetype": "peak_performer"}))
        library = LibraryCache().current(session)
    first, second = library.tasks[0].id, library.tasks[1].id
    arms = {first: ArmStats(1.5, 2.0, date(2026, 3, 1)), second: ArmStats(0.0, 0.5, None)}
    with db.transaction() as session:
        repo.save_user_arms(session, user_id, arms, known=())
        before = repo.population(session, "connected_explorer").get(first, ArmStats())
        repo.add_to_population(session, "connected_explorer", {first: (0.75, 1.0)})
    with db.transaction() as session:
        assert repo.user_arms(session, user_id) == arms
        repo.save_user_arms(session, user_id, {first: ArmStats(2.5, 3.0, date(2026, 3, 2))}, arms)
        repo.add_to_population(session, "connected_explorer", {first: (0.25, 0.5)})
    with db.transaction(write=False) as session:
        assert repo.user_arms(session, user_id)[first] == ArmStats(2.5, 3.0, date(2026, 3, 2))
        after = repo.population(session, "connected_explorer")[first]
    assert after.reward == before.reward + 1.0
    assert after.weight == before.weight + 1.5
