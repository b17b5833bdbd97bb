"""The replaced system's clients against a server configured as a team moving over would
configure it: client keys on, and the replaced system's own task ("Morning Lemon Water") added to
the library through the task API.

The suite has a database of its own (on each backend) because it adds a task to the library,
which would change what every other test's plans draw from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from habitloop.settings import Settings
from tests.conftest import auth, make_settings, migrated_database_url

CLIENT_KEY = "replaced-app-client-key-0123456789abcdef"
# Configured only as its SHA-256 digest, as a deployment that keeps no keys in clear would.
DIGEST_ONLY_KEY = "second-app-client-key-fedcba9876543210"
LEMON_WATER: dict[str, Any] = {
    "id": "0b9f5d3e-3c1a-4f7e-9a57-4d0c2e8b6a11",
    "slug": "morning-lemon-water",
    "name": "Morning Lemon Water",
    "description": "Squeeze half a lemon into a glass of warm water and drink it before breakfast.",
    "category": "hydration",
    "subcategory": "morning water",
    "variation_group": "morning-water",
    "time_of_day": "morning",
    "duration_minutes": 5,
    "difficulty": "easy",
    "archetype_fit": {
        "foundation_builder": 0.7,
        "transformation_seeker": 0.5,
        "peak_performer": 0.5,
        "systematic_improver": 0.5,
        "resilience_rebuilder": 0.7,
        "connected_explorer": 0.5,
    },
    "mode_fit": {"low": 0.8, "medium": 0.7, "high": 0.5},
    "tags": ["quick", "routine"],
    "active": True,
}


def client_keys_setting() -> str:
    digest = hashlib.sha256(DIGEST_ONLY_KEY.encode()).hexdigest()
    return f"{CLIENT_KEY},{digest}"


@pytest.fixture(scope="session")
def compat_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    return migrated_database_url(backend, request, tmp_path_factory, f"habitloop_compat_{backend}")


@pytest.fixture(scope="session")
def compat_settings(compat_database_url: str) -> Settings:
    return make_settings(compat_database_url, client_api_keys=client_keys_setting())


@pytest.fixture(scope="session")
def compat_client(compat_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(compat_settings), raise_server_exceptions=False) as client:
        added = client.post("/api/v1/tasks", json=LEMON_WATER, headers=auth(None, service=True))
        assert added.status_code == 201, added.text
        yield client


@pytest.fixture(scope="session")
def static_client(compat_database_url: str, compat_client: TestClient) -> Iterator[TestClient]:
    """The same database served with ENABLE_DYNAMIC_PLANS=false."""
    settings = make_settings(
        compat_database_url, client_api_keys=client_keys_setting(), enable_dynamic_plans=False
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(params=["client key", "token"])
def credentials(request: pytest.FixtureRequest) -> str:
    """How the app authenticates: the replaced system's client key, or a per-user token."""
    return str(request.param)
