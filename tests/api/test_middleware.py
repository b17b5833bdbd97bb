"""The app's middleware: the request body limit and the per-route request metrics."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import UserHandle, auth


def test_a_huge_body_is_413(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    blob = "x" * (5 * 1024 * 1024)
    response = user.client.post(
        f"/api/v1/users/{user.id}/plans",
        content=f'{{"date": "2026-11-23", "pad": "{blob}"}}',
        headers={**user.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"


def test_metrics_count_requests_by_route(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    user.plan("2026-11-23")
    text = client.get("/metrics", headers=auth(None, service=True)).text
    assert (
        'habitloop_http_requests_total{handler="/api/v1/users/{user_id}/plans",method="POST",status="201"}'
        in text
    )
    assert "habitloop_plans_generated_total" in text
    for step in ("load", "select", "persist"):
        assert f'habitloop_plan_step_seconds_count{{step="{step}"}}' in text
    assert 'habitloop_db_turn_wait_seconds_count{kind="write"}' in text
    assert "habitloop_db_pool_connections_in_use" in text
