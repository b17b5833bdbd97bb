"""Client keys in the settings: comma-separated keys or their SHA-256 digests, off by default,
and a short key refuses to start without ever being shown."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.settings import load_settings

KEY = "a-client-key-that-is-long-enough-0123456789"
OTHER = "another-client-key-long-enough-9876543210"
SHORT = "short-key-0123"


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")


def test_client_keys_are_off_by_default() -> None:
    settings = load_settings()
    assert settings.client_api_keys == () and settings.client_key_digests == ()


def test_keys_and_digests_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hashlib.sha256(OTHER.encode()).hexdigest()
    monkeypatch.setenv("HABITLOOP_CLIENT_API_KEYS", f" {KEY} ,{digest.upper()},")
    settings = load_settings()
    assert settings.client_key_digests == (
        hashlib.sha256(KEY.encode()).digest(),
        hashlib.sha256(OTHER.encode()).digest(),
    )
    assert KEY not in repr(settings)


def test_a_short_key_is_refused_without_being_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABITLOOP_CLIENT_API_KEYS", f"{KEY},{SHORT}")
    with pytest.raises(ValidationError) as refused:
        load_settings()
    message = str(refused.value)
    assert "HABITLOOP_CLIENT_API_KEYS: key 2 of 2 has 14 characters" in message
    assert "at least 32" in message
    assert SHORT not in message and KEY not in message


def test_the_server_refuses_to_start_with_a_short_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABITLOOP_CLIENT_API_KEYS", SHORT)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "key 1 of 1 has 14 characters" in result.output
    assert SHORT not in result.output
