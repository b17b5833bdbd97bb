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
