from __future__ import annotations

from sqlalchemy import text

from habitloop.db import Database, create_db_engine
from tests.conftest import make_settings


def test_sqlite_runs_wal_with_foreign_keys_and_a_busy_timeout(tmp_sqlite_url: str) -> None:
    db = Database(create_db_engine(make_settings(tmp_sqlite_url)))
    try:
        with db.transaction(write=False) as session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
            assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        db.dispose()


def test_a_failed_transaction_writes_nothing(tmp_sqlite_url: str) -> None:
    db = Database(create_db_engine(make_settings(tmp_sqlite_url)))
    try:
        with db.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        try:
            with db.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        with db.transaction(write=False) as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        db.dispose()
