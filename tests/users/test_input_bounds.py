"""A user's text and time zone: what PostgreSQL cannot store, and zones that are not zones,
are refused with a 422 before anything is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import UserHandle
from tests.support.http import escaped

UNSTORABLE = [pytest.param("a\ud800b", id="lone-surrogate"), pytest.param("a\x00b", id="nul")]


@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_in_goals_is_422(new_user: Callable[..., UserHandle], text: str) -> None:
    user = new_user(create=False)
    body = {"archetype": "peak_performer", "goals": ["sleep better", text]}
    response = user.client.put(f"/api/v1/users/{user.id}", **escaped(body, user.headers))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert "goals.1" in response.json()["detail"]


@pytest.mark.parametrize(
    "zone",
    ["America", "Europe", "Etc", "Mars/Olympus", "Europe/", "../../etc/passwd", "localtime", ""],
)
def test_a_time_zone_must_be_a_real_zone(new_user: Callable[..., UserHandle], zone: str) -> None:
    response = new_user(create=False).put(archetype="peak_performer", timezone=zone)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert "timezone" in response.json()["detail"]


@pytest.mark.parametrize("zone", ["Europe/Lisbon", "UTC", "Etc/GMT+5", "America/Argentina/Salta"])
def test_real_zones_are_accepted(new_user: Callable[..., UserHandle], zone: str) -> None:
    response = new_user(create=False).put(archetype="peak_performer", timezone=zone)
    assert response.status_code == 201, response.text
    assert response.json()["timezone"] == zone
