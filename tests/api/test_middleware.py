"""The app's middleware: the request body limit and the per-route request metrics."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import UserHandle


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
    text = client.get("/metrics").text
    assert (
        'habitloop_http_requests_total{method="POST",route="/api/v1/users/{user_id}/plans",status="201"}'
        in text
    )
    assert "habitloop_plans_generated_total" in text
