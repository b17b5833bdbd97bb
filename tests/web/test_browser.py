"""The pages in a real browser (Debian's Chromium driven by Playwright) against a real
server seeded by ``habitloop demo``. Each page is saved as a screenshot, at desktop and phone
width, under reports/screenshots/ (``HABITLOOP_SCREENSHOTS_DIR=docs/screenshots`` refreshes the
README's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import token_for
from tests.web.conftest import DemoServer

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def signed_in(browser: Browser, link: str, viewport: dict[str, int]) -> Page:
    """A new browser (its own cookies) that opened the sign-in link."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(link)
    page.wait_for_url(lambda url: "/signin" not in url)
    return page


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_day_and_a_week_in_the_browser(
    browser: Browser, demo_server: DemoServer, screenshots: Path
) -> None:
    page = signed_in(browser, demo_server.user_link, DESKTOP)
    expect(page).to_have_url(f"{demo_server.base_url}/app")
    assert "#token" not in page.url
    cookie = next(c for c in page.context.cookies() if c["name"] == "habitloop_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    expect(page.locator("li.item")).not_to_have_count(0)
    expect(page.locator("li.item .reason").first).to_contain_text("Why this:")
    shoot(page, screenshots, "today-desktop")

    # Done and rated 4, without a reload: the marker set on this document survives.
    page.evaluate("window.sameDocument = true")
    first = page.locator("li.item:not(.answered)").first
    first_id = first.get_attribute("id")
    first.get_by_label("Done").check()
    first.get_by_label("4", exact=True).check()
    first.get_by_role("button", name="Save answer").click()
    answered = page.locator(f"[id='{first_id}']")
    expect(answered.locator(".badge")).to_have_text("Done")
    expect(answered).to_contain_text("rated 4 of 5")
    expect(page.locator("#progress")).to_contain_text("1 done")

    # A swap replaces the item in place and moves focus to its replacement.
    target = page.locator("li.item:not(.answered)").first
    target_id = target.get_attribute("id")
    target.get_by_role("button", name="Swap for another task").click()
    expect(page.locator(f"[id='{target_id}']")).to_have_count(0)
    focused = page.evaluate("document.activeElement.closest('li.item')?.id ?? null")
    assert focused is not None and focused != target_id
    assert page.evaluate("window.sameDocument") is True
    shoot(page, screenshots, "today-answered-desktop")

    page.get_by_role("link", name="My week").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My week")
    expect(page.locator("svg[role='img']").first).to_be_visible()
    expect(page.locator("figure.chart rect.col")).not_to_have_count(0)  # the demo's days
    expect(page.get_by_text("What habitloop has learned about you")).to_be_visible()
    shoot(page, screenshots, "week-desktop")


def test_the_pages_fit_a_phone(
    browser: Browser, demo_server: DemoServer, screenshots: Path
) -> None:
    page = signed_in(browser, demo_server.user_link, PHONE)
    expect(page.locator("li.item")).not_to_have_count(0)
    assert fits_the_width(page)
    shoot(page, screenshots, "today-phone")
    page.goto(f"{demo_server.base_url}/app/week")
    assert fits_the_width(page)
    shoot(page, screenshots, "week-phone")
    admin = signed_in(browser, demo_server.service_link, PHONE)
    assert fits_the_width(admin)
    shoot(admin, screenshots, "dashboard-phone")


def test_the_dashboard_for_the_service_role(
    browser: Browser, demo_server: DemoServer, screenshots: Path
) -> None:
    page = signed_in(browser, demo_server.service_link, DESKTOP)
    expect(page).to_have_url(f"{demo_server.base_url}/admin")
    for metric in ("Plan success", "Plan latency", "Variety", "Items with feedback", "Incidents"):
        expect(page.get_by_role("heading", name=metric)).to_be_visible()
    expect(page.get_by_text("Target: above 95%")).to_be_visible()
    expect(page.locator("figure.chart svg")).not_to_have_count(0)
    shoot(page, screenshots, "dashboard-desktop")


def test_a_user_cookie_cannot_open_the_dashboard(browser: Browser, demo_server: DemoServer) -> None:
    page = signed_in(browser, demo_server.user_link, DESKTOP)
    response = page.goto(f"{demo_server.base_url}/admin")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_one_users_cookie_cannot_reach_another_users_plan_nor_write_without_csrf(
    browser: Browser, demo_server: DemoServer
) -> None:
    base, day = demo_server.base_url, datetime.now(UTC).date().isoformat()
    other = uuid.uuid4()
    headers = {"Authorization": f"Bearer {token_for(other)}"}
    assert httpx.put(
        f"{base}/api/v1/users/{other}", json={"archetype": "peak_performer"}, headers=headers
    ).status_code in (200, 201)
    plan = httpx.post(f"{base}/api/v1/users/{other}/plans", json={"date": day}, headers=headers)
    theirs = [item["item_id"] for item in plan.json()["items"]]

    page = signed_in(browser, demo_server.user_link, DESKTOP)
    assert not any(item in page.content() for item in theirs)
    csrf = page.locator("meta[name='csrf-token']").get_attribute("content")
    assert csrf
    form = {"csrf_token": csrf, "day": day, "status": "completed"}
    across = page.request.post(f"{base}/app/items/{theirs[0]}/answer", form=form)
    assert across.status == 404
    mine = page.locator("li.item:not(.answered)").first.get_attribute("id")
    assert mine is not None
    own_item = mine.removeprefix("item-")
    unsigned = page.request.post(
        f"{base}/app/items/{own_item}/answer", form={"day": day, "status": "completed"}
    )
    assert unsigned.status == 403
    page.reload()
    expect(page.locator(f"[id='{mine}']")).not_to_have_class("item answered completed")
    stored = httpx.get(f"{base}/api/v1/feedback/profile/{other}", headers=headers).json()
    assert stored["completions"] == 0
    unchanged = httpx.get(f"{base}/api/v1/users/{other}/plans/{day}", headers=headers).json()
    assert [item["item_id"] for item in unchanged["items"]] == theirs
