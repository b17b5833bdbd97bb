"""The CLI's help, database and token commands, run in-process against SQLite files."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from habitloop.auth import Role, decode_token
from habitloop.cli import app
from habitloop.db.migrate import head_revision

SECRET = "test-secret-for-the-cli-suite-0123456789"
USER = UUID("6f1c1e52-5a8e-4c1e-9d1a-7b3c1f0e4a21")
LEGACY = {"ENABLE_DYNAMIC_PLANS", "TASK_LIBRARY_VERSION", "ROTATION_THRESHOLD_HOURS"}

runner = CliRunner()


def head_revision_of_the_code() -> str | None:
    engine = create_engine("sqlite://")
    try:
        return head_revision(engine)
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_") or name in LEGACY:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["db", "current"],
        ["library"],
        ["library", "validate"],
        ["library", "export"],
        ["library", "import"],
        ["token"],
        ["plan"],
    ],
)
def test_every_command_has_help(argv: list[str]) -> None:
    result = runner.invoke(app, [*argv, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_upgrade_then_current_shows_head() -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0]: line.split()[2] for line in result.stdout.splitlines()[1:]}
    assert lines["current revision"] == lines["head revision"] == head_revision_of_the_code()
    assert "up to date" in result.stdout


def test_downgrade_empties_and_a_second_one_is_refused_cleanly() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert "none (empty database)" in down.stdout
    again = runner.invoke(app, ["db", "downgrade"])
    assert again.exit_code == 1
    assert "error: migration" in again.stderr
    assert "Traceback" not in again.output


def test_user_token_decodes_to_the_user() -> None:
    result = runner.invoke(app, ["token", str(USER), "--ttl", "120"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1  # only the token, so $(habitloop token ...) works
    principal = decode_token(SECRET, result.stdout.strip())
    assert principal.user_id == USER
    assert principal.role is Role.AUTHENTICATED


def test_service_token_needs_no_user() -> None:
    result = runner.invoke(app, ["token", "--service"])
    assert result.exit_code == 0, result.output
    principal = decode_token(SECRET, result.stdout.strip())
    assert principal.role is Role.SERVICE
    assert principal.user_id is None


def test_token_without_secret_uses_the_file_next_to_the_database(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HABITLOOP_JWT_SECRET")
    result = runner.invoke(app, ["token", str(USER), "--service"])
    assert result.exit_code == 0, result.output
    secret = (env / ".habitloop_jwt_secret").read_text(encoding="utf-8").strip()
    principal = decode_token(secret, result.stdout.strip())
    assert (principal.role, principal.user_id) == (Role.SERVICE, USER)


@pytest.mark.parametrize("argv", [["token", "not-a-uuid"], ["token"]])
def test_token_refuses_a_missing_or_bad_user_id(argv: list[str]) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert "USER_ID" in result.output or "user_id" in result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_bad_settings_are_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABITLOOP_LOG_LEVEL", "verbose")
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "log_level" in result.stderr
    assert "Traceback" not in result.output
