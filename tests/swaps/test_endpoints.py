from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.conftest import UserHandle
from tests.support.http import at, first_item

# A day still ahead, so none of its items has been counted as "no response" yet, and within
# the horizon plans may be made for.
DAY = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


def test_swap_replaces_the_item_and_counts_as_negative_feedback(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    plan = user.plan(DAY).json()
    old = first_item(plan, "movement")
    url = f"/api/v1/users/{user.id}/plans/{DAY}/items/{old['item_id']}/swap"
    swapped = user.client.post(url, json={"reason": "too_hard"}, headers=user.headers)
    assert swapped.status_code == 201, swapped.text
    new = swapped.json()
    assert new["category"] == "movement"
    assert new["variation_group"] != old["variation_group"]
    shown = user.client.get(f"/api/v1/users/{user.id}/plans/{DAY}", headers=user.headers)
    ids = [i["item_id"] for i in shown.json()["items"]]
    assert new["item_id"] in ids and old["item_id"] not in ids
    assert len(ids) == 7
    profile = user.profile(DAY)
    assert (profile["skips"], profile["events"]) == (1, 1)
    assert user.client.post(url, json={}, headers=user.headers).status_code == 409
    gone = user.feedback(old["item_id"], "completed", occurred_at=at(DAY))
    assert gone.status_code == 409


def test_swap_of_unknown_item_is_404(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    user.plan("2026-11-23")
    url = (
        f"/api/v1/users/{user.id}/plans/2026-11-23/items/00000000-0000-4000-8000-000000000000/swap"
    )
    assert user.client.post(url, headers=user.headers).status_code == 404
