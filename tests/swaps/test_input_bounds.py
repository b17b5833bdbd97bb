"""A swap's reason and its path's date are held to what every request's are: storable text,
and an ISO date in range."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import UserHandle
from tests.support.http import escaped, first_item

DAY = "2026-11-23"


@pytest.mark.parametrize("reason", ["too\ud800hard", "too\x00hard"], ids=["surrogate", "nul"])
def test_unstorable_text_in_a_swap_reason_is_422(
    new_user: Callable[..., UserHandle], reason: str
) -> None:
    user = new_user()
    plan = user.plan(DAY).json()
    item = first_item(plan, "movement")
    url = f"/api/v1/users/{user.id}/plans/{DAY}/items/{item['item_id']}/swap"
    response = user.client.post(url, **escaped({"reason": reason}, user.headers))
    assert response.status_code == 422, response.text
    shown = user.client.get(f"/api/v1/users/{user.id}/plans/{DAY}", headers=user.headers)
    assert shown.json() == plan


@pytest.mark.parametrize("day", ["0", "0001-01-01", "9999-12-31", "20261123"])
def test_a_swap_path_date_out_of_range_or_not_iso_is_422(
    new_user: Callable[..., UserHandle], day: str
) -> None:
    user = new_user()
    item = first_item(user.plan(DAY).json())
    url = f"/api/v1/users/{user.id}/plans/{day}/items/{item['item_id']}/swap"
    response = user.client.post(url, json={}, headers=user.headers)
    assert response.status_code == 422, response.text
    assert "plan_date" in response.json()["detail"]
