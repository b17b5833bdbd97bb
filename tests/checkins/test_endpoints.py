from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import UserHandle


def test_signals_give_a_mode(new_user: Callable[..., UserHandle]) -> None:
    user = new_user()
    high = user.checkin("2026-11-23", energy=5, sleep_hours=8, readiness=90, stress=1).json()
    assert high == {
        "date": "2026-11-23",
        "mode": "high",
        "mode_source": "checkin",
        "mode_score": pytest.approx(0.97),
    }
    low = user.checkin("2026-11-24", energy=1, sleep_hours=4.5).json()
    assert low["mode"] == "low" and low["mode_source"] == "checkin"


def test_override_wins_and_a_second_checkin_replaces_the_first(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    assert user.checkin("2026-11-23", energy=5, mode="Low").json()["mode"] == "low"
    again = user.checkin("2026-11-23", energy=1, readiness=10)
    assert again.status_code == 201
    assert again.json()["mode"] == "low"
    assert again.json()["mode_source"] == "checkin"


def test_plan_uses_the_days_checkin_else_the_last_known_mode(
    new_user: Callable[..., UserHandle],
) -> None:
    user = new_user()
    assert user.plan("2026-11-20").json()["mode"] == "medium"
    user.checkin("2026-11-21", energy=5, readiness=95)
    today = user.plan("2026-11-21").json()
    assert (today["mode"], today["mode_source"]) == ("high", "checkin")
    later = user.plan("2026-11-23").json()
    assert (later["mode"], later["mode_source"]) == ("high", "last_known")
    explicit = user.plan("2026-11-24", mode="low").json()
    assert (explicit["mode"], explicit["mode_source"]) == ("low", "override")


@pytest.mark.parametrize(
    "body",
    [
        {"energy": 9},
        {"energy": 0},
        {"readiness": 101},
        {"stress": 6},
        {"sleep_hours": -1},
        {"sleep_hours": "NaN"},
        {"mode": "turbo"},
        {"energy": 2**70},
    ],
)
def test_bad_checkins_are_422(new_user: Callable[..., UserHandle], body: dict[str, object]) -> None:
    response = new_user().checkin("2026-11-23", **body)
    assert response.status_code == 422, response.text


def test_checkin_for_unknown_user_is_404(new_user: Callable[..., UserHandle]) -> None:
    assert new_user(create=False).checkin("2026-11-23", energy=3).status_code == 404
