"""Changed answers in a batch, on both databases: each rewritten in place, all of them in one
statement, the later of two changes of one answer winning and a change without a key keeping
the key stored with the answer."""

from __future__ import annotations

from habitloop.db import Database
from habitloop.models import ProfileRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.feedback.test_batch import DAY, event, run
from tests.support.domain import feedback_rows, learn_waiting, user_with_plan
from tests.support.statements import counting


def test_a_batchs_changed_answers_are_rewritten_in_one_statement(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    users = [user_with_plan(db, settings, cache, DAY) for _ in range(3)]
    first = [
        event(user_id, plan.items[i].item_id, idempotency_key=f"k-{user_id}-{i}")
        for user_id, plan in users
        for i in range(2)
    ]
    assert run(db, settings, first).recorded == 6
    changes = [
        event(user_id, plan.items[i].item_id, status="skipped", skip_reason="no_time")
        for user_id, plan in users
        for i in range(2)
    ]
    twice_id, twice_plan = users[0]
    changes.append(event(twice_id, twice_plan.items[0].item_id, status="partial"))
    with counting(db.engine) as statements:
        out = run(db, settings, changes)
    assert (out.updated, out.recorded, out.failed) == (7, 0, 0)
    rewrites = [s for s in statements if s.startswith("UPDATE feedback ")]
    assert len(rewrites) == 1, rewrites
    with db.transaction(write=False) as session:
        rows = {user_id: feedback_rows(session, user_id) for user_id, _ in users}
    for user_id, plan in users:
        found = sorted(
            (r.plan_item_id, r.outcome, r.skip_reason, r.revision, r.idempotency_key)
            for r in rows[user_id]
        )
        twice = user_id == twice_id
        assert found == sorted(
            [
                (
                    plan.items[0].item_id,
                    "partial" if twice else "skipped",
                    None if twice else "no_time",
                    2 if twice else 1,
                    f"k-{user_id}-0",
                ),
                (plan.items[1].item_id, "skipped", "no_time", 1, f"k-{user_id}-1"),
            ]
        )
    # Learned from once each, as last changed.
    for user_id, _ in users:
        assert learn_waiting(db, settings, user_id) == 2
        with db.transaction(write=False) as session:
            profile = session.get(ProfileRow, user_id)
        assert profile is not None and (profile.events, profile.completions) == (2, 0)
