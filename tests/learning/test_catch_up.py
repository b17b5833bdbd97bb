"""The learner: answers stored to be learned later are learned from exactly once, by whoever
gets there first (a plan, an answer, the command, the service's learner), also while batches
change them."""

from __future__ import annotations

import threading
import time as clock
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from habitloop.api.app import create_app
from habitloop.cli import app
from habitloop.db import Database, create_db_engine
from habitloop.feedback.batch import record_batch
from habitloop.feedback.schemas import BatchIn
from habitloop.learning.catch_up import catch_up, catch_up_everyone, waiting_answers
from habitloop.learning.profiles import read_profile
from habitloop.models import FeedbackRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.conftest import auth, make_settings, migrated_database_url
from tests.support.cli_env import point_commands_at
from tests.support.domain import feedback_rows, user_with_plan
from tests.support.query_plans import reads_of, scans_whole
from tests.support.statements import counting

DAY = date(2026, 10, 5)
AT = datetime.combine(DAY, time(20, 0), UTC)
STATUSES = ("completed", "partial", "skipped")


def _batch(db: Database, settings: Settings, events: list[dict[str, Any]]) -> None:
    with db.transaction() as session:
        out = record_batch(
            session,
            settings=settings,
            library_cache=LibraryCache(),
            batch=BatchIn(events=events),
            authorise=lambda _: None,
            now=AT,
        )
    assert out.failed == 0, out


def _answers(user_id: uuid.UUID, items: list[Any], turn: int) -> list[dict[str, Any]]:
    return [
        {
            "user_id": str(user_id),
            "plan_item_id": str(item.item_id),
            "status": STATUSES[(turn + i) % len(STATUSES)],
            "occurred_at": AT.isoformat(),
        }
        for i, item in enumerate(items)
    ]


def _learned_counts(db: Database, settings: Settings, user_id: uuid.UUID) -> Counter[str]:
    with db.transaction(write=False) as session:
        seen = read_profile(
            session, settings=settings, library_cache=LibraryCache(), user_id=user_id, as_of=DAY
        )
    return Counter(completed=seen.completions, partial=seen.partials, skipped=seen.skips)


def _stored_counts(db: Database, user_id: uuid.UUID) -> Counter[str]:
    with db.transaction(write=False) as session:
        return Counter(row.outcome for row in feedback_rows(session, user_id))


def _waiting(db: Database, user_id: uuid.UUID) -> int:
    with db.transaction(write=False) as session:
        query = select(func.count()).where(FeedbackRow.user_id == user_id, FeedbackRow.pending)
        return int(session.scalar(query) or 0)


def test_catching_up_twice_learns_each_answer_once(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    _batch(db, settings, _answers(user_id, plan.items, 0))
    assert _learned_counts(db, settings, user_id) == _stored_counts(db, user_id)  # read folds
    with db.transaction() as session:
        first = catch_up(
            session, settings=settings, library_cache=LibraryCache(), user_ids=[user_id]
        )
    with db.transaction() as session:
        again = catch_up(
            session, settings=settings, library_cache=LibraryCache(), user_ids=[user_id]
        )
    assert (first, again, _waiting(db, user_id)) == (len(plan.items), 0, 0)
    # Changed after they were learned: learned again, the old answers retracted.
    _batch(db, settings, _answers(user_id, plan.items, 1))
    assert _waiting(db, user_id) == len(plan.items)
    catch_up_everyone(db, settings=settings, library_cache=LibraryCache())
    assert _learned_counts(db, settings, user_id) == _stored_counts(db, user_id)
    assert sum(_learned_counts(db, settings, user_id).values()) == len(plan.items)


def test_answers_changed_while_the_learner_catches_up_are_counted_once(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    errors: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            for turn in range(12):
                work(turn)
        except BaseException as exc:
            errors.append(exc)

    def answer(turn: int) -> None:
        _batch(db, settings, _answers(user_id, plan.items[turn % 3 :], turn))

    def learn(_: int) -> None:
        with db.transaction() as session:
            catch_up(session, settings=settings, library_cache=LibraryCache(), user_ids=[user_id])

    threads = [threading.Thread(target=run, args=(work,)) for work in (answer, learn)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    catch_up_everyone(db, settings=settings, library_cache=LibraryCache())
    assert _waiting(db, user_id) == 0
    assert _learned_counts(db, settings, user_id) == _stored_counts(db, user_id)


def test_the_command_learns_every_waiting_answer(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    _batch(db, settings, _answers(user_id, plan.items, 2))
    point_commands_at(monkeypatch, settings)
    runner = CliRunner()
    waiting = runner.invoke(app, ["learning", "waiting"])
    assert waiting.exit_code == 0, waiting.output
    assert int(waiting.stdout) >= len(plan.items)
    done = runner.invoke(app, ["learning", "run"])
    assert done.exit_code == 0, done.output
    assert "waiting answer(s)" in done.stdout
    assert _waiting(db, user_id) == 0
    assert runner.invoke(app, ["learning", "waiting"]).stdout.strip() == "0"


def test_the_services_learner_catches_up_soon(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    quick = make_settings(settings.database_url, learner_interval_seconds=0.05)
    with TestClient(create_app(quick)) as client:
        body = {"events": _answers(user_id, plan.items, 0)}
        answered = client.post("/api/v1/feedback/batch", json=body, headers=auth(user_id))
        assert answered.status_code == 200, answered.text
        deadline = clock.monotonic() + 20
        while _waiting(db, user_id) and clock.monotonic() < deadline:
            clock.sleep(0.05)
        assert _waiting(db, user_id) == 0
        metrics = client.get("/metrics", headers=auth(None, service=True)).text
    assert "habitloop_answers_learned_later_total" in metrics
    assert _learned_counts(db, settings, user_id) == _stored_counts(db, user_id)


def test_finding_waiting_answers_reads_only_them(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    _batch(db, settings, _answers(user_id, plan.items, 0))
    with reads_of(db.engine, "feedback") as reads:
        with db.transaction(write=False) as session:
            waiting_answers(session)
        catch_up_everyone(db, settings=settings, library_cache=LibraryCache())
    assert len(reads) >= 3, reads
    for statement, params in reads:
        assert not scans_whole(db, "feedback", statement, params), statement


def test_one_catch_up_reads_each_archetypes_pool_once(db: Database, settings: Settings) -> None:
    """Three users of one archetype, learned from in one transaction: the pool is read once
    (and once more under its row lock, to be rewritten), not once a user."""
    users = []
    for _ in range(3):
        user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
        _batch(db, settings, _answers(user_id, plan.items[:2], 0))
        users.append(user_id)
    with counting(db.engine) as statements, db.transaction() as session:
        learned = catch_up(session, settings=settings, library_cache=LibraryCache(), user_ids=users)
    assert learned == 6
    pool_reads = [s for s in statements if s.startswith("SELECT bandit_population.")]
    assert len(pool_reads) == 2, pool_reads


def test_the_services_learner_works_through_a_backlog_without_pausing(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Six users waiting, one a round: the learner takes the next round at once after a full
    one, instead of a round per interval (which would take six intervals)."""
    url = migrated_database_url(
        backend, request, tmp_path_factory, f"backlog_{uuid.uuid4().hex[:8]}"
    )
    interval = 1.5
    slow = make_settings(
        url,
        learner_interval_seconds=interval,
        learner_users_per_round=1,
        learner_users_per_transaction=1,
    )
    db = Database(create_db_engine(slow))
    try:
        for _ in range(6):
            user_id, plan = user_with_plan(db, slow, LibraryCache(), DAY)
            _batch(db, slow, _answers(user_id, plan.items, 0))
        with TestClient(create_app(slow)):
            started = clock.monotonic()
            while _waiting_anyone(db) and clock.monotonic() - started < 6 * interval:
                clock.sleep(0.05)
            took = clock.monotonic() - started
        assert _waiting_anyone(db) == 0
        assert took < 4 * interval, took
    finally:
        db.dispose()


def _waiting_anyone(db: Database) -> int:
    with db.transaction(write=False) as session:
        return waiting_answers(session)
