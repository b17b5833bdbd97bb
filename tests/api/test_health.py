from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import UserHandle


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}


def test_detailed_health_reports_database_library_and_flags(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    body = client.get("/api/health/detailed").json()
    assert body["database"]["status"] == "ok"
    assert body["library"]["version"] == "v1" and body["library"]["tasks"] >= 70
    assert body["flags"]["rotation_threshold_hours"] == 48
    assert set(body["success_metrics"]) >= {"users", "plans", "variety_share"}


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


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_openapi_document_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/users/{user_id}/plans" in spec["paths"]
