"""The pages over HTTP, on each backend: signing in, the cookie, CSRF, and that no page shows
or changes one user's data for another."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserHandle, token_for
from tests.web.pages import answer_targets, csrf_of, sign_in, swap_targets


@pytest.fixture
def browser_like(client: TestClient) -> Iterator[TestClient]:
    """The suite's client, holding a session cookie only for the test."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def planned(user: UserHandle) -> list[str]:
    response = user.plan(today())
    assert response.status_code in (200, 201), response.text
    return [item["item_id"] for item in response.json()["items"]]


def test_sign_in_keeps_the_token_in_an_httponly_lax_cookie(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    response = browser_like.post(
        "/signin", data={"token": token_for(user.id)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # served over plain http here
    page = browser_like.get("/app")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_signed_out_pages_ask_to_sign_in_and_a_bad_token_is_refused(
    browser_like: TestClient,
) -> None:
    assert browser_like.get("/app").status_code == 401
    assert "Sign-in token" in browser_like.get("/app/week").text
    refused = browser_like.post("/signin", data={"token": "not-a-jwt"})
    assert refused.status_code == 401
    assert "malformed" in refused.text
    assert "set-cookie" not in refused.headers


def test_today_answers_and_swaps_through_the_services(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    csrf = sign_in(browser_like, token_for(user.id))
    made = browser_like.post(f"/app/plans/{today()}", data={"csrf_token": csrf})
    assert made.status_code == 200, made.text
    items = answer_targets(made.text)
    assert len(items) >= 3
    fragment = {"X-Habitloop-Fragment": "1"}
    done = browser_like.post(
        f"/app/items/{items[0]}/answer",
        data={
            "csrf_token": csrf,
            "day": today(),
            "status": "completed",
            "satisfaction_rating": "4",
        },
        headers=fragment,
    )
    assert done.status_code == 200, done.text
    assert done.headers["x-focus"] == f"item-{items[0]}"
    assert "rated 4 of 5" in done.text
    assert "<html" not in done.text  # a fragment, for the page's script
    swap = next(t for t in swap_targets(done.text) if items[1] in t)
    swapped = browser_like.post(swap, data={"csrf_token": csrf}, headers=fragment)
    assert swapped.status_code == 200, swapped.text
    assert items[1] not in answer_targets(swapped.text)
    # The API sees the same answers: the answer is stored once, the swap is a skip.
    plan = user.client.get(f"/api/v1/users/{user.id}/plans/{today()}", headers=user.headers)
    assert items[1] not in [i["item_id"] for i in plan.json()["items"]]
    profile = user.profile(today())
    assert (profile["completions"], profile["skips"]) == (1, 1)


def test_a_write_without_the_csrf_token_is_refused_and_changes_nothing(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    items = planned(user)
    csrf = sign_in(browser_like, token_for(user.id))
    form = {"day": today(), "status": "completed"}
    missing = browser_like.post(f"/app/items/{items[0]}/answer", data=form)
    wrong = browser_like.post(
        f"/app/items/{items[0]}/answer", data={**form, "csrf_token": "0" * 64}
    )
    foreign = browser_like.post(
        f"/app/items/{items[0]}/answer",
        data={**form, "csrf_token": csrf},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert [missing.status_code, wrong.status_code, foreign.status_code] == [403, 403, 403]
    assert "security token" in missing.text
    assert user.profile(today())["completions"] == 0
    # Another user's session has another token: one user's token is no key to another's form.
    other = new_user()
    assert sign_in(browser_like, token_for(other.id)) != csrf


def test_a_user_cookie_cannot_open_the_dashboard_and_the_service_role_can(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    sign_in(browser_like, token_for(user.id))
    refused = browser_like.get("/admin")
    assert refused.status_code == 403
    assert "service_role" in refused.text
    browser_like.cookies.clear()
    landed = browser_like.post(
        "/signin", data={"token": token_for(None, service=True)}, follow_redirects=True
    )
    assert landed.status_code == 200
    assert "Plan success" in landed.text
    assert "Incidents" in landed.text
    assert browser_like.get("/app").status_code == 403  # a service token has no plan


def test_one_users_cookie_never_reaches_another_users_plan(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    ana, ben = new_user(), new_user()
    bens_items = planned(ben)
    csrf = sign_in(browser_like, token_for(ana.id))
    page = browser_like.get("/app")
    assert page.status_code == 200
    assert not any(item in page.text for item in bens_items)
    answered = browser_like.post(
        f"/app/items/{bens_items[0]}/answer",
        data={"csrf_token": csrf, "day": today(), "status": "skipped"},
    )
    swapped = browser_like.post(
        f"/app/plans/{today()}/items/{bens_items[1]}/swap", data={"csrf_token": csrf}
    )
    assert (answered.status_code, swapped.status_code) == (404, 404)
    assert not any(item in answered.text + swapped.text for item in bens_items[2:])
    profile = ben.profile(today())
    assert (profile["skips"], profile["completions"]) == (0, 0)
    plan = ben.client.get(f"/api/v1/users/{ben.id}/plans/{today()}", headers=ben.headers)
    assert [i["item_id"] for i in plan.json()["items"]] == bens_items
    # A week page shows the signed-in user's own learned profile only.
    assert str(ben.id) not in browser_like.get("/app/week").text


def test_bad_input_is_a_4xx_page_with_a_message(
    browser_like: TestClient, new_user: Callable[..., UserHandle]
) -> None:
    user = new_user()
    items = planned(user)
    csrf = sign_in(browser_like, token_for(user.id))
    rating = browser_like.post(
        f"/app/items/{items[0]}/answer",
        data={
            "csrf_token": csrf,
            "day": today(),
            "status": "completed",
            "satisfaction_rating": "9",
        },
    )
    assert rating.status_code == 422
    assert "satisfaction_rating" in rating.text
    assert browser_like.get("/app?day=2026-02-30").status_code == 422
    assert browser_like.get("/app/week?week=2026-W99").status_code == 422
    assert csrf_of(browser_like.get("/app").text) == csrf
