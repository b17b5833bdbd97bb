from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserHandle


def test_create_then_update(new_user: Callable[..., UserHandle]) -> None:
    user = new_user(create=False)
    created = user.put(
        archetype="Peak Performer", wake_time="06:30", categories=["work", "Hydration"]
    )
    assert created.status_code == 201
    body = created.json()
    assert body["archetype"] == "peak_performer"
    assert body["categories"] == ["focus", "hydration"]
    assert body["wake_time"] == "06:30"
    assert body["learning_phase"] == "discovery"

    updated = user.put(archetype="resilience-rebuilder")
    assert updated.status_code == 200
    assert updated.json()["archetype"] == "resilience_rebuilder"
    # Fields left out keep their values.
    assert updated.json()["categories"] == ["focus", "hydration"]


def test_defaults(new_user: Callable[..., UserHandle]) -> None:
    body = new_user(create=False).put(archetype="foundation_builder").json()
    assert body["timezone"] == "UTC"
    assert body["wake_time"] == "07:00" and body["sleep_time"] == "23:00"
    assert len(body["categories"]) == 7


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"archetype": "wizard"}, "unknown archetype"),
        ({}, "archetype"),
        ({"archetype": "peak_performer", "timezone": "Mars/Olympus"}, "time zone"),
        ({"archetype": "peak_performer", "categories": ["juggling"]}, "unknown category"),
        ({"archetype": "peak_performer", "categories": []}, "categories"),
        ({"archetype": "peak_performer", "goals": ["a\x00b"]}, "NUL"),
        ({"archetype": "peak_performer", "wake_time": "25:00"}, "wake_time"),
        ({"archetype": "peak_performer", "surprise": 1}, "surprise"),
        ({"archetype": "peak_performer", "sleep_time": "23:00+16:00"}, "UTC offset"),
        ({"archetype": "peak_performer", "wake_time": "07:00", "sleep_time": "07:00"}, "differ"),
    ],
)
def test_bad_input_is_422_with_a_message(
    new_user: Callable[..., UserHandle], body: dict[str, object], needle: str
) -> None:
    response = new_user(create=False).put(**body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "ValidationError"
    assert needle in payload["detail"]


def test_non_uuid_id_is_422(client: TestClient, new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    response = client.put(
        "/api/v1/users/not-a-uuid", json={"archetype": "peak_performer"}, headers=user.headers
    )
    assert response.status_code == 422


def test_unknown_user_is_404(client: TestClient) -> None:
    user = UserHandle(client, uuid.uuid4())
    response = client.get(f"/api/v1/users/{user.id}", headers=user.headers)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


@pytest.mark.parametrize(
    ("create", "update"),
    [
        ({"wake_time": "23:00"}, None),  # the default sleep time is 23:00
        ({"sleep_time": "07:00"}, None),  # the default wake time is 07:00
        ({"wake_time": "06:00", "sleep_time": "22:00"}, {"wake_time": "22:00"}),
    ],
)
def test_a_day_without_waking_hours_is_refused_and_nothing_changes(
    new_user: Callable[..., UserHandle],
    create: dict[str, str],
    update: dict[str, str] | None,
) -> None:
    user = new_user(create=False)
    if update is None:
        refused = user.put(archetype="peak_performer", **create)
    else:
        assert user.put(archetype="peak_performer", **create).status_code == 201
        refused = user.put(archetype="peak_performer", **update)
    assert refused.status_code == 422, refused.text
    assert "waking hours" in refused.json()["detail"]
    shown = user.client.get(f"/api/v1/users/{user.id}", headers=user.headers)
    assert shown.status_code == (404 if update is None else 200)
    if update is not None:
        assert shown.json()["wake_time"] == "06:00"
