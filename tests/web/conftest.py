"""A real ``habitloop serve`` with the demo's users, and Debian's Chromium to drive it.

Playwright's own browser download is not used: the suite drives the system's Chromium
(``apt-get install chromium``; ``.ci/run`` installs it). Without it the browser tests are
skipped with a notice, or fail when ``HABITLOOP_REQUIRE_BROWSER`` is set."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import JWT_SECRET
from tests.support.server import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# A test run writes its screenshots under reports/ (ignored by git); pointing this at
# docs/screenshots refreshes the README's pictures.
SCREENSHOTS = Path(os.environ.get("HABITLOOP_SCREENSHOTS_DIR", ROOT / "reports" / "screenshots"))


@dataclass(frozen=True)
class DemoServer:
    server: ServerProcess
    user_link: str
    service_link: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.is_file():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium): browser tests skipped"
        if os.environ.get("HABITLOOP_REQUIRE_BROWSER"):
            pytest.fail(f"{reason} (HABITLOOP_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": ["--no-sandbox"],
    }


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """``habitloop demo`` seeds the database, then ``habitloop serve`` serves it."""
    folder = tmp_path_factory.mktemp("web")
    env = {
        "HABITLOOP_DATABASE_URL": f"sqlite:///{folder / 'habitloop.db'}",
        "HABITLOOP_JWT_SECRET": JWT_SECRET,
    }
    server = ServerProcess(folder, env)
    command = [sys.executable, "-m", "habitloop.cli", "demo", "--crowd", "5"]
    seeded = subprocess.run(
        [*command, "--base-url", server.base_url],
        cwd=folder,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    links = [line for line in seeded.stdout.splitlines() if line.startswith("http")]
    assert len(links) == 2, seeded.stdout
    server.start()
    try:
        yield DemoServer(server, links[0], links[1])
    finally:
        server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
