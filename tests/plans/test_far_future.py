"""Plans centuries ahead once moved a user to mastery (which only the service role may set)
and stopped "no response" counting for every real day. The horizon refuses them, and the
user's learning is exactly as it was."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import UserHandle
from tests.support.http import first_item


def test_far_future_plans_are_refused_and_leave_the_learning_phase(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    first = user.plan("2026-11-23")
    assert first.status_code == 201
    before = user.profile("2026-11-24")
    for day in ("2500-01-01", "2999-12-31"):
        response = user.plan(day)
        assert response.status_code == 422, response.text
        assert "must lie between" in response.json()["detail"]
    after = user.profile("2026-11-24")
    assert after["learning_phase"] == before["learning_phase"] == "discovery"
    assert after == before
    shown = user.client.get(f"/api/v1/users/{user.id}", headers=user.headers).json()
    assert shown["learning_phase"] == "discovery"
    # Real days still count: an unanswered item of a past day is a "no response" later on.
    assert user.plan("2026-11-25").status_code == 201
    assert user.profile("2026-11-25")["no_responses"] >= len(first.json()["items"])
    # And answers about the real plan are still taken.
    item = first_item(first.json())
    assert user.feedback(item["item_id"], occurred_at="2026-11-23T12:00:00+00:00").status_code in (
        200,
        201,
    )
