from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from habitloop.db import create_db_engine
from habitloop.db.migrate import current_revision, downgrade, head_revision, upgrade
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
    for table in Base.metadata.sorted_tables:
        if "user_id" in table.c and table.name != "users":
            assert table.primary_key.columns.keys()[0] == "user_id", table.name
