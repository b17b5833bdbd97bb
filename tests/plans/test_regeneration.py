"""Regenerating a day's plan: never once the user has answered about it (the answers would
point at items that no longer exist), and the decision log keeps only the plan's current
revision."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from habitloop.db import Database
from habitloop.models import DecisionRow
from tests.conftest import UserHandle
from tests.support.http import at, first_item

DAY = "2026-11-23"
REGENERATIONS = 12


def decision_items(db: Database, user_id: uuid.UUID) -> list[uuid.UUID]:
    with db.transaction(write=False) as session:
        rows = session.execute(select(DecisionRow.item_id).where(DecisionRow.user_id == user_id))
        return sorted(item_id for (item_id,) in rows)


def test_regenerating_an_answered_plan_is_409_and_keeps_the_answer(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    plan = user.plan(DAY).json()
    item = first_item(plan)
    answered = user.feedback(item["item_id"], occurred_at=at(DAY), key="first-answer")
    assert answered.status_code == 201

    refused = user.plan(DAY, regenerate=True)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "Conflict"
    assert "already has answers about 1 of its items" in refused.json()["detail"]
    assert "/swap" in refused.json()["detail"]

    shown = user.client.get(f"/api/v1/users/{user.id}/plans/{DAY}", headers=user.headers)
    assert shown.json() == plan
    # The answer is still about an item of the plan: sent again, it is the same answer.
    again = user.feedback(item["item_id"], occurred_at=at(DAY), key="first-answer")
    assert again.status_code == 200
    assert again.json()["feedback_id"] == answered.json()["feedback_id"]
    assert user.profile(DAY)["completions"] == 1


def test_regenerating_after_a_swap_is_409(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    plan = user.plan(DAY).json()
    item = first_item(plan, "movement")
    url = f"/api/v1/users/{user.id}/plans/{DAY}/items/{item['item_id']}/swap"
    assert user.client.post(url, json={}, headers=user.headers).status_code == 201
    refused = user.plan(DAY, regenerate=True)
    assert refused.status_code == 409, refused.text
    assert "a swap counts as one" in refused.json()["detail"]


def test_force_refresh_of_an_answered_day_is_409(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    url = f"/api/user/{user.id}/routine/generate"
    routine = user.client.post(url, json={"date": DAY}, headers=user.headers).json()
    task = routine["routine_plan"]["time_blocks"][0]["tasks"][0]
    assert user.feedback(task["item_id"], occurred_at=at(DAY)).status_code == 201
    body = {"date": DAY, "preferences": {"force_refresh": True}}
    refused = user.client.post(url, json=body, headers=user.headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "Conflict"


def test_an_unanswered_plan_is_still_regenerated(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    first = user.plan(DAY).json()
    second = user.plan(DAY, regenerate=True)
    assert second.status_code == 201
    assert second.json()["revision"] == first["revision"] + 1


def test_the_decision_log_keeps_only_the_current_revision(
    new_user: Callable[..., UserHandle], db: Database
) -> None:
    user = new_user()
    other_day = user.plan("2026-11-22").json()
    plan = user.plan(DAY).json()
    for _ in range(REGENERATIONS):
        regenerated = user.plan(DAY, regenerate=True)
        assert regenerated.status_code == 201
        plan = regenerated.json()
    assert plan["revision"] == REGENERATIONS
    kept = sorted(uuid.UUID(i["item_id"]) for i in [*other_day["items"], *plan["items"]])
    assert decision_items(db, user.id) == kept


def test_a_swap_after_regenerations_keeps_its_decision(
    new_user: Callable[..., UserHandle], db: Database, client: TestClient
) -> None:
    user = new_user()
    user.plan(DAY)
    plan = user.plan(DAY, regenerate=True).json()
    item = first_item(plan, "movement")
    url = f"/api/v1/users/{user.id}/plans/{DAY}/items/{item['item_id']}/swap"
    new = client.post(url, json={}, headers=user.headers).json()
    expected = sorted(uuid.UUID(i["item_id"]) for i in [*plan["items"], new])
    assert decision_items(db, user.id) == expected


def test_the_rule_is_in_the_openapi_description(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    plans = paths["/api/v1/users/{user_id}/plans"]["post"]["description"]
    routine = paths["/api/user/{user_id}/routine/generate"]["post"]["description"]
    assert "`regenerate` is then refused with 409" in plans
    assert "`force_refresh` is then refused with 409" in routine
