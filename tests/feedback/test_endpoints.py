from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from habitloop.settings import Settings
from tests.conftest import UserHandle, make_settings
from tests.support.http import at, first_item


def test_record_then_repeat_returns_the_same_id(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json())
    first = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "recorded"
    again = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23", "13:00"))
    assert again.status_code == 200
    assert again.json() == {"feedback_id": first.json()["feedback_id"], "status": "duplicate"}
    profile = user.profile("2026-11-23")
    assert profile["events"] == 1 and profile["completions"] == 1


def test_idempotency_key(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    plan = user.plan("2026-11-23").json()
    one, two = plan["items"][0], plan["items"][1]
    first = user.feedback(one["item_id"], "skipped", key="k-1", occurred_at=at("2026-11-23"))
    assert first.status_code == 201
    repeat = user.feedback(one["item_id"], "skipped", key="k-1", occurred_at=at("2026-11-23"))
    assert repeat.status_code == 200
    assert repeat.json()["feedback_id"] == first.json()["feedback_id"]
    reused = user.feedback(two["item_id"], "completed", key="k-1", occurred_at=at("2026-11-23"))
    assert reused.status_code == 409


def test_a_changed_status_is_an_update_the_profile_sees_once(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json())
    first = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
    changed = user.feedback(
        item["item_id"], "skipped", skip_reason="no_time", occurred_at=at("2026-11-23", "18:00")
    )
    assert changed.status_code == 200
    assert changed.json() == {"feedback_id": first.json()["feedback_id"], "status": "updated"}
    profile = user.profile("2026-11-23")
    assert (profile["events"], profile["completions"], profile["skips"]) == (1, 0, 1)


def test_feedback_by_task_library_id_attaches_to_the_days_item(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json())
    response = user.client.post(
        "/api/v1/feedback/task",
        json={
            "user_id": str(user.id),
            "task_library_id": item["task_id"],
            "completed": True,
            "occurred_at": at("2026-11-23"),
        },
        headers=user.headers,
    )
    assert response.status_code == 201
    again = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
    assert again.json()["feedback_id"] == response.json()["feedback_id"]


def test_feedback_by_task_name_attaches_to_the_days_item(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json(), "hydration")
    response = user.client.post(
        "/api/v1/feedback/task",
        json={
            "user_id": str(user.id),
            "task_name": item["name"].upper(),
            "category": "hydration",
            "completed": True,
            "occurred_at": at("2026-11-23"),
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    again = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
    assert again.json() == {"feedback_id": response.json()["feedback_id"], "status": "duplicate"}


@pytest.mark.parametrize(
    ("task_name", "category"),
    [
        ("  glass OF water   on waking ", None),
        ("glass-of-water-on-waking", "hydration"),
        ("Glass-Of-Water-On-Waking", None),
    ],
)
def test_a_task_name_or_slug_is_matched_in_any_case(
    new_user: Callable[..., UserHandle], task_name: str, category: str | None
) -> None:
    user = new_user()
    body = {"user_id": str(user.id), "task_name": task_name, "completed": False}
    if category is not None:
        body["category"] = category
    response = user.client.post("/api/v1/feedback/task", json=body, headers=user.headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"task_name": "Morning Lemon Water"}, "no task named 'Morning Lemon Water' in the"),
        (
            {"task_name": "Glass of water on waking", "category": "movement"},
            "in category movement",
        ),
        ({"task_name": "Glass of water on waking", "category": "snacks"}, "category"),
        ({"task_name": ""}, "task_name"),
    ],
)
def test_a_task_name_that_names_no_task_is_422(
    new_user: Callable[..., UserHandle], change: dict[str, str], says: str
) -> None:
    user = new_user()
    body = {"user_id": str(user.id), "completed": True, **change}
    response = user.client.post("/api/v1/feedback/task", json=body, headers=user.headers)
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert user.profile()["events"] == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"satisfaction_rating": 9}, 422),
        ({"satisfaction_rating": 0}, 422),
        ({"status": "finished"}, 422),
        ({"skip_reason": "bored", "status": "skipped"}, 422),
        ({"skip_reason": "too_hard", "status": "completed"}, 422),
        ({"notes": "x" * 501}, 422),
        ({"notes": "bad\x00note"}, 422),
        ({"occurred_at": "2999-01-01T00:00:00+00:00"}, 422),
        ({"occurred_at": "2026-11-22T12:00:00+00:00"}, 422),
        ({"occurred_at": "2026-11-23T12:00:00"}, 422),
        ({"continue_preference": "perhaps"}, 422),
        ({"plan_item_id": None}, 422),
        ({"plan_item_id": "00000000-0000-4000-8000-000000000000"}, 404),
        ({"status": None, "completed": None}, 422),
        ({"status": "completed", "completed": False}, 422),
    ],
)
def test_bad_feedback_is_4xx_and_changes_nothing(
    new_user: Callable[..., UserHandle], change: dict[str, Any], status: int
) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json())
    body = {
        "user_id": str(user.id),
        "plan_item_id": item["item_id"],
        "status": "completed",
        "occurred_at": at("2026-11-23"),
        **change,
    }
    body = {k: v for k, v in body.items() if v is not None}
    response = user.client.post("/api/v1/feedback/task", json=body, headers=user.headers)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "detail"}
    assert user.profile("2026-11-23")["events"] == 0


def test_another_users_item_reveals_nothing(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    owner = new_user()
    item = first_item(owner.plan("2026-11-23").json())
    intruder = new_user()
    as_self = intruder.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
    assert as_self.status_code == 404
    # Exactly what an id that exists nowhere gets: nothing tells the two apart.
    assert as_self.json()["detail"] == f"plan item {item['item_id']} not found"
    as_owner = client.post(
        "/api/v1/feedback/task",
        json={"user_id": str(owner.id), "plan_item_id": item["item_id"], "status": "completed"},
        headers=intruder.headers,
    )
    assert as_owner.status_code == 403
    assert owner.profile("2026-11-23")["events"] == 0


def test_collection_switched_off_stores_nothing_and_says_so(
    settings: Settings, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    item = first_item(user.plan("2026-11-23").json())
    off = make_settings(settings.database_url, feedback_collection_enabled=False)
    with TestClient(create_app(off)) as client:
        user.client = client
        response = user.feedback(item["item_id"], "completed", occurred_at=at("2026-11-23"))
        assert response.status_code == 503
        assert "FEEDBACK_COLLECTION_ENABLED" in response.json()["detail"]
        assert user.profile("2026-11-23")["events"] == 0


def test_batch_keeps_good_events_when_one_is_bad(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    plan = user.plan("2026-11-23").json()
    good = [
        {
            "user_id": str(user.id),
            "plan_item_id": i["item_id"],
            "status": "completed",
            "occurred_at": at("2026-11-23"),
        }
        for i in plan["items"][:3]
    ]
    bad = {**good[0], "satisfaction_rating": 9}
    stranger = {**good[1], "plan_item_id": "00000000-0000-4000-8000-000000000000"}
    response = user.client.post(
        "/api/v1/feedback/batch",
        json={"events": [good[0], bad, good[1], stranger, good[2], good[0]]},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    codes = [r["status_code"] for r in body["results"]]
    assert codes == [201, 422, 201, 404, 201, 200]
    assert (body["recorded"], body["duplicates"], body["failed"]) == (3, 1, 2)
    assert user.profile("2026-11-23")["completions"] == 3


def test_batch_limits(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    url = "/api/v1/feedback/batch"
    assert user.client.post(url, json={"events": []}, headers=user.headers).status_code == 422
    many = {"events": [{"user_id": str(user.id)}] * 501}
    assert user.client.post(url, json=many, headers=user.headers).status_code == 422


def test_unanswered_items_count_as_not_completed_next_time(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    user.plan("2026-11-23")
    tomorrow = user.plan("2026-11-24").json()
    user.feedback(first_item(tomorrow)["item_id"], "completed", occurred_at=at("2026-11-24"))
    profile = user.profile("2026-11-24")
    assert profile["no_responses"] == 7
    assert profile["completions"] == 1
    # Answering an item of the settled day late takes the place of its "no response", exactly
    # once. Day two's answer waits to be learned from, so nothing has stored day one's "no
    # response" yet: to the service this is the item's first answer.
    day_one = user.client.get(f"/api/v1/users/{user.id}/plans/2026-11-23", headers=user.headers)
    late = user.feedback(
        first_item(day_one.json())["item_id"], "completed", occurred_at=at("2026-11-24", "20:00")
    )
    assert late.status_code == 201 and late.json()["status"] == "recorded"
    profile = user.profile("2026-11-24")
    assert (profile["no_responses"], profile["completions"], profile["events"]) == (6, 2, 8)
