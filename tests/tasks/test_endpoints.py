"""The library over HTTP. Writes go to a database of their own: other tests keep the shipped one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from tests.conftest import auth, make_settings

SERVICE = auth(None, service=True)


@pytest.fixture(scope="module")
def library_client(library_database_url: str) -> Iterator[TestClient]:
    settings = make_settings(library_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def new_task(**overrides: Any) -> dict[str, Any]:
    task = {
        "id": str(uuid.uuid4()),
        "slug": f"test-task-{uuid.uuid4().hex[:8]}",
        "name": "Stretch by the window",
        "description": "Stand by a window and stretch your arms overhead for two minutes.",
        "category": "movement",
        "subcategory": "stretching",
        "variation_group": "window-stretch",
        "time_of_day": "any",
        "duration_minutes": 2,
        "difficulty": "easy",
        "archetype_fit": {
            "foundation_builder": 0.9,
            "transformation_seeker": 0.2,
            "peak_performer": 0.3,
            "systematic_improver": 0.5,
            "resilience_rebuilder": 0.8,
            "connected_explorer": 0.4,
        },
        "mode_fit": {"low": 0.9, "medium": 0.7, "high": 0.3},
        "tags": ["quick", "gentle"],
        "active": True,
    }
    task.update(overrides)
    return task


def test_list_and_filter(library_client: TestClient) -> None:
    everything = library_client.get("/api/v1/tasks", headers=auth(uuid.uuid4())).json()
    assert len(everything) >= 70
    focus = library_client.get("/api/v1/tasks?category=work", headers=auth(uuid.uuid4())).json()
    assert focus and {t["category"] for t in focus} == {"focus"}
    assert isinstance(focus[0]["archetype_fit"], dict)
    bad = library_client.get("/api/v1/tasks?category=juggling", headers=auth(uuid.uuid4()))
    assert bad.status_code == 422


def test_service_role_creates_and_updates_a_task(library_client: TestClient) -> None:
    task = new_task()
    created = library_client.post("/api/v1/tasks", json=task, headers=SERVICE)
    assert created.status_code == 201, created.text
    again = library_client.post("/api/v1/tasks", json=task, headers=SERVICE)
    assert again.status_code == 409

    changed = {**task, "name": "Stretch at the window", "duration_minutes": 3}
    updated = library_client.put(f"/api/v1/tasks/{task['id']}", json=changed, headers=SERVICE)
    assert updated.status_code == 200, updated.text
    fetched = library_client.get(f"/api/v1/tasks/{task['id']}", headers=SERVICE).json()
    assert fetched["name"] == "Stretch at the window" and fetched["duration_minutes"] == 3


def test_a_new_task_can_be_planned_at_once(library_client: TestClient) -> None:
    user = uuid.uuid4()
    headers = auth(user)
    library_client.put(
        f"/api/v1/users/{user}",
        json={"archetype": "foundation_builder", "categories": ["movement"]},
        headers=headers,
    )
    task = new_task(
        variation_group="perfect-fit",
        archetype_fit=dict.fromkeys(
            [
                "foundation_builder",
                "transformation_seeker",
                "peak_performer",
                "systematic_improver",
                "resilience_rebuilder",
                "connected_explorer",
            ],
            1.0,
        ),
        mode_fit={"low": 1.0, "medium": 1.0, "high": 1.0},
    )
    assert library_client.post("/api/v1/tasks", json=task, headers=SERVICE).status_code == 201
    plan = library_client.post(
        f"/api/v1/users/{user}/plans",
        json={"date": "2026-11-23", "strategy": "static"},
        headers=headers,
    ).json()
    assert plan["items"][0]["task_id"] == task["id"]


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"archetype_fit": '{"peak_performer": 1}'}, "mapping"),
        ({"category": "juggling"}, "unknown category"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"mode_fit": {"low": 1.5, "medium": 0.5, "high": 0.5}}, "mode_fit"),
        ({"name": "bad\x00name"}, "NUL"),
    ],
)
def test_invalid_tasks_are_422(
    library_client: TestClient, overrides: dict[str, Any], needle: str
) -> None:
    response = library_client.post("/api/v1/tasks", json=new_task(**overrides), headers=SERVICE)
    assert response.status_code == 422, response.text
    assert needle in response.json()["detail"]


def test_a_change_that_would_empty_the_rotation_is_refused(library_client: TestClient) -> None:
    tasks = library_client.get("/api/v1/tasks?category=sleep&active=true", headers=SERVICE).json()
    groups = sorted({t["variation_group"] for t in tasks})
    # Deactivate every task of all but three groups, one at a time, until the library refuses.
    refused = None
    for task in tasks:
        if task["variation_group"] in groups[:3]:
            continue
        response = library_client.put(
            f"/api/v1/tasks/{task['id']}", json={**task, "active": False}, headers=SERVICE
        )
        if response.status_code != 200:
            refused = response
            break
    assert refused is not None and refused.status_code == 422
    assert "variation group" in refused.json()["detail"]


def test_path_and_body_ids_must_agree(library_client: TestClient) -> None:
    task = new_task()
    response = library_client.put(f"/api/v1/tasks/{uuid.uuid4()}", json=task, headers=SERVICE)
    assert response.status_code == 422
