"""Engine and session factory."""

from habitloop.db.engine import create_db_engine
from habitloop.db.session import Database, lock_user

__all__ = ["Database", "create_db_engine", "lock_user"]
