"""Alembic migrations driven from code, on SQLite and PostgreSQL.

On PostgreSQL the migrations run as the tables' owner (``HABITLOOP_MIGRATION_DATABASE_URL``,
carried by the engine the service built), while the service logs in as a role that owns
nothing; ``schema_sql`` prints the whole schema, policies included, as one SQL script.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from habitloop.db.engine import MIGRATION_URL_OPTION, WRITE_OPTION

SCRIPT_LOCATION = "habitloop:migrations"
# Read by the row level security migration: the script is for Supabase, whose roles and
# ``auth.uid()`` are there already.
SUPABASE_ATTRIBUTE = "habitloop_supabase"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


MIGRATION_LOCK = 7_342_001
# A migration that reads rows of a table whose row level security is forced, as an owner
# that does not bypass it, would see none and carry on; with this it stops with an error.
_NO_SILENT_POLICIES = text("SET LOCAL row_security = off")


def _run(engine: Engine, action: str, revision: str) -> None:
    """Run one Alembic command holding the database's write lock, so two processes migrating
    a fresh database at once take turns instead of both creating the tables."""
    with owner_engine(engine) as owner:
        config = alembic_config(owner)
        with _foreign_keys_off(owner) as connection, connection.begin():
            if owner.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
                connection.execute(_NO_SILENT_POLICIES)
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
            if owner.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows without their parents: {broken}")


@contextmanager
def owner_engine(engine: Engine) -> Iterator[Engine]:
    """The engine that migrates ``engine``'s database: one on the owner's URL when the settings
    named one (for the command's duration), else ``engine`` itself."""
    url = engine.get_execution_options().get(MIGRATION_URL_OPTION)
    if url is None:
        yield engine
        return
    owner = create_engine(url, poolclass=NullPool)
    try:
        yield owner
    finally:
        owner.dispose()


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


# A login that owns nothing reads the revision as service_role, when it may become it.
_AS_SERVICE_WHEN_NEEDED = text(
    "SELECT set_config('role', 'service_role', true)"
    " WHERE NOT has_table_privilege(to_regclass('alembic_version'), 'SELECT')"
    " AND pg_has_role(to_regrole('service_role'), 'MEMBER')"
)


def current_revision(engine: Engine) -> str | None:
    with owner_engine(engine) as owner, owner.connect() as connection:
        if owner.dialect.name == "postgresql":
            connection.execute(_AS_SERVICE_WHEN_NEEDED)
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def schema_sql(*, supabase: bool) -> str:
    """Every migration as one PostgreSQL script (Alembic's offline mode), for an empty
    database: ``supabase`` leaves out the roles and ``auth.uid()`` Supabase already has."""
    output = io.StringIO()
    config = Config(output_buffer=output)
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://")
    config.attributes[SUPABASE_ATTRIBUTE] = supabase
    command.upgrade(config, "head", sql=True)
    return output.getvalue()
