"""GET /api/v1/feedback/weekly-summary/{user_id}: who may read it, which weeks, and the flag."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from habitloop.api import create_app
from habitloop.settings import Settings
from tests.conftest import UserHandle, auth

PATH = "/api/v1/feedback/weekly-summary/{}"


def test_a_user_reads_their_own_week(new_user: Callable[..., UserHandle]) -> None:
    ana = new_user()
    assert ana.plan("2026-11-23").status_code == 201
    answer = ana.client.get(PATH.format(ana.id) + "?week=2026-W48", headers=ana.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["week"], body["start"], body["scheduled"]) == ("2026-W48", "2026-11-23", 7)
    assert 3 <= len(body["insights"]) <= 5


def test_the_default_is_the_last_full_week(new_user: Callable[..., UserHandle]) -> None:
    ana = new_user()
    body = ana.client.get(PATH.format(ana.id), headers=ana.headers).json()
    assert body["week"].count("-W") == 1 and body["days"][0]["date"] == body["start"]


def test_another_users_token_is_refused_and_the_service_reads_anyone(
    new_user: Callable[..., UserHandle],
) -> None:
    ana, ben = new_user(), new_user()
    refused = ana.client.get(PATH.format(ana.id), headers=ben.headers)
    assert refused.status_code == 403 and str(ana.id) not in refused.text
    assert ana.client.get(PATH.format(ana.id)).status_code == 401
    assert ana.client.get(PATH.format(ana.id), headers=auth(None, service=True)).status_code == 200
    unknown = ana.client.get(PATH.format(uuid.uuid4()), headers=auth(None, service=True))
    assert unknown.status_code == 404


@pytest.mark.parametrize("week", ["2026-W54", "2026-W00", "2026-48", "W48", "1999-W10"])
def test_a_bad_week_is_a_422(new_user: Callable[..., UserHandle], week: str) -> None:
    ana = new_user()
    answer = ana.client.get(PATH.format(ana.id), params={"week": week}, headers=ana.headers)
    assert answer.status_code == 422
    assert set(answer.json()) >= {"error", "detail"}


@pytest.fixture
def switched_off(settings: Settings) -> Iterator[TestClient]:
    off = settings.model_copy(update={"weekly_summaries_enabled": False})
    with TestClient(create_app(off), raise_server_exceptions=False) as client:
        yield client


def test_switched_off_is_a_503(
    switched_off: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    ana = new_user()
    answer = switched_off.get(PATH.format(ana.id), headers=ana.headers)
    assert answer.status_code == 503
    assert answer.json()["error"] == "FeatureDisabled"
    assert "WEEKLY_SUMMARIES_ENABLED" in answer.json()["detail"]
