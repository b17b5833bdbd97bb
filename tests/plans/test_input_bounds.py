"""A plan's date, in the body, the path and the compatibility route: an ISO 8601 string
between 2000-01-01 and the server's today plus the horizon (HABITLOOP_PLAN_HORIZON_DAYS), and
anything else a 422 that says so."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from habitloop.settings import Settings
from tests.conftest import UserHandle, make_settings


def ahead(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


OUT_OF_RANGE = ["0001-01-01", "0001-01-31", "1999-12-31", "2500-01-01", "9999-12-31"]
NOT_ISO_STRINGS: list[object] = [0, 1_700_000_000, 19_000.0, "0", "1700000000", "20261123"]


@pytest.mark.parametrize("day", [*OUT_OF_RANGE, "horizon+1"])
def test_plan_dates_out_of_range_are_422(new_user: Callable[..., UserHandle], day: str) -> None:
    user = new_user()
    day = ahead(367) if day == "horizon+1" else day
    for response in (
        user.plan(day),
        user.client.get(f"/api/v1/users/{user.id}/plans/{day}", headers=user.headers),
        user.client.post(
            f"/api/user/{user.id}/routine/generate", json={"date": day}, headers=user.headers
        ),
    ):
        assert response.status_code == 422, (day, response.text)
        assert response.json()["error"] == "ValidationError"
        assert "must lie between 2000-01-01 and" in response.json()["detail"]


@pytest.mark.parametrize("day", NOT_ISO_STRINGS)
def test_plan_dates_must_be_iso_strings(new_user: Callable[..., UserHandle], day: object) -> None:
    user = new_user()
    for response in (
        user.client.post(
            f"/api/v1/users/{user.id}/plans", json={"date": day}, headers=user.headers
        ),
        user.client.get(f"/api/v1/users/{user.id}/plans/{day}", headers=user.headers),
        user.client.post(
            f"/api/user/{user.id}/routine/generate", json={"date": day}, headers=user.headers
        ),
    ):
        assert response.status_code == 422, (day, response.text)
        assert "ISO 8601" in response.json()["detail"]


def test_plan_dates_up_to_the_horizon_are_served(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    for day in ("2000-01-01", ahead(366)):
        assert user.plan(day).status_code == 201, day
        got = user.client.get(f"/api/v1/users/{user.id}/plans/{day}", headers=user.headers)
        assert got.status_code == 200


@pytest.fixture
def short_horizon(settings: Settings) -> Iterator[TestClient]:
    app = create_app(make_settings(settings.database_url, plan_horizon_days=30))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_horizon_is_a_setting(short_horizon: TestClient) -> None:
    user = UserHandle(short_horizon, uuid.uuid4())
    assert user.put(archetype="peak_performer").status_code == 201
    assert user.plan(ahead(30)).status_code == 201
    refused = user.plan(ahead(31))
    assert refused.status_code == 422
    assert f"and {ahead(30)} (today plus 30 days)" in refused.json()["detail"]


@pytest.mark.parametrize("zone", ["America", "Etc", "Nowhere/City"])
def test_the_routine_refuses_a_zone_that_is_not_a_zone(
    new_user: Callable[..., UserHandle], zone: str
) -> None:
    user = new_user()
    response = user.client.post(
        f"/api/user/{user.id}/routine/generate", json={"timezone": zone}, headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert "timezone" in response.json()["detail"]
