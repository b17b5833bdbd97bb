"""The application's parts, wired in one place: the settings, the database at the current
schema with the configured task library loaded, and this process's copy of that library.
The HTTP app, the Python library entry point and the ``plan`` command all start from here."""

from __future__ import annotations

from dataclasses import dataclass

from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import is_up_to_date, upgrade
from habitloop.errors import Unavailable
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache, ensure_configured_library


@dataclass(frozen=True)
class Application:
    settings: Settings
    db: Database
    library: LibraryCache

    @classmethod
    def start(cls, settings: Settings, *, migrate: bool) -> Application:
        """Connect, bring the schema up to date (``migrate``) or refuse one that is behind,
        and load the configured library if the database lacks it."""
        db = Database(create_db_engine(settings), lanes=settings.db_lanes)
        try:
            if not is_up_to_date(db.engine):
                if not migrate:
                    raise Unavailable(
                        "the database schema is not current; run `habitloop db upgrade`"
                    )
                upgrade(db.engine)
            with db.transaction(write=True) as session:
                ensure_configured_library(session, settings)
        except Exception:
            db.dispose()
            raise
        return cls(settings, db, LibraryCache())

    def close(self) -> None:
        self.db.dispose()
