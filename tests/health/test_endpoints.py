"""Health checks and metrics: the plain check is open to anyone; the detailed one and the
metrics count users and plans, so only a service_role token or the metrics token reads them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator

import jwt
import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from habitloop.settings import Settings
from tests.conftest import UserHandle, auth, make_settings

PROTECTED = ("/api/health/detailed", "/metrics")
METRICS_TOKEN = secrets.token_urlsafe(32)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def monitored(settings: Settings) -> Iterator[TestClient]:
    """The app with a metrics token configured, as a Prometheus deployment runs it."""
    configured = make_settings(settings.database_url, metrics_token=METRICS_TOKEN)
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client


def test_health_is_open_to_anyone(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}
    bad = client.get("/api/health", headers=bearer("not-a-jwt"))
    assert bad.json() == {"status": "ok"}


def test_detailed_health_reports_database_library_and_flags(
    client: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    new_user()
    body = client.get("/api/health/detailed", headers=auth(None, service=True)).json()
    assert body["database"]["status"] == "ok"
    assert body["library"]["version"] == "v1" and body["library"]["tasks"] >= 70
    assert body["flags"]["rotation_threshold_hours"] == 48
    assert set(body["success_metrics"]) >= {"users", "plans", "variety_share"}


@pytest.mark.parametrize("path", PROTECTED)
def test_without_credentials_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "Unauthorized"
    assert "users" not in response.text and "habitloop_" not in response.text


@pytest.mark.parametrize("path", PROTECTED)
def test_a_user_token_is_403(client: TestClient, path: str) -> None:
    response = client.get(path, headers=auth(uuid.uuid4()))
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "Forbidden"


@pytest.mark.parametrize("path", PROTECTED)
def test_a_forged_service_token_is_401(client: TestClient, path: str) -> None:
    forged = jwt.encode({"role": "service_role", "exp": 4_000_000_000}, "y" * 40, "HS256")
    assert client.get(path, headers=bearer(forged)).status_code == 401


@pytest.mark.parametrize("path", PROTECTED)
def test_a_service_token_reads_them(client: TestClient, path: str) -> None:
    assert client.get(path, headers=auth(None, service=True)).status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
def test_the_metrics_token_reads_them(monitored: TestClient, path: str) -> None:
    response = monitored.get(path, headers=bearer(METRICS_TOKEN))
    assert response.status_code == 200, response.text
    # A token one character off, or the right one on a server that has none, is refused.
    near = METRICS_TOKEN[:-1] + ("A" if METRICS_TOKEN[-1] != "A" else "B")
    assert monitored.get(path, headers=bearer(near)).status_code == 401


def test_the_metrics_token_is_refused_where_none_is_configured(client: TestClient) -> None:
    assert client.get("/metrics", headers=bearer(METRICS_TOKEN)).status_code == 401


def test_a_short_metrics_token_stops_the_server(settings: Settings) -> None:
    with pytest.raises(ValueError, match="METRICS_TOKEN needs at least 32 characters"):
        make_settings(settings.database_url, metrics_token="short-token")


def test_the_openapi_document_declares_the_detailed_health_errors(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/api/health/detailed"]["get"][
        "responses"
    ]
    assert {"200", "401", "403", "429", "503"} <= set(responses)
