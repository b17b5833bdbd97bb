"""The issue's scripted user, driven through the API: learning shows in the profile and phase."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from tests.conftest import UserHandle, auth


def day(n: int) -> str:
    return (date(2026, 3, 1) + timedelta(days=n - 1)).isoformat()


def answer_day(user: UserHandle, n: int, rule: Callable[[dict[str, Any]], str | None]) -> None:
    plan = user.plan(day(n), strategy="adaptive").json()
    for item in plan["items"]:
        status = rule(item)
        if status is not None:
            response = user.feedback(
                item["item_id"], status, occurred_at=f"{day(n)}T20:00:00+00:00"
            )
            assert response.status_code == 201, response.text


def movement_yes_nutrition_no(item: dict[str, Any]) -> str | None:
    return {"movement": "completed", "nutrition": "skipped"}.get(item["category"])


def test_movement_rises_above_nutrition_within_five_days(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user("connected_explorer")
    start = user.profile(day(1))
    assert start["learning_phase"] == "discovery"
    for n in range(1, 6):
        answer_day(user, n, movement_yes_nutrition_no)
    learned = user.profile(day(5))
    affinity = learned["category_affinity"]
    assert affinity["movement"] > affinity["nutrition"]
    assert affinity["movement"] > start["category_affinity"]["movement"]
    assert affinity["nutrition"] < start["category_affinity"]["nutrition"]


def test_one_completion_a_day_reaches_establishment_on_day_eight(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user("foundation_builder")
    phases = []
    for n in range(1, 9):
        plan = user.plan(day(n), strategy="adaptive").json()
        phases.append(plan["learning_phase"])
        movement = next(i for i in plan["items"] if i["category"] == "movement")
        user.feedback(movement["item_id"], "completed", occurred_at=f"{day(n)}T20:00:00+00:00")
    assert phases == ["discovery"] * 7 + ["establishment"]


def test_fifteen_completions_reach_establishment_before_day_eight(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user("peak_performer")
    phases = []
    for n in range(1, 5):
        plan = user.plan(day(n), strategy="adaptive").json()
        phases.append(plan["learning_phase"])
        for item in plan["items"]:
            user.feedback(item["item_id"], "completed", occurred_at=f"{day(n)}T20:00:00+00:00")
    # 7 completions a day: the 15th comes on day 3, so day 4's plan is in establishment.
    assert phases[:3] == ["discovery"] * 3
    assert phases[3] == "establishment"


def test_service_role_can_pin_a_phase(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    url = f"/api/v1/users/{user.id}/phase"
    assert user.client.put(url, json={"phase": "mastery"}, headers=user.headers).status_code == 403
    pinned = user.client.put(url, json={"phase": "Mastery"}, headers=auth(None, service=True))
    assert pinned.status_code == 200, pinned.text
    assert user.plan(day(1), strategy="adaptive").json()["learning_phase"] == "mastery"


def test_bandit_strategy_logs_bounded_propensities_and_learns_in_the_feedback_transaction(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user("systematic_improver")
    seen: list[float] = []
    for n in range(1, 4):
        plan = user.plan(day(n), strategy="bandit").json()
        assert plan["strategy"] == "bandit" and plan["fallback_reason"] is None
        seen.extend(i["propensity"] for i in plan["items"])
        for item in plan["items"]:
            status = "completed" if item["category"] == "focus" else "skipped"
            user.feedback(item["item_id"], status, occurred_at=f"{day(n)}T20:00:00+00:00")
    assert all(0.05 - 1e-9 <= p <= 1.0 for p in seen)
    assert "expected completion" in plan["items"][0]["reason"]


def test_the_phase_starts_with_the_first_learning_plan(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    assert user.plan(day(1), strategy="static").status_code == 201
    assert user.profile(day(3))["phase_since"] is None
    assert user.plan(day(2), strategy="adaptive").status_code == 201
    for as_of in (day(2), day(5)):
        assert user.profile(as_of)["phase_since"] == day(2)
