"""Reading the pages' HTML in tests: the CSRF token and the forms' targets."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html)
    assert found is not None, "the page carries no CSRF token"
    return found[1]


def answer_targets(html: str) -> list[str]:
    """The item ids the page offers an answer form for."""
    return re.findall(r'action="/app/items/([0-9a-f-]+)/answer"', html)


def swap_targets(html: str) -> list[str]:
    return re.findall(r'action="(/app/plans/[0-9-]+/items/[0-9a-f-]+/swap)"', html)


def sign_in(client: TestClient, token: str) -> str:
    """Sign ``client`` in with ``token``; the CSRF token of the page it lands on."""
    client.cookies.clear()
    response = client.post("/signin", data={"token": token}, follow_redirects=True)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)
