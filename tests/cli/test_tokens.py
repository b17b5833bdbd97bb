"""``habitloop token --ttl`` never prints a token the server would refuse as too long-lived,
and the server's own default lifetime must fit its maximum."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import jwt
import pytest
from typer.testing import CliRunner

from habitloop.auth import authenticate
from habitloop.cli import app

SECRET = "test-secret-for-the-cli-token-suite-0123456789"
USER = UUID("0d5c8a1e-2f6b-4b7e-9c3d-5e8f1a2b3c4d")
runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", SECRET)


def test_a_ttl_over_the_maximum_is_refused() -> None:
    result = runner.invoke(app, ["token", str(USER), "--ttl", str(86_400 + 1)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "HABITLOOP_TOKEN_MAX_TTL_SECONDS=86400" in result.output


def test_a_ttl_up_to_the_maximum_is_a_token_the_server_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HABITLOOP_TOKEN_MAX_TTL_SECONDS", "7200")
    assert runner.invoke(app, ["token", str(USER), "--ttl", "7201"]).exit_code == 2
    result = runner.invoke(app, ["token", str(USER), "--ttl", "7200"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "authenticated"
    principal = authenticate(SECRET, token, datetime.now(UTC), max_ttl=timedelta(seconds=7200))
    assert principal.user_id == USER


def test_a_default_lifetime_over_the_maximum_stops_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HABITLOOP_TOKEN_TTL_SECONDS", "7200")
    monkeypatch.setenv("HABITLOOP_TOKEN_MAX_TTL_SECONDS", "3600")
    result = runner.invoke(app, ["token", str(USER)])
    assert result.exit_code == 2
    assert "HABITLOOP_TOKEN_TTL_SECONDS (7200) exceeds" in result.output


def test_link_prints_a_sign_in_link_with_the_token_after_the_hash() -> None:
    result = runner.invoke(
        app, ["token", str(USER), "--link", "--base-url", "https://habits.example/"]
    )
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    base, _, token = link.partition("#token=")
    assert base == "https://habits.example/signin"
    principal = authenticate(SECRET, token, datetime.now(UTC), max_ttl=timedelta(days=1))
    assert principal.user_id == USER
