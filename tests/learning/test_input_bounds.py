"""The profile's ``as_of``: an ISO date between 2000-01-01 and the horizon, or a 422 (days in
January of year 1 once overflowed the profile's date arithmetic into a 500)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import UserHandle


def far_ahead() -> str:
    return (datetime.now(UTC).date() + timedelta(days=367)).isoformat()


@pytest.mark.parametrize(
    "as_of", ["0001-01-01", "0001-01-15", "0001-02-01", "1999-12-31", "9999-12-31", "far-ahead"]
)
def test_as_of_out_of_range_is_422(new_user: Callable[..., UserHandle], as_of: str) -> None:
    user = new_user()
    as_of = far_ahead() if as_of == "far-ahead" else as_of
    response = user.client.get(
        f"/api/v1/feedback/profile/{user.id}?as_of={as_of}", headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert "as_of" in response.json()["detail"]
    assert "must lie between 2000-01-01 and" in response.json()["detail"]


@pytest.mark.parametrize("as_of", ["0", "1700000000", "20261123"])
def test_as_of_must_be_an_iso_date(new_user: Callable[..., UserHandle], as_of: str) -> None:
    user = new_user()
    response = user.client.get(
        f"/api/v1/feedback/profile/{user.id}?as_of={as_of}", headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert "ISO 8601" in response.json()["detail"]


def test_as_of_in_range_is_served(new_user: Callable[..., UserHandle]) -> None:
    assert new_user().profile("2000-01-01")["as_of"] == "2000-01-01"
