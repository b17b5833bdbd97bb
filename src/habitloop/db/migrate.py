"""Alembic migrations driven from code, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from habitloop.db.engine import WRITE_OPTION

SCRIPT_LOCATION = "habitloop:migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


MIGRATION_LOCK = 7_342_001


def _run(engine: Engine, action: str, revision: str) -> None:
    """Run one Alembic command holding the database's write lock, so two processes migrating
    a fresh database at once take turns instead of both creating the tables."""
    config = alembic_config(engine)
    with _foreign_keys_off(engine) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
        if engine.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows without their parents: {broken}")


@contextmanager
def _foreign_keys_off(engine: Engine) -> Iterator[Connection]:
    """A write connection that, on SQLite, has its foreign keys off for the migration: SQLite
    rebuilds a table it cannot alter in place by copying it and dropping the original, and
    with foreign keys on that drop deletes every row that points at it (ON DELETE CASCADE).
    The keys are checked once the migration is done, and switched back on."""
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        if engine.dialect.name != "sqlite":
            yield connection
            return
        raw = connection.connection.driver_connection
        assert raw is not None
        # Set on the driver's connection: a statement through SQLAlchemy would begin a
        # transaction first, inside which SQLite ignores this pragma.
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    _run(engine, "downgrade", revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
