"""Two requests for one user and date at once make one plan, on both databases."""

from __future__ import annotations

import threading
import uuid
from datetime import date

from sqlalchemy import func, select

from habitloop.db import Database
from habitloop.models import PlanRow, RotationRow
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


def test_concurrent_requests_for_one_date_make_one_plan(db: Database, settings: Settings) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
    cache = LibraryCache()
    barrier = threading.Barrier(6)
    plan_ids: list[uuid.UUID] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            barrier.wait()
            with db.transaction() as session:
                result = generate_plan(
                    session,
                    settings=settings,
                    library_cache=cache,
                    user_id=user_id,
                    request=PlanIn(date=date(2026, 11, 23)),
                )
            plan_ids.append(result.plan.plan_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(plan_ids)) == 1
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).where(PlanRow.user_id == user_id)) == 1
        counts = session.scalars(
            select(RotationRow.use_count).where(RotationRow.user_id == user_id)
        )
        assert list(counts) == [1] * 7
