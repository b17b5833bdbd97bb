"""Ids of new rows: time-ordered (UUID version 7), so the rows a user gains together sit
together in every index keyed by ``(user_id, id)``.

With random ids (version 4) each of a plan's items, decisions and settled answers lands on its
own page of the user's part of those indexes, and that part grows with the user's history, so
a plan wrote more pages the longer its user had answered. Ordered by time, new rows append to
the end of the user's range. The id reveals when its row was made, which the row's own
timestamps say anyway.
"""

from __future__ import annotations

from uuid import UUID

from uuid_utils.compat import uuid7


def new_id() -> UUID:
    return uuid7()
