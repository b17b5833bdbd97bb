"""Engine and session factory."""

from habitloop.db.engine import create_db_engine
from habitloop.db.identity import ANON, SERVICE, DbRole, Identity
from habitloop.db.session import Database, lock_key, lock_user, lock_users

__all__ = [
    "ANON",
    "SERVICE",
    "Database",
    "DbRole",
    "Identity",
    "create_db_engine",
    "lock_key",
    "lock_user",
    "lock_users",
]
