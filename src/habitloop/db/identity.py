"""Who a transaction acts as on PostgreSQL: the role and the JWT claims its policies read.

The service logs in as a role that owns nothing and may only become ``authenticated`` or
``service_role``; each transaction names the one it acts as, transaction-local, so a pooled
connection never carries one caller's identity into the next transaction. The identity rides
in the transaction's own ``BEGIN`` (one round trip, as before), see ``engine.py``.

SQLite has no roles: there the application's own scoping is the only one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# The execution option that carries a transaction's identity to its BEGIN.
IDENTITY_OPTION = "habitloop_identity"


class DbRole(StrEnum):
    """The roles the policies are written for (Supabase's names)."""

    ANON = "anon"
    AUTHENTICATED = "authenticated"
    SERVICE = "service_role"


@dataclass(frozen=True, slots=True)
class Identity:
    role: DbRole
    user_id: UUID | None = None

    def __post_init__(self) -> None:
        if self.role is DbRole.AUTHENTICATED and self.user_id is None:
            raise ValueError("an authenticated identity needs the user's id")

    @classmethod
    def user(cls, user_id: UUID) -> Identity:
        return cls(DbRole.AUTHENTICATED, user_id)

    @property
    def claims(self) -> str:
        """``request.jwt.claims`` as Supabase's ``auth.uid()`` reads it."""
        claims = {"role": self.role.value}
        if self.user_id is not None:
            claims["sub"] = str(self.user_id)
        return json.dumps(claims, separators=(",", ":"), sort_keys=True)


SERVICE = Identity(DbRole.SERVICE)
ANON = Identity(DbRole.ANON)
