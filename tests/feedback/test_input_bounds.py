"""Answers with text PostgreSQL cannot store (a lone UTF-16 surrogate, a NUL) or a time out of
any sane range are refused with a 422, alone or in a batch, and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import UserHandle
from tests.support.http import at, escaped, first_item

DAY = "2026-11-23"
UNSTORABLE = [pytest.param("a\ud800b", id="lone-surrogate"), pytest.param("a\x00b", id="nul")]
TEXT_FIELDS = ["notes", "idempotency_key", "task_name"]
BAD_MOMENTS: list[object] = [
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1999-12-31T23:59:59+00:00",
    "0001-01-31T12:00:00+00:00",
    1_700_000_000,
    "1700000000",
]


def answer_body(user: UserHandle, **change: Any) -> dict[str, Any]:
    item = first_item(user.plan(DAY).json())
    body = {
        "user_id": str(user.id),
        "plan_item_id": item["item_id"],
        "status": "completed",
        "occurred_at": at(DAY),
    }
    return {**body, **change}


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_in_an_answer_is_422(
    new_user: Callable[..., UserHandle], field: str, text: str
) -> None:
    user = new_user()
    body = answer_body(user, **{field: text})
    response = user.client.post("/api/v1/feedback/task", **escaped(body, user.headers))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert user.profile(DAY)["events"] == 0


@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_in_a_batch_event_fails_that_event_alone(
    new_user: Callable[..., UserHandle], text: str
) -> None:
    user = new_user()
    plan = user.plan(DAY).json()
    good, bad, worse = plan["items"][:3]
    events = [
        {"user_id": str(user.id), "plan_item_id": good["item_id"], "status": "completed"},
        {"user_id": str(user.id), "plan_item_id": bad["item_id"], "status": "completed"},
        {"user_id": str(user.id), "plan_item_id": worse["item_id"], "status": "skipped"},
    ]
    events[1]["idempotency_key"] = text
    events[2][f"note{text}"] = "a key no one could store"
    for event in events:
        event["occurred_at"] = at(DAY)
    response = user.client.post(
        "/api/v1/feedback/batch", **escaped({"events": events}, user.headers)
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status_code"] for r in results] == [201, 422, 422]
    assert all("\ud800" not in (r["detail"] or "") for r in results)
    assert user.profile(DAY)["events"] == 1


@pytest.mark.parametrize("moment", BAD_MOMENTS)
def test_a_time_out_of_range_or_not_iso_is_422(
    new_user: Callable[..., UserHandle], moment: object
) -> None:
    user = new_user()
    body = answer_body(user, occurred_at=moment)
    response = user.client.post("/api/v1/feedback/task", json=body, headers=user.headers)
    assert response.status_code == 422, response.text
    assert "occurred_at" in response.json()["detail"]
    batch = user.client.post(
        "/api/v1/feedback/batch", json={"events": [body]}, headers=user.headers
    )
    assert batch.status_code == 200, batch.text
    assert batch.json()["results"][0]["status_code"] == 422
    assert user.profile(DAY)["events"] == 0
