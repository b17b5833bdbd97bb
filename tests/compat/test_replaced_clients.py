"""The replaced system's clients, unchanged: its deployment checklist's two calls, and its app,
with a client key and with a token, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.compat.conftest import CLIENT_KEY
from tests.compat.replaced_app import ReplacedApp, headers_for

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BLOCK_NAMES = [
    "Morning Block",
    "Peak Energy Block",
    "Mid-day Slump",
    "Evening Routine",
    "Wind Down",
]


def minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def onboarded(client: TestClient, credentials: str, **body: object) -> ReplacedApp:
    """A user the app has onboarded: its first routine call named the archetype."""
    app = ReplacedApp(client, credentials, uuid.uuid4())
    app.today({"archetype": "Foundation Builder", **body})
    return app


def test_the_checklists_routine_call(compat_client: TestClient, credentials: str) -> None:
    # curl -X POST $API/api/user/{user_id}/routine/generate  (no body)
    app = onboarded(compat_client, credentials, timezone="America/New_York")
    first = app.generate().json()
    response = compat_client.post(
        f"/api/user/{app.user_id}/routine/generate", headers=headers_for(credentials, app.user_id)
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "success" and answer["user_id"] == str(app.user_id)
    assert answer["cached"] is True
    assert answer["routine_plan"] == first["routine_plan"]
    assert set(answer["generation_metadata"]) == {
        "strategy",
        "requested_strategy",
        "fallback_reason",
        "library_version",
        "policy_version",
        "generated_ms",
    }


def test_the_checklists_feedback_call(compat_client: TestClient, credentials: str) -> None:
    app = onboarded(compat_client, credentials)
    body = {
        "user_id": str(app.user_id),
        "task_name": "Morning Lemon Water",
        "category": "hydration",
        "completed": True,
        "satisfaction_rating": 5,
    }
    headers = {"Content-Type": "application/json", **headers_for(credentials, app.user_id)}
    sent = json.dumps(body)
    first = compat_client.post("/api/v1/feedback/task", content=sent, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "recorded"
    again = compat_client.post("/api/v1/feedback/task", content=sent, headers=headers)
    assert again.status_code == 200
    assert again.json() == {"feedback_id": first.json()["feedback_id"], "status": "duplicate"}


def test_the_app_shows_the_day_block_by_block(compat_client: TestClient, credentials: str) -> None:
    app = onboarded(compat_client, credentials)
    blocks = app.today()
    assert [b.block_name for b in blocks] == BLOCK_NAMES
    assert blocks[0].start_time == "07:00" and blocks[-1].end_time == "23:00"
    for block, following in pairwise(blocks):
        assert block.end_time == following.start_time
    tasks = [t for b in blocks for t in b.tasks]
    assert len(tasks) == 7 and all(t.title for t in tasks)
    for block in blocks:
        for task in block.tasks:
            assert CLOCK.match(task.start_time) and CLOCK.match(task.end_time)
            assert minutes(block.start_time) <= minutes(task.start_time)
            assert minutes(task.start_time) < minutes(task.end_time)


def test_a_night_owls_day_runs_past_midnight(compat_client: TestClient) -> None:
    user_id = uuid.uuid4()
    owl = compat_client.put(
        f"/api/v1/users/{user_id}",
        json={"archetype": "peak_performer", "wake_time": "14:00", "sleep_time": "06:00"},
        headers=headers_for("token", user_id),
    )
    assert owl.status_code == 201, owl.text
    blocks = ReplacedApp(compat_client, "client key", user_id).today()
    assert [(b.start_time, b.end_time) for b in blocks] == [
        ("14:00", "16:00"),
        ("16:00", "19:00"),
        ("19:00", "21:00"),
        ("21:00", "03:00"),
        ("03:00", "06:00"),
    ]


def test_the_app_answers_by_the_title_it_shows(compat_client: TestClient, credentials: str) -> None:
    app = onboarded(compat_client, credentials)
    shown = next(t for b in app.today() for t in b.tasks)
    by_title = app.done(shown)
    assert by_title.status_code == 201, by_title.text
    blocks = app.generate().json()["routine_plan"]["time_blocks"]
    planned = next(t for b in blocks for t in b["tasks"] if t["title"] == shown.title)
    # The title found the plan's item: an answer about that item is the same answer.
    by_item = compat_client.post(
        "/api/v1/feedback/task",
        json={"user_id": str(app.user_id), "plan_item_id": planned["item_id"], "completed": True},
        headers=app.headers,
    )
    assert by_item.json() == {"feedback_id": by_title.json()["feedback_id"], "status": "duplicate"}


def test_the_ids_in_a_task_are_what_the_feedback_call_takes(
    compat_client: TestClient, credentials: str
) -> None:
    app = onboarded(compat_client, credentials)
    tasks = [t for b in app.generate().json()["routine_plan"]["time_blocks"] for t in b["tasks"]]
    task = tasks[-1]
    by_library_id = compat_client.post(
        "/api/v1/feedback/task",
        json={
            "user_id": str(app.user_id),
            "task_library_id": task["task_library_id"],
            "completed": False,
        },
        headers=app.headers,
    )
    assert by_library_id.status_code == 201, by_library_id.text
    by_item = compat_client.post(
        "/api/v1/feedback/task",
        json={"user_id": str(app.user_id), "plan_item_id": task["item_id"], "completed": False},
        headers=app.headers,
    )
    assert by_item.json()["feedback_id"] == by_library_id.json()["feedback_id"]


def test_force_refresh_makes_the_day_again(compat_client: TestClient, credentials: str) -> None:
    app = onboarded(compat_client, credentials)
    before = app.generate({"preferences": {"force_refresh": False, "theme": "dark"}}).json()
    assert before["cached"] is True
    fresh = app.generate({"preferences": {"force_refresh": True, "unknown": [1, 2]}})
    assert fresh.status_code == 200 and fresh.json()["cached"] is False
    ids = {t["item_id"] for b in fresh.json()["routine_plan"]["time_blocks"] for t in b["tasks"]}
    old = {t["item_id"] for b in before["routine_plan"]["time_blocks"] for t in b["tasks"]}
    assert ids and not ids & old
    assert app.generate().json()["cached"] is True


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_day_is_today_where_the_user_lives(compat_client: TestClient, zone: str) -> None:
    app = ReplacedApp(compat_client, "client key", uuid.uuid4())
    before = datetime.now(ZoneInfo(zone)).date().isoformat()
    answer = app.generate({"archetype": "peak_performer", "timezone": zone}).json()
    after = datetime.now(ZoneInfo(zone)).date().isoformat()
    assert answer["routine_plan"]["date"] in {before, after}
    dated = app.generate({"date": "2026-11-23"}).json()
    assert dated["routine_plan"]["date"] == "2026-11-23" and dated["cached"] is False


def test_static_plans_come_in_the_same_shape(static_client: TestClient) -> None:
    app = ReplacedApp(static_client, "client key", uuid.uuid4())
    answer = app.generate({"archetype": "systematic_improver"}).json()
    meta = answer["generation_metadata"]
    assert meta["strategy"] == "static"
    assert "ENABLE_DYNAMIC_PLANS=false" in meta["fallback_reason"]
    assert [b.block_name for b in app.today()] == BLOCK_NAMES


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"archetype": "Space Cowboy"}, 422),
        ({"archetype": "peak_performer", "date": "2026-02-30"}, 422),
        ({"archetype": "peak_performer", "timezone": "Mars/Olympus"}, 422),
        ({"archetype": "peak_performer", "preferences": {"mode": "warp"}}, 422),
        (None, 404),
    ],
)
def test_bad_requests_keep_the_error_body(
    compat_client: TestClient, body: dict[str, object] | None, status: int
) -> None:
    response = ReplacedApp(compat_client, "client key", uuid.uuid4()).generate(body)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "detail"}


def test_a_client_key_is_never_echoed(
    compat_client: TestClient, capfd: pytest.CaptureFixture[str]
) -> None:
    app = ReplacedApp(compat_client, "client key", uuid.uuid4())
    app.today({"archetype": "peak_performer"})
    guessed = "a-guessed-key-that-is-not-configured-42"
    answers = [
        compat_client.get(f"/api/v1/users/{app.user_id}", headers={"X-API-Key": CLIENT_KEY}),
        compat_client.post(
            f"/api/user/{app.user_id}/routine/generate", headers={"X-API-Key": guessed}
        ),
    ]
    out, err = capfd.readouterr()
    seen = out + err + "".join(answer.text for answer in answers)
    assert all(answer.status_code == 401 for answer in answers)
    assert CLIENT_KEY not in seen and guessed not in seen
