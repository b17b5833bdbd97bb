"""A check-in's date: an ISO date between 2000-01-01 and the horizon, or a 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import UserHandle


@pytest.mark.parametrize(
    "day", ["0001-01-01", "1999-12-31", "9999-12-31", 0, 1_700_000_000, "0", "far-ahead"]
)
def test_a_checkin_date_out_of_range_or_not_iso_is_422(
    new_user: Callable[..., UserHandle], day: object
) -> None:
    user = new_user()
    if day == "far-ahead":
        day = (datetime.now(UTC).date() + timedelta(days=367)).isoformat()
    response = user.client.post(
        f"/api/v1/users/{user.id}/checkins", json={"date": day, "energy": 3}, headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert "date" in response.json()["detail"]
