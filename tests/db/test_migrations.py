from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from habitloop import Habitloop
from habitloop.core.completion_model import FeatureSpace
from habitloop.core.learned_documents import Pool, named_sums, named_totals
from habitloop.db import Database, create_db_engine
from habitloop.db.engine import MIGRATION_URL_OPTION
from habitloop.db.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from habitloop.learning.model_repository import POPULATION, POPULATION_COLUMNS, StoredPopulation
from habitloop.models import Base
from tests.conftest import BACKENDS, database_url_for, make_settings

TABLES = {
    "tasks",
    "library_state",
    "users",
    "checkins",
    "plans",
    "plan_items",
    "rotation_state",
    "decisions",
    "incidents",
}


@pytest.mark.parametrize("kind", BACKENDS)
def test_upgrade_downgrade_upgrade_and_models_match(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = database_url_for(kind, request, tmp_path_factory, f"habitloop_migrations_{kind}")
    engine = create_db_engine(make_settings(url))
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"

        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()


def test_per_user_tables_lead_with_user_id() -> None:
    checked = set()
    for table in Base.metadata.sorted_tables:
        if "user_id" in table.c and table.name != "users":
            assert table.primary_key.columns.keys()[0] == "user_id", table.name
            checked.add(table.name)
    assert checked >= {"checkins", "plans", "plan_items", "feedback", "profiles"}, checked


@pytest.mark.parametrize("kind", BACKENDS)
def test_population_sums_survive_the_move_to_one_row_and_back(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = database_url_for(kind, request, tmp_path_factory, f"habitloop_population_{kind}")
    engine = create_db_engine(make_settings(url))
    by_feature = [
        ("peak_performer", "bias", -1.5),
        ("peak_performer", "duration", 0.25),
        ("peak_performer", "__users__", 3.0),
        ("foundation_builder", "bias", 0.5),
    ]
    try:
        upgrade(engine, "0004")
        with _as_owner(engine).begin() as conn:
            conn.execute(text("DELETE FROM bandit_population"))
            for archetype, feature, total in by_feature:
                conn.execute(
                    text("INSERT INTO bandit_population VALUES (:a, :f, :t)"),
                    {"a": archetype, "f": feature, "t": total},
                )
        upgrade(engine)
        space = FeatureSpace(("bias", "duration", "new"), {"bias": 0, "duration": 1, "new": 2})
        with Database(engine).transaction(write=False) as session:
            read = select(POPULATION.c.archetype, *POPULATION_COLUMNS)
            stored = {row[0]: StoredPopulation(*row[1:]) for row in session.execute(read)}
        peak, foundation = (
            Pool.of([(stored[a].users, stored[a].named())])
            for a in ("peak_performer", "foundation_builder")
        )
        assert (peak.weight_sums(space), peak.users) == ([-1.5, 0.25, 0.0], 3.0)
        # No users: the pool gives no sums to average, whatever it holds.
        assert (foundation.weight_sums(space), foundation.users) == (None, 0.0)
        assert foundation.sums == {"bias": 0.5}
        downgrade(engine, "0004")
        with _as_owner(engine).connect() as conn:
            rows = conn.execute(text("SELECT archetype, feature, total FROM bandit_population"))
            back = sorted((a, f, t) for a, f, t in rows)
        assert back == sorted([*by_feature, ("foundation_builder", "__users__", 0.0)])
    finally:
        downgrade(engine, "base")
        engine.dispose()


PER_USER_TABLES = ("users", "plans", "plan_items", "decisions", "rotation_state", "checkins")


def _as_owner(engine: Engine) -> Engine:
    """Statements no request makes (rows written behind the service's back, counts across
    users) go through the owner: the service's own login reaches rows only through the
    policies, as some user or as service_role."""
    url = engine.get_execution_options().get(MIGRATION_URL_OPTION)
    return engine if url is None else create_engine(url, poolclass=NullPool)


@pytest.mark.parametrize("kind", BACKENDS)
def test_every_migration_keeps_the_users_rows(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Stepping down to the first revision and back up loses no user's plans or answers: a
    migration that rebuilds a table on SQLite must not cascade into the rows that point at it."""
    url = database_url_for(kind, request, tmp_path_factory, f"habitloop_keeps_{kind}")
    settings = make_settings(url)
    engine = create_db_engine(settings)
    try:
        upgrade(engine)
        with Habitloop(settings=settings) as hl:
            ana = uuid.uuid4()
            hl.put_user(ana, {"archetype": "peak_performer"})
            hl.checkin(ana, {"date": "2026-05-04", "energy": 3})
            plan = hl.plan(ana, {"date": "2026-05-04"})
            hl.feedback(
                {"user_id": ana, "plan_item_id": plan.items[0].item_id, "status": "completed"},
                now=datetime(2026, 5, 4, 20, tzinfo=UTC),
            )
        before = _row_counts(engine)
        assert all(before[t] > 0 for t in PER_USER_TABLES), before
        revisions = [
            r.revision for r in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()
        ]
        for step in revisions[1:]:  # newest first: down one revision at a time
            downgrade(engine, step)
            assert _row_counts(engine, PER_USER_TABLES) == {t: before[t] for t in PER_USER_TABLES}
        upgrade(engine)
        assert _row_counts(engine, PER_USER_TABLES) == {t: before[t] for t in PER_USER_TABLES}
    finally:
        downgrade(engine, "base")
        engine.dispose()


def _row_counts(
    engine: Engine, tables: tuple[str, ...] = (*PER_USER_TABLES, "feedback")
) -> dict[str, int]:
    with _as_owner(engine).connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


@pytest.mark.parametrize("kind", BACKENDS)
def test_pool_shards_are_summed_when_the_shard_key_goes(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = database_url_for(kind, request, tmp_path_factory, f"habitloop_shards_{kind}")
    engine = create_db_engine(make_settings(url))
    try:
        upgrade(engine)
        shards = [(0, 2.0, {"bias": 1.0, "duration": 0.5}), (3, 1.0, {"bias": -0.25, "x": 2.0})]
        with _as_owner(engine).begin() as conn:
            for shard, users, sums in shards:
                conn.execute(
                    POPULATION.insert().values(
                        archetype="peak_performer",
                        shard=shard,
                        users=users,
                        features=list(sums),
                        totals=named_totals(sums.values()),
                    )
                )
        downgrade(engine, "0006")
        with _as_owner(engine).connect() as conn:
            read = select(POPULATION.c.users, POPULATION.c.features, POPULATION.c.totals)
            rows = conn.execute(read).all()
        assert len(rows) == 1
        users, names, totals = rows[0]
        assert users == 3.0
        assert named_sums(names, totals) == {"bias": 0.75, "duration": 0.5, "x": 2.0}
    finally:
        downgrade(engine, "base")
        engine.dispose()
