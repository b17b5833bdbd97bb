"""A configured JWT secret under 32 characters stops the service in every environment, with a
message that names the setting and never shows the secret; the secret generated beside the
SQLite database is used as it is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from habitloop.auth import resolve_secret
from habitloop.cli import app
from habitloop.settings import load_settings

WEAK = "x"


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("secret", [WEAK, "a" * 31], ids=["1-character", "31-characters"])
def test_a_short_secret_is_refused_in_every_environment(
    monkeypatch: pytest.MonkeyPatch, environment: str, secret: str
) -> None:
    monkeypatch.setenv("HABITLOOP_ENVIRONMENT", environment)
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", secret)
    with pytest.raises(ValidationError) as refused:
        load_settings()
    message = str(refused.value)
    assert f"HABITLOOP_JWT_SECRET has {len(secret)} characters" in message
    assert "at least 32" in message


def test_a_short_secret_on_postgresql_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:1/none")
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", "short-secret-1234")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "HABITLOOP_JWT_SECRET has 17 characters" in result.output
    assert "short-secret-1234" not in result.output


def test_a_long_secret_is_used_as_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", "s" * 32)
    assert resolve_secret(load_settings()) == "s" * 32


def test_the_generated_secret_is_long_and_reused(tmp_path: Path) -> None:
    settings = load_settings()
    first = resolve_secret(settings)
    assert len(first) >= 32
    assert resolve_secret(load_settings()) == first
    assert ((tmp_path / ".habitloop_jwt_secret").stat().st_mode & 0o777) == 0o600
