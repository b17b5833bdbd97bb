"""Whose bandit model learns: every user's where the bandit is the default strategy, and
otherwise each user's from their first bandit plan on; the other strategies never read it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from habitloop import Habitloop
from habitloop.models import BanditModelRow
from habitloop.settings import load_settings

START = date(2026, 3, 2)


def _open(url: str, default: str) -> Habitloop:
    return Habitloop(settings=load_settings(database_url=url, default_strategy=default))


def _model_answers(hl: Habitloop, user_id: uuid.UUID) -> float | None:
    with hl.application.db.transaction() as session:
        found = session.execute(
            select(BanditModelRow.answers).where(BanditModelRow.user_id == user_id)
        ).scalar_one_or_none()
    return found


def _day(hl: Habitloop, user_id: uuid.UUID, day: date, strategy: str) -> list[str]:
    """Plan ``day`` with ``strategy`` and answer every item (alternately done and skipped)."""
    hl.checkin(user_id, {"date": day, "energy": 2 + day.day % 3})
    plan = hl.plan(user_id, {"date": day, "strategy": strategy})
    events: list[dict[str, Any]] = [
        {
            "user_id": user_id,
            "plan_item_id": item.item_id,
            "status": "completed" if (i + day.day) % 2 else "skipped",
            "occurred_at": f"{day.isoformat()}T20:00:00+00:00",
        }
        for i, item in enumerate(plan.items)
    ]
    hl.feedback_batch(events)
    return [item.slug for item in plan.items]


def test_the_default_bandit_learns_from_answers_to_any_plan(tmp_sqlite_url: str) -> None:
    with _open(tmp_sqlite_url, "bandit") as hl:
        ana = uuid.uuid4()
        hl.put_user(ana, {"archetype": "peak_performer"})
        _day(hl, ana, START, "adaptive")
        assert _model_answers(hl, ana) == 7


def test_elsewhere_a_model_starts_with_the_first_bandit_plan(tmp_sqlite_url: str) -> None:
    with _open(tmp_sqlite_url, "adaptive") as hl:
        ana = uuid.uuid4()
        hl.put_user(ana, {"archetype": "peak_performer"})
        _day(hl, ana, START, "adaptive")
        assert _model_answers(hl, ana) is None
        _day(hl, ana, START + timedelta(days=1), "bandit")
        assert _model_answers(hl, ana) == 7
        _day(hl, ana, START + timedelta(days=2), "static")  # and keeps learning
        learned = _model_answers(hl, ana)
        assert learned is not None and learned > 13


def test_keeping_the_model_changes_no_other_strategy_s_plans(tmp_path: Any) -> None:
    plans: dict[str, list[list[str]]] = {}
    for default in ("bandit", "adaptive"):
        with _open(f"sqlite:///{tmp_path / default}.db", default) as hl:
            ana = uuid.UUID(int=7)
            hl.put_user(ana, {"archetype": "connected_explorer"})
            plans[default] = [
                _day(hl, ana, START + timedelta(days=d), "adaptive") for d in range(6)
            ]
    assert plans["bandit"] == plans["adaptive"]
